"""manage.py inspect_email: parse and classify files, store nothing, fail clearly per bad file."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.corpora import CORPORA

REPLY = CORPORA / "replies" / "talon" / "standard_replies" / "gmail.eml"
BOUNCE = CORPORA / "mime" / "flanker" / "bounce" / "zed.eml"
ATTACHED = CORPORA / "mime" / "flanker" / "attached-pdf.eml"


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("inspect_email", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_json_gives_every_field_per_file():
    out, _ = run("--json", str(REPLY), str(BOUNCE), str(ATTACHED))
    reply, bounce, attached = json.loads(out)
    assert reply["ok"] and reply["kind"] == "human"
    assert (
        reply["subject"] == "Re: Test"
        and reply["from"] == "xxx@gmail.com"
        and reply["to"] == ["bob@example.com"]
    )
    assert reply["visible_text"] == "Hello" and "wrote:" in reply["quoted_text"]
    assert reply["message_id"].startswith("<") and reply["date"].startswith("2012-04-02")
    assert {"in_reply_to", "references", "signature", "defects"} <= set(reply)
    assert bounce["kind"] == "bounce"
    assert [(r["address"], r["status"], r["action"]) for r in bounce["recipients"]] == [
        ("asdfasdfasdfasdfasdfasdfewrqertrtyrthsfgdfgadfqeadvxzvz@gmail.com", "5.1.1", "failed")
    ]
    assert "does not exist" in bounce["recipients"][0]["diagnostic"]
    assert attached["attachments"] == [
        {"name": "test.pdf", "type": "application/pdf", "size": 6940, "inline": False, "content_id": ""}
    ]


def test_human_summary():
    out, _ = run(str(BOUNCE))
    assert "zed.eml: bounce" in out
    assert "recipient: asdfasdfasdfasdfasdfasdfewrqertrtyrthsfgdfgadfqeadvxzvz@gmail.com 5.1.1 failed" in out
    assert "attachment: test bounce.eml (message/rfc822" in out


def test_missing_and_unparseable_files_fail_with_a_message_each(tmp_path):
    junk = tmp_path / "junk.eml"
    junk.write_bytes(b"\x00\x01 not mail")
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as info:
        call_command(
            "inspect_email",
            "--json",
            str(REPLY),
            str(tmp_path / "missing.eml"),
            str(junk),
            stdout=out,
            stderr=err,
        )
    assert info.value.returncode == 1
    assert "2 of 3 files could not be parsed" in str(info.value)
    results = json.loads(out.getvalue())
    assert [r["ok"] for r in results] == [True, False, False]
    assert "no such file" in results[1]["error"] and "not readable as mail" in results[2]["error"]
    assert "missing.eml: cannot read: no such file" in err.getvalue()
    assert "junk.eml: not readable as mail" in err.getvalue()


def test_a_directory_is_not_a_mail(tmp_path):
    with pytest.raises(CommandError):
        run(str(tmp_path))


def test_json_shows_the_split_and_the_rule_that_decided_each_part(tmp_path):
    mail = tmp_path / "reply.eml"
    mail.write_bytes(
        "From: Anna Berg <anna@example.de>\r\nSubject: AW: Order 100231\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        "Danke, das passt.\r\n\r\nViele Grüße\r\nAnna\r\n\r\n"
        "Am Di., 5. März 2024 um 10:15 Uhr schrieb Nordlager Support <s@n.example>:\r\n"
        "> Ihre Bestellung ist unterwegs.\r\n".encode()
    )
    out, _ = run("--json", str(mail))
    (result,) = json.loads(out)
    assert result["visible_text"] == "Danke, das passt."
    assert result["signature"] == "Viele Grüße\nAnna"
    assert [(r["part"], r["rule"], r["line"], r["language"]) for r in result["split_rules"]] == [
        ("signature", "sign_off", 3, "de"),
        ("quoted", "attribution", 6, "de"),
    ]
    assert result["forwards"] == []


def test_a_forward_is_shown_with_its_sender_date_and_text(tmp_path):
    mail = tmp_path / "forward.eml"
    mail.write_bytes(
        b"From: anna@example.se\r\nSubject: VB: Leverans\r\nContent-Type: text/plain\r\n\r\n"
        b"Se nedan, vad betyder detta?\r\n\r\n"
        b"---------- Vidarebefordrat meddelande ---------\r\n"
        b"Fr\xc3\xa5n: Speditionen <info@spedition.example>\r\nDatum: tis 5 mars 2024 kl 10:15\r\n"
        b"\xc3\x84mne: Leverans 100231\r\nTill: anna@example.se\r\n\r\n"
        b"Leveransen \xc3\xa4r f\xc3\xb6rsenad.\r\n"
    )
    out, _ = run("--json", str(mail))
    (result,) = json.loads(out)
    assert result["visible_text"] == "Se nedan, vad betyder detta?" and result["quoted_text"] == ""
    assert result["forwards"] == [
        {
            "sender": "Speditionen <info@spedition.example>",
            "date": "tis 5 mars 2024 kl 10:15",
            "subject": "Leverans 100231",
            "to": "anna@example.se",
            "text": "Leveransen är försenad.",
        }
    ]
    assert result["split_rules"][0]["rule"] == "forward_separator"
    text, _ = run(str(mail))
    assert "forwarded message from Speditionen <info@spedition.example>, tis 5 mars 2024 kl 10:15" in text
    assert "split: forward by forward_separator at line 3 [sv]" in text
