"""Quote tables in the customer's mail client: the drafter's aligned text table stays aligned text in
the plain part and becomes an HTML table (figures right-aligned) in the HTML part."""

from __future__ import annotations

from typing import Any

import pytest
from lxml import html as lxml_html

from delivery.message import html_from_text
from drafts import services
from tests.delivery.helpers import parsed
from tests.drafts.helpers import draft_for

pytestmark = pytest.mark.django_db


def test_a_quote_goes_out_as_an_html_table_and_aligned_text(demo_message: Any, supervisor: Any) -> None:
    draft = draft_for(demo_message("Quote request: stretch film and boxes"))
    approved = services.approve_draft(draft=draft, user=supervisor, expected_version=draft.version)
    assert approved.outbound is not None
    mail = parsed(bytes(approved.outbound.raw_message))
    plain = mail.get_body(("plain",))
    html = mail.get_body(("html",))
    assert plain is not None and html is not None
    lines = plain.get_content().splitlines()
    rule = next(i for i, line in enumerate(lines) if set(line) <= {"-", " "} and "--" in line)
    header, rows = lines[rule - 1], [line for line in lines[rule + 1 :] if line.strip()][:2]
    # Aligned text: every row ends its figures where the header's last column ends.
    assert {len(row) for row in rows} == {len(header)} == {len(lines[rule])}

    (table,) = lxml_html.fromstring(html.get_content()).findall(".//table")
    headings = [th.text_content() for th in table.findall(".//th")]
    assert headings == [cell.strip() for cell in header.split("  ") if cell.strip()]
    cells = [[td.text_content() for td in tr.findall("td")] for tr in table.findall("./tbody/tr")]
    assert [row[0] for row in cells] == ["FILM-STR-500", "BOX-CORR-4030"]
    first = table.findall("./tbody/tr")[0].findall("td")
    assert first[0].get("style") == "text-align: left" and first[-1].get("style") == "text-align: right"


def test_text_that_only_looks_like_a_table_stays_text() -> None:
    html = html_from_text("Hej!\n\n----\n\nInget bord här.\n-- \nSignatur")
    assert "<table" not in html
    escaped = html_from_text("Col  Other\n---  -----\n<b>  x\n")
    assert (
        "<table" in escaped
        and "<b>" not in escaped
        and '<td style="text-align: left">&lt;b&gt;</td>' in escaped
    )
