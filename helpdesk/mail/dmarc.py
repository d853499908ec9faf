"""Reading DMARC aggregate reports (RFC 7489 appendix C and RFC 9990) and SMTP TLS reports (RFC 8460).
Pure: bytes in, records out, or ``ReportError`` saying what is wrong.

Payloads may be plain, gzip or zip. Decompression stops at ``MAX_REPORT_BYTES`` (a zip bomb is refused
after reading at most that much); XML goes through defusedxml, which refuses entity declarations, so an
entity bomb ("billion laughs") fails at once. Two repairs that real reporters need: bytes that are not
UTF-8 are replaced; then, only when the XML does not parse, text outside ``<feedback>...</feedback>``
(a stray schema wrapper) is dropped and bare angle brackets inside one-line elements are escaped.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

MAX_REPORT_BYTES = 32 * 1024 * 1024
_CHUNK = 64 * 1024
_POLICY_RESULTS = {"pass", "fail"}
_DKIM_RESULTS = {"none", "pass", "fail", "policy", "neutral", "temperror", "permerror"}
_SPF_RESULTS = {"none", "neutral", "pass", "fail", "softfail", "temperror", "permerror", "hardfail"}
# A one-line element whose text holds a bare "<" ("<email><a@b></email>", "bad<xml.net").
_LEAF = re.compile(rb"<([a-z_]{1,40})>([^\n]*?<[^\n]*?)</\1>")


class ReportError(ValueError):
    """A report that cannot be read; ``str`` says why, for the page that lists it."""


@dataclass(frozen=True)
class DmarcRow:
    source_ip: str
    count: int
    disposition: str = ""
    dkim: str = ""
    spf: str = ""
    header_from: str = ""
    envelope_from: str = ""
    auth_results: dict[str, list[dict[str, str]]] = field(default_factory=dict)


@dataclass(frozen=True)
class AggregateReport:
    org_name: str
    report_id: str
    domain: str
    begin: dt.datetime | None
    end: dt.datetime | None
    policy: dict[str, str]
    records: list[DmarcRow]
    email: str = ""

    @property
    def message_count(self) -> int:
        return sum(row.count for row in self.records)


@dataclass(frozen=True)
class TlsPolicy:
    policy_type: str
    policy_domain: str
    successful: int
    failed: int
    failure_details: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class TlsReport:
    org_name: str
    report_id: str
    begin: dt.datetime | None
    end: dt.datetime | None
    policies: list[TlsPolicy]


def unpack(data: bytes, *, limit: int = MAX_REPORT_BYTES) -> bytes:
    """The report's XML or JSON, from plain, gzip or zip bytes, never more than ``limit`` bytes."""
    if data[:2] == b"\x1f\x8b":
        return _gunzip(data, limit)
    if data[:4] == b"PK\x03\x04":
        return _unzip(data, limit)
    if len(data) > limit:
        raise ReportError(f"report is larger than {limit} bytes")
    return data


def _gunzip(data: bytes, limit: int) -> bytes:
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = bytearray()
    pending = data
    try:
        while pending:
            out += decompressor.decompress(pending, _CHUNK)
            if len(out) > limit:
                raise ReportError(f"report unpacks to more than {limit} bytes")
            pending = decompressor.unconsumed_tail
            if decompressor.eof:
                break
    except zlib.error as exc:
        if not out:
            raise ReportError(f"broken gzip data: {exc}") from None
    return bytes(out)


def _unzip(data: bytes, limit: int) -> bytes:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [info for info in archive.infolist() if not info.is_dir()]
            if not members:
                raise ReportError("zip archive is empty")
            member = next((m for m in members if m.filename.lower().endswith((".xml", ".json"))), members[0])
            if member.file_size > limit:
                raise ReportError(f"report unpacks to more than {limit} bytes")
            out = bytearray()
            with archive.open(member) as stream:  # the declared size may lie: count what comes out
                while chunk := stream.read(_CHUNK):
                    out += chunk
                    if len(out) > limit:
                        raise ReportError(f"report unpacks to more than {limit} bytes")
            return bytes(out)
    except (
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        NotImplementedError,
        RuntimeError,
        OSError,
        ValueError,
    ) as exc:  # ValueError: offsets in a damaged directory make zipfile seek before the start
        raise ReportError(f"broken zip archive: {exc}") from None


def parse_aggregate(data: bytes) -> AggregateReport:
    """A DMARC aggregate report from its (possibly compressed) bytes."""
    xml = unpack(data).lstrip(b"\xef\xbb\xbf \t\r\n")
    if not xml:
        raise ReportError("empty report")
    root = _xml(xml)
    if _local(root.tag) != "feedback":
        raise ReportError(f"not a DMARC aggregate report: root element <{_local(root.tag)}>")
    meta = _child(root, "report_metadata")
    published = _child(root, "policy_published")
    if meta is None or published is None:
        raise ReportError("report_metadata or policy_published is missing")
    dates = _child(meta, "date_range")
    records = [_record(number, record) for number, record in enumerate(_children(root, "record"), 1)]
    domain = _text(published, "domain").lower()
    if not domain:
        raise ReportError("policy_published has no domain")
    return AggregateReport(
        org_name=_text(meta, "org_name"),
        report_id=_text(meta, "report_id"),
        email=_text(meta, "email"),
        domain=domain,
        begin=_epoch(_text(dates, "begin")) if dates is not None else None,
        end=_epoch(_text(dates, "end")) if dates is not None else None,
        policy={_local(child.tag): (child.text or "").strip() for child in published},
        records=records,
    )


