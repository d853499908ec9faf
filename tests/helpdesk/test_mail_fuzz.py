"""The mail package under mutated corpus mail and reports (``mail_fuzz``), a few hundred examples per
target here; ``python -m bench fuzz`` runs the same targets for as long as it is given. Inputs that
once broke a target are kept below as regression tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from helpdesk.mail.dmarc import ReportError, parse_aggregate
from tests.helpdesk.mail_fuzz import TARGETS, mutated

EXAMPLES = int(os.environ.get("HELPDESK_FUZZ_EXAMPLES", "150"))
fuzz = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_mutated_input_breaks_no_contract(target: str) -> None:
    kind, check = TARGETS[target]

    @fuzz
    @given(data=mutated(kind))
    def run(data: bytes) -> None:
        check(data)

    run()


# Regression inputs: each once broke a target (found by the fuzzer; see docs/decisions.md).
UNKNOWN_ENCODING = (
    b'<?xml version="1.0" encoding="TF-8" ?>\n<feedback><report_metadata><org_name>x</org_name>'
    b"<report_id>r1</report_id><date_range><begin>1538413632</begin><end>1538413632</end></date_range>"
    b"</report_metadata><policy_published><domain>example.com</domain><p>none</p></policy_published>"
    b"<record><row><source_ip>192.0.2.1</source_ip><count>1</count></row>"
    b"<identifiers><header_from>example.com</header_from></identifiers></record></feedback>"
)
# Inputs too large to read here are files in fuzz_regressions/<target>/ (atheris writes them as is).
FILES = Path(__file__).parent / "fuzz_regressions"
REGRESSIONS: list[tuple[str, bytes]] = [
    ("reports", UNKNOWN_ENCODING),  # LookupError: unknown encoding: TF-8
    *((path.parent.name, path.read_bytes()) for path in sorted(FILES.glob("*/*.bin"))),
]


def test_a_report_declaring_an_unknown_encoding_is_still_read() -> None:
    report = parse_aggregate(UNKNOWN_ENCODING)
    assert report.domain == "example.com" and len(report.records) == 1


@pytest.mark.parametrize(("target", "data"), REGRESSIONS)
def test_inputs_that_once_broke_a_target(target: str, data: bytes) -> None:
    TARGETS[target][1](data)


def test_a_zip_whose_directory_points_before_its_start_is_a_report_error() -> None:
    with pytest.raises(ReportError, match="broken zip archive"):
        parse_aggregate((FILES / "reports" / "zip-negative-seek.bin").read_bytes())
