"""Recognise DMARC aggregate reports (RFC 7489 / RFC 9990) and SMTP TLS reports (RFC 8460). Pure.

Detection only: the report payload is returned as found (xml, zip, gz, json); importing the rows is
the delivery app's job. Decompression is bounded so a zip bomb cannot exhaust memory.
"""

from __future__ import annotations

import io
import zipfile
import zlib

_SNIFF = 64 * 1024

_DMARC_TYPES = {
    "application/zip",
    "application/x-zip",
    "application/x-zip-compressed",
    "application/gzip",
    "application/x-gzip",
    "application/xml",
    "text/xml",
    "application/octet-stream",
}
_TLS_TYPES = {"application/tlsrpt+json", "application/tlsrpt+gzip"}


def decompress_head(data: bytes) -> bytes:
    """The first bytes of a report as xml/json, whether it is plain, gzip or a zip's first member."""
    try:
        if data[:2] == b"\x1f\x8b":
            decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
            return decompressor.decompress(data, _SNIFF)
        if data[:4] == b"PK\x03\x04":
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = [n for n in archive.namelist() if not n.endswith("/")]
                if not names:
                    return b""
                with archive.open(names[0]) as member:
                    return member.read(_SNIFF)
    except (OSError, zipfile.BadZipFile, zlib.error, EOFError, ValueError, NotImplementedError, RuntimeError):
        return b""
    return data[:_SNIFF]


def is_dmarc_aggregate(data: bytes) -> bool:
    """XML whose root is ``<feedback>`` with report metadata (possibly zipped or gzipped)."""
    head = decompress_head(data).lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(b"<"):
        return False
    lowered = head[:8192].lower()
    return b"<feedback" in lowered and (b"<report_metadata" in lowered or b"<policy_published" in lowered)


def is_tls_report(data: bytes) -> bool:
    """JSON with the RFC 8460 report fields (possibly gzipped)."""
    head = decompress_head(data).lstrip()
    return head.startswith(b"{") and b'"policies"' in head and b'"organization-name"' in head


def candidate_dmarc(content_type: str, filename: str) -> bool:
    name = filename.lower()
    return content_type in _DMARC_TYPES or name.endswith((".zip", ".gz", ".xml", ".xml.gz"))


def candidate_tls(content_type: str, filename: str) -> bool:
    name = filename.lower()
    return (
        content_type in _TLS_TYPES
        or name.endswith((".json", ".json.gz"))
        or content_type == "application/json"
    )