def parse_tls(data: bytes) -> TlsReport:
    """An SMTP TLS report (RFC 8460 JSON) from its (possibly gzipped) bytes."""
    text = unpack(data)
    try:
        report = json.loads(text.decode("utf-8", "replace"))
    except ValueError as exc:
        raise ReportError(f"not JSON: {exc}") from None
    if not isinstance(report, dict) or not isinstance(report.get("policies"), list):
        raise ReportError("not a TLS report: no policies")
    dates = report.get("date-range") or {}
    policies = []
    for item in report["policies"]:
        policy = (item or {}).get("policy") or {}
        summary = (item or {}).get("summary") or {}
        policies.append(
            TlsPolicy(
                policy_type=str(policy.get("policy-type", "")),
                policy_domain=str(policy.get("policy-domain", "")).lower(),
                successful=_int(summary.get("total-successful-session-count", 0), "successful sessions"),
                failed=_int(summary.get("total-failure-session-count", 0), "failed sessions"),
                failure_details=list(item.get("failure-details") or [])[:100],
            )
        )
    return TlsReport(
        org_name=str(report.get("organization-name", "")),
        report_id=str(report.get("report-id", "")),
        begin=_iso(dates.get("start-datetime")),
        end=_iso(dates.get("end-datetime")),
        policies=policies,
    )


def _xml(xml: bytes) -> Element:
    try:
        xml.decode("utf-8")
    except UnicodeDecodeError:
        xml = xml.decode("utf-8", "replace").encode("utf-8")
    start, end = xml.find(b"<feedback"), xml.rfind(b"</feedback>")
    inner = xml[start : end + len(b"</feedback>")] if 0 <= start < end else xml
    escaped = _LEAF.sub(
        lambda m: b"<%s>%s</%s>" % (m[1], m[2].replace(b"<", b"&lt;").replace(b">", b"&gt;"), m[1]), inner
    )
    for attempt in (xml, inner, escaped):
        try:
            return fromstring(attempt, forbid_dtd=True)
        except DefusedXmlException as exc:
            raise ReportError(f"refused XML: {type(exc).__name__}") from None
        except (ParseError, LookupError, ValueError) as exc:
            # LookupError: the declaration names an encoding Python does not know ("TF-8"); the
            # attempts without the declaration read the UTF-8 it was made into above.
            error = exc
    raise ReportError(f"broken XML: {error}")


def _record(number: int, record: Element) -> DmarcRow:
    row = _child(record, "row")
    if row is None:
        raise ReportError(f"record {number} has no row")
    evaluated = _child(row, "policy_evaluated")
    ids = _child(record, "identifiers")
    auth = _child(record, "auth_results")
    dkim, spf = _text(evaluated, "dkim"), _text(evaluated, "spf")
    for name, value in (("dkim", dkim), ("spf", spf)):
        if value and value not in _POLICY_RESULTS:
            raise ReportError(f"record {number}: policy_evaluated {name} {value!r} is not pass or fail")
    results: dict[str, list[dict[str, str]]] = {"dkim": [], "spf": []}
    if auth is not None:
        for kind, allowed in (("dkim", _DKIM_RESULTS), ("spf", _SPF_RESULTS)):
            for item in _children(auth, kind):
                entry = {_local(child.tag): (child.text or "").strip() for child in item}
                if entry.get("result") and entry["result"] not in allowed:
                    raise ReportError(f"record {number}: {kind} result {entry['result']!r} is not valid")
                results[kind].append(entry)
    return DmarcRow(
        source_ip=_text(row, "source_ip"),
        count=_int(_text(row, "count") or "0", f"record {number} count"),
        disposition=_text(evaluated, "disposition"),
        dkim=dkim,
        spf=spf,
        header_from=_text(ids, "header_from").lower(),
        envelope_from=_text(ids, "envelope_from").lower(),
        auth_results=results,
    )


def _local(tag: str) -> str:
    """The tag without its namespace (RFC 9990 reports use ``urn:ietf:params:xml:ns:dmarc-2.0``)."""
    return tag.rpartition("}")[2]


def _children(parent: Element | None, name: str) -> list[Element]:
    return [child for child in parent if _local(child.tag) == name] if parent is not None else []


def _child(parent: Element | None, name: str) -> Element | None:
    found = _children(parent, name)
    return found[0] if found else None


def _text(parent: Element | None, name: str) -> str:
    child = _child(parent, name)
    return (child.text or "").strip() if child is not None else ""


def _int(value: Any, what: str) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ReportError(f"{what} is not a number: {str(value)[:40]!r}") from None
    if number < 0:
        raise ReportError(f"{what} is negative")
    return number


def _epoch(value: str) -> dt.datetime | None:
    if not value:
        return None
    try:
        return dt.datetime.fromtimestamp(int(float(value)), tz=dt.UTC)
    except (ValueError, OverflowError, OSError):
        raise ReportError(f"date_range is not a timestamp: {value[:40]!r}") from None


def _iso(value: Any) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ReportError(f"date-range is not a date: {str(value)[:40]!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
