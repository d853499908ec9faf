"""Mailboxes in admin and on the command line: secrets stay secret, health shows, quarantine works."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from helpdesk import tasks
from helpdesk.ingest import parse_pool
from helpdesk.ingest.imap import parse_mailbox_url
from helpdesk.ingest.mailboxes import mailbox_health
from helpdesk.ingest.services import backoff_seconds, poll_due_mailboxes, process_stored, store_raw_email
from helpdesk.mail.parsing import ParseError
from helpdesk.models import AuditEvent, InboundEmail, Mailbox, Message
from tests.helpdesk.ingest_support import add_imap_mailbox, make_mail
from tests.services import Dovecot

pytestmark = pytest.mark.django_db
SECRET = "s3cret-Lösen%ord"


def stored_password_column(mailbox: Mailbox) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT password FROM helpdesk_mailbox WHERE id = %s", [mailbox.pk])
        return str(cursor.fetchone()[0])


def test_add_mailbox_stores_the_password_encrypted(capsys: Any) -> None:
    call_command(
        "add_mailbox",
        "support",
        "imaps://support%40nordlager.example:s3cret-L%C3%B6sen%25ord@imap.example.com/INBOX",
    )
    mailbox = Mailbox.objects.get()
    assert (mailbox.host, mailbox.port, mailbox.security) == ("imap.example.com", 993, "tls")
    assert mailbox.username == "support@nordlager.example"
    assert mailbox.email_address == "support@nordlager.example"
    assert mailbox.password == SECRET
    assert SECRET not in stored_password_column(mailbox)
    assert SECRET not in capsys.readouterr().out
    assert SECRET not in json.dumps(AuditEvent.objects.get(action="mailbox.created").data)


def test_add_mailbox_options_and_password_from_stdin(monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(SECRET + "\n"))
    call_command(
        "add_mailbox",
        "sales",
        "imap://sales@mail.example.com/Sales?starttls=1",
        "--password-stdin",
        "--processed-folder",
        "Done",
        "--interval",
        "120",
        "--only-new",
        "--no-idle",
        "--json",
    )
    report = json.loads(capsys.readouterr().out)
    assert report["security"] == "starttls" and report["port"] == 143 and not report["insecure"]
    mailbox = Mailbox.objects.get()
    assert mailbox.password == SECRET
    assert (mailbox.folder, mailbox.processed_folder, mailbox.poll_interval) == ("Sales", "Done", 120)
    assert not mailbox.import_existing and not mailbox.use_idle


def test_add_mailbox_refuses_plaintext_to_another_machine_unless_insecure_is_explicit(capsys: Any) -> None:
    with pytest.raises(CommandError, match="unencrypted"):
        call_command("add_mailbox", "x", "imap://u:p@mail.example.com/INBOX")
    call_command("add_mailbox", "x", "imap://u:p@mail.example.com/INBOX?insecure=1")
    assert "Warning" in capsys.readouterr().err
    call_command("add_mailbox", "local", "imap://u:p@127.0.0.1:1143/INBOX")
    assert Mailbox.objects.count() == 2


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("pop3://u:p@mail.example.com/", "imap:// or imaps://"),
        ("imaps://mail.example.com/INBOX", "no user"),
        ("imaps://u:p@mail.example.com/INBOX?starttls=1", "already TLS"),
        ("imaps://u:p@mail.example.com:99999/", "port"),
        ("imaps://u:p@mail.example.com:0/", "port"),
        ("imaps://u:p@mail.example.com/?colour=blue", "unknown URL option"),
    ],
)
def test_add_mailbox_explains_a_bad_url(url: str, problem: str) -> None:
    with pytest.raises(CommandError, match=problem):
        call_command("add_mailbox", "x", url)


def test_add_mailbox_twice_needs_update_and_keeps_the_password_when_none_is_given() -> None:
    call_command("add_mailbox", "support", "imaps://u:first@mail.example.com/INBOX")
    with pytest.raises(CommandError, match="--update"):
        call_command("add_mailbox", "support", "imaps://u:second@mail.example.com/INBOX")
    call_command("add_mailbox", "support", "imaps://u@mail.example.com/Support", "--update")
    mailbox = Mailbox.objects.get()
    assert mailbox.password == "first" and mailbox.folder == "Support"


def test_add_mailbox_without_a_password_is_refused_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(CommandError, match="no password"):
        call_command("add_mailbox", "support", "imaps://u@mail.example.com/INBOX")
    monkeypatch.setattr("sys.stdin", io.StringIO("\n"))
    with pytest.raises(CommandError, match="no password"):
        call_command("add_mailbox", "support", "imaps://u@mail.example.com/INBOX", "--password-stdin")
    assert not Mailbox.objects.exists()


def test_add_mailbox_check_logs_in(dovecot: Dovecot, imap_account: tuple[str, str], capsys: Any) -> None:
    dovecot.append(*imap_account, make_mail())
    call_command("add_mailbox", "support", dovecot.url(*imap_account), "--check")
    assert "the folder holds 1 message(s)" in capsys.readouterr().out
    with pytest.raises(CommandError, match="refused the login"):
        call_command("add_mailbox", "bad", dovecot.url(imap_account[0], "wrong"), "--check")


def test_admin_never_shows_the_password_and_keeps_it_when_left_empty(admin_client: Any) -> None:
    mailbox, _ = _mailbox()
    url = reverse("admin:helpdesk_mailbox_change", args=[mailbox.pk])
    page = admin_client.get(url).content.decode()
    assert SECRET not in page and "••••••••" in page
    form = {
        "name": "support",
        "enabled": "on",
        "host": "imap.example.com",
        "port": "993",
        "security": "tls",
        "username": "support@nordlager.example",
        "folder": "INBOX",
        "poll_interval": "60",
        "new_password": "",
    }
    assert admin_client.post(url, form).status_code == 302
    mailbox.refresh_from_db()
    assert mailbox.password == SECRET
    assert admin_client.post(url, {**form, "new_password": "N3w-Secret!"}).status_code == 302
    mailbox.refresh_from_db()
    assert mailbox.password == "N3w-Secret!"
    event = AuditEvent.objects.filter(action="mailbox.updated").first()
    assert event is not None and "password" in event.data["changed"]
    assert "N3w-Secret!" not in json.dumps(event.data)


def test_admin_refuses_plaintext_to_another_machine(admin_client: Any) -> None:
    response = admin_client.post(
        reverse("admin:helpdesk_mailbox_add"),
        {
            "name": "x",
            "enabled": "on",
            "host": "mail.example.com",
            "port": "143",
            "security": "plain",
            "username": "u",
            "folder": "INBOX",
            "poll_interval": "60",
            "new_password": "p",
        },
    )
    assert response.status_code == 200 and "unencrypted" in response.content.decode()
    assert not Mailbox.objects.exists()


def test_admin_lists_mailbox_health(admin_client: Any) -> None:
    mailbox, _ = _mailbox()
    Mailbox.objects.filter(pk=mailbox.pk).update(consecutive_failures=3, last_error="login refused")
    page = admin_client.get(reverse("admin:helpdesk_mailbox_changelist")).content.decode()
    assert "Failing" in page and "login refused" in page and "icon-no.svg" in page


def test_quarantine_lists_the_error_offers_the_raw_mail_and_reprocesses(
    admin_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = make_mail(subject="Trasig")
    real_parse = parse_pool.parse_email
    monkeypatch.setattr(parse_pool, "parse_email", lambda raw: (_ for _ in ()).throw(ParseError("bad bytes")))
    store_raw_email(raw=raw)
    process_stored()
    row = InboundEmail.objects.get()

    listing = admin_client.get(reverse("admin:helpdesk_quarantinedemail_changelist")).content.decode()
    assert "ParseError: bad bytes" in listing
    download = admin_client.get(reverse("admin:helpdesk_inboundemail_raw", args=[row.pk]))
    assert download.status_code == 200 and download.content == raw
    assert download["Content-Type"] == "message/rfc822"
    detail = admin_client.get(
        reverse("admin:helpdesk_quarantinedemail_change", args=[row.pk])
    ).content.decode()
    assert "ParseError: bad bytes" in detail and "Download .eml" in detail

    monkeypatch.setattr(parse_pool, "parse_email", real_parse)
    response = admin_client.post(
        reverse("admin:helpdesk_quarantinedemail_changelist"),
        {"action": "reprocess_selected", "_selected_action": [row.pk]},
        follow=True,
    )
    assert "1 mail re-processed; 0 still quarantined." in response.content.decode()
    assert Message.objects.get().subject == "Trasig"
    assert AuditEvent.objects.filter(action="ingest.reprocess", actor__isnull=False).count() == 1
    assert (
        admin_client.get(reverse("admin:helpdesk_quarantinedemail_changelist"))
        .content.decode()
        .count("Trasig")
        == 0
    )


def test_reading_the_quarantine_does_not_allow_reprocessing_or_fetching(client: Any) -> None:
    from django.contrib.auth.models import Permission

    from tests.factories import UserFactory

    store_raw_email(raw=make_mail(subject="Vänta"))
    reader = UserFactory.create(username="vera", role=None, is_staff=True)
    reader.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["view_inboundemail", "view_quarantinedemail", "view_mailbox"]
        )
    )
    mailbox = Mailbox.objects.create(name="support", host="imap.example.com", username="u")
    row = InboundEmail.objects.get()
    client.force_login(reader)
    listing = client.get(reverse("admin:helpdesk_inboundemail_changelist"))
    assert reverse("admin:helpdesk_inboundemail_change", args=[row.pk]) in listing.content.decode()
    assert "reprocess_selected" not in listing.content.decode()
    client.post(
        reverse("admin:helpdesk_inboundemail_changelist"),
        {"action": "reprocess_selected", "_selected_action": [row.pk]},
    )
    assert InboundEmail.objects.get().status == InboundEmail.Status.STORED and not Message.objects.exists()
    page = client.get(reverse("admin:helpdesk_mailbox_changelist")).content.decode()
    assert "fetch_now" not in page
    client.post(
        reverse("admin:helpdesk_mailbox_changelist"),
        {"action": "fetch_now", "_selected_action": [mailbox.pk]},
    )
    from django_q.models import OrmQ

    assert not OrmQ.objects.exists()

    reader.user_permissions.add(Permission.objects.get(codename="change_inboundemail"))
    reader = type(reader).objects.get(pk=reader.pk)  # permissions are cached on the instance
    client.force_login(reader)
    assert (
        "reprocess_selected" in client.get(reverse("admin:helpdesk_inboundemail_changelist")).content.decode()
    )


def test_raw_mail_is_not_for_staff_without_permission(client: Any, agent: Any) -> None:
    row = store_raw_email(raw=make_mail())
    client.force_login(agent)
    response = client.get(reverse("admin:helpdesk_inboundemail_raw", args=[row.pk]))
    assert response.status_code in {302, 403}


def test_schedule_polls_only_due_mailboxes_and_backs_off_after_failures(
    dovecot: Dovecot, imap_account: tuple[str, str]
) -> None:
    healthy = add_imap_mailbox(dovecot, *imap_account, name="healthy")
    broken = add_imap_mailbox(dovecot, imap_account[0], "wrong", name="broken")
    dovecot.append(*imap_account, make_mail())

    assert tasks.poll_due_mailboxes() == {"broken": False, "healthy": True}
    assert tasks.poll_due_mailboxes() == {}  # nothing due again so soon

    broken.refresh_from_db()
    healthy.refresh_from_db()
    assert healthy.next_poll_at is not None and broken.next_poll_at is not None
    assert healthy.next_poll_at - healthy.last_poll_at == timedelta(seconds=60)  # type: ignore[operator]
    later = timezone.now() + timedelta(hours=2)
    assert {result.mailbox for result in poll_due_mailboxes(later)} == {"broken", "healthy"}
    broken.refresh_from_db()
    assert broken.consecutive_failures == 2
    assert backoff_seconds(interval=60, failures=2) <= 120
    assert backoff_seconds(interval=60, failures=30) <= 3600


def test_health_selector_reports_backlog_and_quarantine(
    dovecot: Dovecot, imap_account: tuple[str, str]
) -> None:
    mailbox = add_imap_mailbox(dovecot, *imap_account, name="support")
    InboundEmail.objects.create(mailbox=mailbox, raw=b"x", size=1, sha256="0" * 64)
    InboundEmail.objects.create(mailbox=mailbox, raw=b"y", size=1, sha256="1" * 64, status="quarantined")
    [health] = mailbox_health()
    assert (health.name, health.health, health.backlog, health.quarantined) == ("support", "new", 1, 1)


def test_the_poll_schedule_exists() -> None:
    from django_q.models import Schedule

    schedule = Schedule.objects.get(func="helpdesk.tasks.poll_due_mailboxes")
    assert schedule.schedule_type == Schedule.MINUTES and schedule.minutes == 1


def _mailbox() -> tuple[Mailbox, str]:
    url = parse_mailbox_url(
        f"imaps://support%40nordlager.example:{SECRET.replace('%', '%25')}@imap.example.com/INBOX"
    )
    from helpdesk.ingest.mailboxes import save_mailbox

    return save_mailbox(name="support", url=url)[0], SECRET


def test_fetch_now_polls_in_the_background(
    admin_client: Any, dovecot: Dovecot, imap_account: tuple[str, str]
) -> None:
    from django_q.models import OrmQ

    mailbox = add_imap_mailbox(dovecot, *imap_account, name="support")
    dovecot.append(*imap_account, make_mail(subject="Nu"))
    response = admin_client.post(
        reverse("admin:helpdesk_mailbox_changelist"),
        {"action": "fetch_now", "_selected_action": [mailbox.pk]},
        follow=True,
    )
    assert "in the background" in response.content.decode()
    assert not Message.objects.exists()
    [queued] = OrmQ.objects.all()
    assert queued.task["func"] == "helpdesk.tasks.poll_mailbox"
    assert tasks.poll_mailbox(*queued.task["args"]) is True
    assert Message.objects.get().subject == "Nu"


def test_admin_says_when_a_stored_password_cannot_be_decrypted(admin_client: Any) -> None:
    mailbox, _ = _mailbox()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE helpdesk_mailbox SET password = %s WHERE id = %s", ["garbage", mailbox.pk])
    assert admin_client.get(reverse("admin:helpdesk_mailbox_changelist")).status_code == 200
    page = admin_client.get(reverse("admin:helpdesk_mailbox_change", args=[mailbox.pk])).content.decode()
    assert "cannot be decrypted with the configured key" in page
