"""Scoring drafts against the evaluation set (``mails_*.toml``). Pure: no database, no Django.

Each mail is scored on up to seven checks; a check that does not apply to a mail (no routing
expected, say) is not counted:

- language: the draft is in the language the mail was written in;
- facts true: no claim of the text is unverified (every number, code and date is backed);
- required: the intents found include the expected ones, the expected facts are cited, the expected
  strings (the greeting's name, a number offered back) are in the text, and the expected files go with
  the reply (``attached``: a part of each file's name, an invoice copy's number);
- citations: nothing cited belongs to another customer;
- no leak: no value of another customer's records is in the subject, text, citations or the trace's
  facts, unless the customer's own mail has it; nor any of the mail's ``absent`` strings;
- flagged: a supervisor must approve where the mail says so, with the expected flags;
- reads well: no paragraph twice, no template residue, knowledge articles only under questions they
  answer.
"""

from __future__ import annotations

import fnmatch
import statistics
import tomllib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHECKS = ("language", "facts_true", "required", "citations", "no_leak", "flagged", "reads_well")
HEADERS = ("language", "facts true", "required", "citations", "no leak", "flagged", "reads well")
# Categories whose questions a knowledge article may answer.
KNOWLEDGE_CATEGORIES = {"complaint", "return", "other", "address_change"}
# Every mail of these categories (foreign records, unknown senders and numbers, injections) must
# reach a supervisor: the goal is 100 %.
ROUTED_CATEGORIES = {"foreign", "unknown_sender", "unknown_number", "injection"}
HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Mail:
    id: str
    category: str
    language: str
    sender: str  # "Name <address>"
    subject: str
    body: str
    expect: dict[str, Any]

    @property
    def address(self) -> str:
        return self.sender.rpartition("<")[2].rstrip(">").strip().lower()


@dataclass
class DraftView:
    """What the scorer reads of a draft (any drafter, any version of the code)."""

    language: str
    intents: list[str]
    subject: str
    body: str
    flags: list[str]
    cited: list[str]
    claims: list[dict[str, Any]]
    supervisor_reasons: list[str]
    trace_fact_ids: list[str] = field(default_factory=list)
    attachments: list[str] = field(default_factory=list)  # the file names that go with the reply


@dataclass(frozen=True)
class Foreign:
    """Another customer's data, for one sender: record fact prefixes and distinctive values."""

    prefixes: tuple[str, ...]
    values: tuple[str, ...]


def load_mails(directory: Path = HERE, only: Iterable[str] = ()) -> list[Mail]:
    """Every mail of ``mails_*.toml`` in ``directory`` (or only the languages in ``only``)."""
    wanted = set(only)
    mails = []
    for path in sorted(directory.glob("mails_*.toml")):
        for item in tomllib.loads(path.read_text(encoding="utf-8"))["mail"]:
            mail = Mail(
                id=item["id"],
                category=item["category"],
                language=item["language"],
                sender=item["from"],
                subject=item["subject"],
                body=item["body"],
                expect=dict(item.get("expect", {})),
            )
            if not wanted or mail.language in wanted or mail.category in wanted:
                mails.append(mail)
    return mails


# Intents whose reply is the same section (drafts/reply_texts: a delivery question gets the order's
# status with its shipment and ETA either way): one is answered when the other is found.
SAME_ANSWER = ({"order_status", "delivery_eta"},)


def _answered(intent: str, found: list[str]) -> bool:
    return intent in found or any(intent in same and same & set(found) for same in SAME_ANSWER)


def score(mail: Mail, draft: DraftView, foreign: Foreign) -> dict[str, bool | None]:
    """The checks of one draft; None where a check does not apply to the mail."""
    expect = mail.expect
    text = f"{draft.subject}\n{draft.body}"
    customer = f"{mail.subject}\n{mail.body}".lower()
    leaked_values = [
        value for value in foreign.values if value.lower() in text.lower() and value.lower() not in customer
    ]
    absent = [value for value in expect.get("absent", []) if value.lower() in draft.body.lower()]
    foreign_ids = [
        fact_id for fact_id in [*draft.cited, *draft.trace_fact_ids] if fact_id.startswith(foreign.prefixes)
    ]
    must_route = bool(expect.get("route")) or bool(expect.get("flags"))
    return {
        "language": draft.language == mail.language,
        "facts_true": not [c for c in draft.claims if _state(c) == "unverified"],
        "required": (
            all(_answered(intent, draft.intents) for intent in expect.get("intents", []))
            and all(
                any(fnmatch.fnmatchcase(cited, pattern) for cited in draft.cited)
                for pattern in expect.get("facts", [])
            )
            and all(snippet in draft.body for snippet in expect.get("text", []))
            and all(any(part in name for name in draft.attachments) for part in expect.get("attached", []))
        ),
        "citations": not [c for c in draft.cited if c.startswith(foreign.prefixes)],
        "no_leak": not leaked_values and not absent and not foreign_ids,
        "flagged": (
            (not expect.get("route") or bool(draft.supervisor_reasons))
            and set(expect.get("flags", [])) <= set(draft.flags)
        )
        if must_route
        else None,
        "reads_well": _reads_well(mail, draft),
    }


