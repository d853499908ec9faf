"""Score quote and signature splitting on every reply set in ../shared/corpora/replies.

Each set keeps its own measure, because each source pins a different thing:

- ``talon``: the visible text is ``Hello`` (or the ``*_reply_text`` beside the mail), the HTML replies'
  text is known, and the ``signature`` mails name their signature.
- ``github``: its fixtures' names say what the reply is; written out here as phrases that must be
  visible and phrases that must not.
- ``crisp`` and ``mail-parser-reply``: ``NAME_reply_text`` holds the expected visible text (see the
  corpus README); a case is right when our visible text is at least 90 % similar to it (difflib's
  ratio after the README's normalisation), and exact when equal.
- ``own-dev``, ``own-heldout``, ``own-unseen`` and ``own-blind4`` (``tests/helpdesk/replies_own``):
  replies written for this project in the same form (``NAME.txt`` or ``NAME.html`` beside
  ``NAME_reply_text``), scored like crisp. The held-out sets are measured before they are developed
  on (see that folder's README).

Where a source's convention differs from ours, the difference is stated below (``CONVENTIONS``) and
scored as ours, never bent into the code.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

from helpdesk.mail.html_sanitise import html_to_marked_text
from helpdesk.mail.parsing import parse_email
from helpdesk.mail.quotes import Split, split_reply
from tests.corpora import CORPORA

REPLIES = CORPORA / "replies"
OWN = Path(__file__).parent / "replies_own"
OWN_SETS = {
    "own-dev": OWN / "dev",
    "own-heldout": OWN / "heldout",
    "own-unseen": OWN / "unseen",
    "own-blind4": OWN / "blind4",
}
SIMILAR = 0.9

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

# Where a source's convention differs from ours. crisp keeps in the visible text the sign-offs its own
# rule list does not know (the corpus README names them); we take them as the signature. For these
# mails our visible text is compared with the expected text without that sign-off, and our signature
# must start with it (so the text is classified, not lost).
CONVENTIONS: dict[str, str] = {
    "crisp/email_1.txt": "-Abhishek Kona",
    "crisp/email_3.txt": "-Abhishek Kona",
    "crisp/email_emoji.txt": "—\nJohn Doe\nCEO at Pandaland\n\n@pandaland",
    "crisp/email_not_a_signature.txt": "Sincerely,\nSuper Domain Name Manager",
}
# talon marks the signature lines of its learning set with ``#sig#``: an annotation, not mail. The
# marks are removed before splitting and from the expected signature.
TALON_SIGNATURE_MARK = "#sig#"


@dataclass
class Case:
    set: str
    name: str
    ok: bool
    detail: str
    exact: bool = False


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def normalise(text: str) -> str:
    """The corpus README's form: LF line ends, lines right-stripped, no blank lines around."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip("\n")


def similarity(got: str, want: str) -> float:
    return difflib.SequenceMatcher(None, got, want, autojunk=False).ratio()


def _expected_case(set_name: str, path: Path) -> Case:
    name = f"{set_name}/{path.name}"
    text = path.read_bytes().decode("utf-8", "surrogateescape")
    split = split_reply(html_to_marked_text(text) if path.suffix == ".html" else text)
    want = normalise(path.with_name(path.stem + "_reply_text").read_text(encoding="utf-8"))
    got = normalise(split.visible)
    kept = CONVENTIONS.get(name)
    signature_ok = True
    if kept is not None:
        assert want.endswith(kept), f"{name}: the convention note no longer matches the corpus"
        want = want.removesuffix(kept).rstrip()
        signature_ok = normalise(split.signature).startswith(kept)
    ratio = similarity(got, want)
    return Case(
        set_name,
        name,
        ratio >= SIMILAR and signature_ok,
        f"similarity {ratio:.2f}, visible={got[:70]!r}",
        exact=got == want and signature_ok,
    )


def _github_case(path: Path) -> Case:
    must, must_not = GITHUB[path.name]
    split = split_reply(path.read_text(encoding="utf-8", errors="replace"))
    missing = [p for p in must if p not in split.visible]
    leaked = [p for p in must_not if p in split.visible]
    ok = not missing and not leaked
    return Case("github", f"github/{path.name}", ok, f"missing={missing} leaked={leaked}", exact=ok)


