"""Score quote and signature splitting on ../shared/corpora/replies (talon and github sets).

A case is right when the visible text is what the sender wrote in that message: the expected text
(talon) or every expected phrase present and every quoted/signature phrase absent (github, whose
expectations are its fixtures' names; written out here as phrases).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from helpdesk.mail.html_sanitise import html_to_marked_text
from helpdesk.mail.parsing import parse_email
from helpdesk.mail.quotes import Split, split_reply
from tests.corpora import CORPORA

REPLIES = CORPORA / "replies"

# github email_reply_parser fixtures: (phrases that must be visible, phrases that must not be visible).
GITHUB: dict[str, tuple[list[str], list[str]]] = {
    "email_1_1.txt": (
        ["Hi folks", "I am currently using the Java HTTP API."],
        ["-Abhishek Kona", "riak-users"],
    ),
    "email_1_2.txt": (
        ["Hi,", "You can list the keys for the bucket"],
        ["> Hi folks", "riak-users mailing list"],
    ),
    "email_1_3.txt": (
        ["Oh thanks.", "Having the function would be great."],
        ["-Abhishek Kona", "Russell Brown"],
    ),
    "email_1_4.txt": (["Awesome! I haven't had another problem with it."], ["defunkt", "Loader seems"]),
    "email_1_5.txt": (["One: Here's what I've got.", "- And another one", "for a while."], []),
    "email_1_6.txt": (["I get proper rendering as well."], ["magnificent torch", "Corey Donohoe", "caching"]),
    "email_1_7.txt": ([":+1:"], ["Chris Wanstrath", "Steps 0-2"]),
    "email_1_8.txt": (
        ["I will reply under this one", "and under this."],
        ["here's some stuff I can write", "Hey there, this is my signature", "Example Dev"],
    ),
    "email_2_1.txt": (["Outlook with a reply"], ["Google Apps Sync", "From:"]),
    "email_2_2.txt": (["Outlook with a reply directly above line"], ["CRM Comments", "____"]),
    "email_2_3.txt": (["Outlook with a reply directly above line"], ["CRM Comments", "new comment"]),
    "email_BlackBerry.txt": (["Here is another email"], ["Sent from my BlackBerry"]),
    "email_bullets.txt": (
        ["test 2 this should list second", "- how about bullets", "- and another"],
        ["Give us an example", "Joe Smith"],
    ),
    "email_iPhone.txt": (["Here is another email"], ["Sent from my iPhone"]),
    "email_long_quote.txt": (["Hi folks", "running a test?"], []),
    "email_multi_word_sent_from_my_mobile_device.txt": (["Here is another email"], ["Verizon Wireless"]),
    "email_one_is_not_on.txt": (
        ["Thank, this is really helpful.", "One outstanding question I had:", "Locally (on development)"],
        ["Dave Tapley", "much better query"],
    ),
    "email_sent_from_my_not_signature.txt": (
        ["Here is another email", "Sent from my desk, is much easier then my mobile phone."],
        [],
    ),
    "email_sig_delimiter_in_middle_of_line.txt": (["this is not a signature.", "kthxbai"], []),
    "greedy_on.txt": (
        ["On your remote host you can run:", "telnet 127.0.0.1 52698", "the tunnel is not working."],
        ["George Plymale", "port forwarding"],
    ),
    "correct_sig.txt": (["this is an email with a correct -- signature."], ["rick"]),
    "pathological.txt": (["I think you're onto something."], ["John Sullivan", "reference sequence"]),
}
TALON_HTML_REPLY = "Hi. I am fine.\n\nThanks,\nAlex"


@dataclass
class Case:
    name: str
    ok: bool
    detail: str


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _github_case(path: Path) -> Case:
    must, must_not = GITHUB[path.name]
    split = split_reply(path.read_text(encoding="utf-8", errors="replace"))
    missing = [p for p in must if p not in split.visible]
    leaked = [p for p in must_not if p in split.visible]
    return Case(f"github/{path.name}", not missing and not leaked, f"missing={missing} leaked={leaked}")


def _talon_standard(path: Path) -> Case:
    parsed = parse_email(path.read_bytes())
    expected_file = path.with_name(path.stem + "_reply_text")
    ok = parsed.visible_text.strip() == "Hello"
    if expected_file.exists():
        whole = f"{parsed.visible_text}\n{parsed.signature}"
        ok = ok and _squash(whole) == _squash(expected_file.read_text(encoding="utf-8"))
    return Case(
        f"talon/{path.name}", ok, f"visible={parsed.visible_text[:80]!r} sig={parsed.signature[:40]!r}"
    )


def _talon_html(path: Path, expected: str, *, with_signature: bool = True) -> Case:
    split = split_reply(html_to_marked_text(path.read_text(encoding="utf-8", errors="replace")))
    got = f"{split.visible}\n{split.signature}" if with_signature else split.visible
    return Case(f"talon/{path.name}", _squash(got) == _squash(expected), f"got={got[:80]!r}")


def _talon_signature(body: Path) -> Case:
    stem = body.name.removesuffix("_body")
    sender = (body.parent / f"{stem}_sender").read_text(encoding="utf-8").strip()
    expected = (body.parent / f"{stem}_signature").read_text(encoding="utf-8")
    name, _, address = sender.partition("<")
    split: Split = split_reply(
        body.read_text(encoding="utf-8"), sender_name=name.strip(), sender_address=address.strip("> ")
    )
    return Case(
        f"talon/signature/{stem}",
        _squash(split.signature) == _squash(expected),
        f"sig={split.signature!r}"[:120],
    )


def score_replies() -> list[Case]:
    cases = [_github_case(REPLIES / "github" / name) for name in sorted(GITHUB)]
    standard = REPLIES / "talon" / "standard_replies"
    cases += [_talon_standard(p) for p in sorted(standard.glob("*.eml"))]
    cases += [
        _talon_html(p, TALON_HTML_REPLY) for p in sorted((REPLIES / "talon" / "html_replies").glob("*.html"))
    ]
    cases.append(
        _talon_html(REPLIES / "talon" / "reply-separated-by-hr.html", "Hi there Bob", with_signature=False)
    )
    cases.append(_talon_html(REPLIES / "talon" / "OLK_SRC_BODY_SECTION.html", "Reply", with_signature=False))
    shared = parse_email((REPLIES / "talon" / "reply-quotations-share-block.eml").read_bytes())
    cases.append(
        Case(
            "talon/reply-quotations-share-block.eml",
            bool(shared.visible_text.strip()) and "From" not in shared.visible_text,
            f"visible={shared.visible_text[:80]!r}",
        )
    )
    stripped = REPLIES / "talon" / "signature" / "emails" / "stripped"
    cases += [_talon_signature(p) for p in sorted(stripped.glob("*_body"))]
    return cases
