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