def _talon_standard(path: Path) -> Case:
    parsed = parse_email(path.read_bytes())
    expected_file = path.with_name(path.stem + "_reply_text")
    ok = parsed.visible_text.strip() == "Hello"
    if expected_file.exists():
        whole = f"{parsed.visible_text}\n{parsed.signature}"
        ok = ok and _squash(whole) == _squash(expected_file.read_text(encoding="utf-8"))
    detail = f"visible={parsed.visible_text[:80]!r} sig={parsed.signature[:40]!r}"
    return Case("talon", f"talon/{path.name}", ok, detail, exact=ok)


def _talon_html(path: Path, expected: str, *, with_signature: bool = True) -> Case:
    split = split_reply(html_to_marked_text(path.read_text(encoding="utf-8", errors="replace")))
    got = f"{split.visible}\n{split.signature}" if with_signature else split.visible
    ok = _squash(got) == _squash(expected)
    return Case("talon", f"talon/{path.name}", ok, f"got={got[:80]!r}", exact=ok)


def _talon_signature(body: Path) -> Case:
    stem = body.name.removesuffix("_body")
    sender = (body.parent / f"{stem}_sender").read_text(encoding="utf-8").strip()
    expected = (body.parent / f"{stem}_signature").read_text(encoding="utf-8")
    name, _, address = sender.partition("<")
    text = body.read_text(encoding="utf-8").replace(TALON_SIGNATURE_MARK, "")
    split: Split = split_reply(text, sender_name=name.strip(), sender_address=address.strip("> "))
    ok = _squash(split.signature) == _squash(expected.replace(TALON_SIGNATURE_MARK, ""))
    return Case("talon", f"talon/signature/{stem}", ok, f"sig={split.signature!r}"[:120], exact=ok)


def _talon() -> list[Case]:
    talon = REPLIES / "talon"
    cases = [_talon_standard(p) for p in sorted((talon / "standard_replies").glob("*.eml"))]
    cases += [_talon_html(p, TALON_HTML_REPLY) for p in sorted((talon / "html_replies").glob("*.html"))]
    cases.append(_talon_html(talon / "reply-separated-by-hr.html", "Hi there Bob", with_signature=False))
    cases.append(_talon_html(talon / "OLK_SRC_BODY_SECTION.html", "Reply", with_signature=False))
    shared = parse_email((talon / "reply-quotations-share-block.eml").read_bytes())
    ok = bool(shared.visible_text.strip()) and "From" not in shared.visible_text
    cases.append(
        Case("talon", "talon/reply-quotations-share-block.eml", ok, f"visible={shared.visible_text[:80]!r}")
    )
    stripped = talon / "signature" / "emails" / "stripped"
    return cases + [_talon_signature(p) for p in sorted(stripped.glob("*_body"))]


def _expected_set(set_name: str, folder: Path) -> list[Case]:
    cases = []
    for expected in sorted(folder.glob("*_reply_text")):
        stem = expected.name.removesuffix("_reply_text")
        source = next(p for p in (folder / f"{stem}.txt", folder / f"{stem}.html") if p.exists())
        cases.append(_expected_case(set_name, source))
    return cases


def score_replies() -> list[Case]:
    """Every case of every shared set, grouped by set (talon, github, crisp, mail-parser-reply)."""
    cases = _talon()
    cases += [_github_case(REPLIES / "github" / name) for name in sorted(GITHUB)]
    for set_name in ("crisp", "mail-parser-reply"):
        cases += _expected_set(set_name, REPLIES / set_name)
    return cases


def score_own_replies() -> list[Case]:
    """Every case of the project's own reply sets (own-dev, own-heldout, own-unseen, own-blind4)."""
    return [case for name, folder in OWN_SETS.items() for case in _expected_set(name, folder)]


def summary(cases: list[Case]) -> list[str]:
    """One line per set and one for all: right (within 90 % similar or as the source pins it), exact."""
    lines = []
    sets = list(dict.fromkeys(c.set for c in cases))
    for name, group in [(s, [c for c in cases if c.set == s]) for s in sets] + [("total", cases)]:
        right = sum(c.ok for c in group)
        exact = sum(c.exact for c in group)
        share = 100 * right / len(group)
        lines.append(f"{name:>18}: {right:3d}/{len(group):3d} right ({share:3.0f}%), {exact:3d} exact")
    return lines