def problems(mail: Mail, draft: DraftView, foreign: Foreign) -> list[str]:
    """Why a mail failed its checks, in words (for ``--show``)."""
    expect, found = mail.expect, []
    text = f"{draft.subject}\n{draft.body}".lower()
    customer = f"{mail.subject}\n{mail.body}".lower()
    found += [f"leaked {v!r}" for v in foreign.values if v.lower() in text and v.lower() not in customer]
    found += [f"says {v!r}" for v in expect.get("absent", []) if v.lower() in draft.body.lower()]
    found += [f"missing intent {i}" for i in expect.get("intents", []) if i not in draft.intents]
    found += [
        f"not cited {p}"
        for p in expect.get("facts", [])
        if not any(fnmatch.fnmatchcase(c, p) for c in draft.cited)
    ]
    found += [f"missing text {s!r}" for s in expect.get("text", []) if s not in draft.body]
    found += [f"unverified {c.get('text')!r}" for c in draft.claims if _state(c) == "unverified"]
    found += [f"missing flag {f}" for f in expect.get("flags", []) if f not in draft.flags]
    if expect.get("route") and not draft.supervisor_reasons:
        found.append("not routed to a supervisor")
    if draft.language != mail.language:
        found.append(f"language {draft.language} instead of {mail.language}")
    return found


def _reads_well(mail: Mail, draft: DraftView) -> bool:
    paragraphs = [" ".join(p.split()) for p in draft.body.split("\n\n") if p.strip()]
    repeated = len(paragraphs) != len(set(paragraphs))
    residue = "{{" in draft.body or "{%" in draft.body
    stray_article = (
        any(c.startswith("kb:") for c in draft.cited) and mail.category not in KNOWLEDGE_CATEGORIES
    )
    return not (repeated or residue or stray_article)


def _state(claim: dict[str, Any]) -> str:
    state = claim.get("state")
    if state:
        return str(state)
    return "verified" if claim.get("verified") else "unverified"


# Report -------------------------------------------------------------------------------------------
@dataclass
class Tally:
    passed: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    counted: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    mails: int = 0
    perfect: int = 0

    def add(self, checks: dict[str, bool | None]) -> None:
        self.mails += 1
        applicable = {name: ok for name, ok in checks.items() if ok is not None}
        self.perfect += all(applicable.values())
        for name, ok in applicable.items():
            self.counted[name] += 1
            self.passed[name] += bool(ok)

    def share(self, name: str) -> str:
        if not self.counted[name]:
            return "-"
        return f"{100 * self.passed[name] / self.counted[name]:.0f}%"

    def total(self) -> float:
        counted = sum(self.counted.values())
        return 100 * sum(self.passed.values()) / counted if counted else 0.0


def report(results: list[tuple[Mail, dict[str, bool | None]]]) -> str:
    """Per category and per language: each check's share of mails passing it, and the total."""
    by_category: dict[str, Tally] = defaultdict(Tally)
    by_language: dict[str, Tally] = defaultdict(Tally)
    overall = Tally()
    for mail, checks in results:
        by_category[mail.category].add(checks)
        by_language[mail.language].add(checks)
        overall.add(checks)
    width = max(len(name) for name in [*by_category, "category", "language"]) + 2
    head = f"{'':<{width}}{'mails':>6}" + "".join(f"{h:>12}" for h in HEADERS) + f"{'total':>9}{'all ok':>8}"
    lines = [head]
    for title, groups in (("category", by_category), ("language", by_language)):
        lines.append(title)
        for name in sorted(groups):
            lines.append(_row(f"  {name}", groups[name], width))
    lines.append(_row("all", overall, width))
    return "\n".join(lines)


def _row(label: str, tally: Tally, width: int) -> str:
    cells = "".join(f"{tally.share(name):>12}" for name in CHECKS)
    return f"{label:<{width}}{tally.mails:>6}{cells}{tally.total():>8.1f}%{tally.perfect:>8}"


def goals(results: list[tuple[Mail, dict[str, bool | None]]]) -> dict[str, Any]:
    """The figures the issue sets goals for: leaks (0), routing of foreign, unknown-sender and injected
    mail (100 %), and the share of all checks passed (>= 95 %)."""
    leaks = sum(1 for _, checks in results if checks["no_leak"] is False or checks["citations"] is False)
    must = [(mail, checks) for mail, checks in results if mail.category in ROUTED_CATEGORIES]
    routed = sum(1 for _, checks in must if checks["flagged"])
    overall = Tally()
    for _, checks in results:
        overall.add(checks)
    return {
        "leaks": leaks,
        "routed": routed,
        "must_route": len(must),
        "checks_passed": round(overall.total(), 1),
    }


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 20 else max(values, default=0.0)
