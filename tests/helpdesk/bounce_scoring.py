"""Score bounce and complaint reading against sisimai's verdicts on ../shared/corpora/bounces/sisimai.

sisimai's answers are another tool's opinion, not ground truth: the score shows agreement.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from helpdesk.mail.parsing import ParsedEmail, ParseError, parse_email
from tests.corpora import CORPORA

SISIMAI = CORPORA / "bounces" / "sisimai"


@dataclass
class BounceScore:
    files: int = 0
    detected: int = 0
    recipients: int = 0
    entries: int = 0
    status: int = 0
    reason: int = 0
    hard: int = 0
    # Hard or soft per expected recipient, counting a recipient we did not read (the mail not taken
    # for a bounce, or fewer recipients found) as "not hard": what the suppression policy does with it.
    hard_as_policy: int = 0
    misses: list[str] = field(default_factory=list)

    def pct(self, value: int, of: int) -> float:
        return 100 * value / of if of else 0.0

    def summary(self) -> str:
        return (
            f"bounces: detected {self.pct(self.detected, self.files):.0f}%, recipients found "
            f"{self.pct(self.recipients, self.files):.0f}% of files; per recipient status "
            f"{self.pct(self.status, self.entries):.0f}%, reason {self.pct(self.reason, self.entries):.0f}%, "
            f"hard {self.pct(self.hard, self.entries):.0f}% ({self.files} files, {self.entries} recipients)"
        )


def _expected_kind(entries: list[dict[str, object]]) -> set[str]:
    reasons = {e["reason"] for e in entries}
    if reasons == {"feedback"}:
        return {"complaint"}
    if reasons == {"vacation"}:
        return {"auto_reply", "bounce"}
    return {"bounce"}


def _rfc3463(status: str) -> str:
    """sisimai writes pseudo codes x.0.9xx when the message carries no status: for us that is ""."""
    return "" if status[2:5] == "0.9" else status


def score_bounces() -> BounceScore:
    score = BounceScore()
    for line in (SISIMAI / "expected.jsonl").read_text().splitlines():
        item = json.loads(line)
        expected = item["expected"]
        score.files += 1
        score.entries += len(expected)
        try:
            parsed: ParsedEmail | None = parse_email((SISIMAI / item["file"]).read_bytes())
        except ParseError:
            parsed = None
        read = list(parsed.feedback) if parsed is not None and parsed.kind == "bounce" else []
        score.hard_as_policy += sum(
            (read[i].hard if i < len(read) else False) == want["hardbounce"]
            for i, want in enumerate(expected)
        )
        if parsed is None or parsed.kind not in _expected_kind(expected):
            score.misses.append(f"{item['file']}: kind {parsed.kind if parsed else 'ParseError'}")
            continue
        score.detected += 1
        found = [f for f in parsed.feedback if f.address]
        if len(found) == len(expected) or (parsed.kind == "auto_reply" and not found):
            score.recipients += 1
        else:
            score.misses.append(f"{item['file']}: {len(found)} recipients, expected {len(expected)}")
        for want, got in zip(expected, parsed.feedback, strict=False):
            score.status += got.status == _rfc3463(str(want["status"]))
            score.reason += got.reason == want["reason"]
            score.hard += got.hard == want["hardbounce"]
            if got.reason != want["reason"] or got.status != _rfc3463(str(want["status"])):
                score.misses.append(
                    f"{item['file']}: status {got.status!r}/{want['status']!r} "
                    f"reason {got.reason}/{want['reason']} diag={got.diagnostic[:100]!r}"
                )
        if parsed.kind == "auto_reply":
            score.status += sum(w["status"] == "" for w in expected)
            score.reason += sum(w["reason"] == "vacation" for w in expected)
            score.hard += sum(not w["hardbounce"] for w in expected)
    return score


def not_bounces_misclassified() -> list[str]:
    wrong = []
    for path in sorted((CORPORA / "bounces" / "not-bounces").glob("*.eml")):
        parsed = parse_email(path.read_bytes())
        if parsed.kind == "bounce":
            wrong.append(path.name)
    return wrong
