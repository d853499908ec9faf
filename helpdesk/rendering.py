"""Inbound HTML as a stand-alone document for a sandboxed frame.

The HTML was sanitised with nh3 when it was stored; it is sanitised again here (cheap, idempotent),
because what reaches a browser must never depend on every earlier writer having been careful. The
document is served from its own URL with its own strict CSP (no script at all, images only from our
origin, inline styles allowed so mail keeps its layout) inside ``<iframe sandbox>`` without
``allow-scripts``: three walls between customer HTML and the operator's session.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import nh3

# The same schemes the ingest sanitiser keeps; cid: references are rewritten before cleaning.
_URL_SCHEMES = {"http", "https", "mailto", "tel"}
_CID_SRC = re.compile(r"""(\bsrc\s*=\s*["']?)\s*cid:([^"'\s>]+)""", re.IGNORECASE)

EMAIL_DOCUMENT_CSP = (
    "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; "
    "frame-ancestors 'self'; base-uri 'none'; form-action 'none'; "
    "sandbox allow-same-origin allow-popups allow-popups-to-escape-sandbox"
)

_DOCUMENT = """<!doctype html>
<html><head><meta charset="utf-8"><base target="_blank">
<style>body{{margin:0;padding:.2rem;font:15px/1.45 system-ui,sans-serif;color:#1d2430;\
overflow-wrap:anywhere}}img{{max-width:100%;height:auto}}</style></head>
<body>{body}</body></html>"""


def rewrite_cid_images(html: str, urls: Mapping[str, str]) -> str:
    """Point ``<img src="cid:...">`` at our attachment view; unknown Content-IDs lose their source."""

    def replace(match: re.Match[str]) -> str:
        url = urls.get(match.group(2).strip("<>").lower(), "")
        return f"{match.group(1)}{url}"

    return _CID_SRC.sub(replace, html)


def sanitise_again(html: str) -> str:
    """nh3 with a conservative policy (no script, no event handlers, no style sheets)."""
    attributes = {tag: set(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items()}
    attributes["*"] = attributes.get("*", set()) | {"style", "align", "width", "height", "bgcolor"}
    return nh3.clean(
        html,
        attributes=attributes,
        url_schemes=_URL_SCHEMES,
        strip_comments=True,
        link_rel="noopener noreferrer nofollow",
    )


def email_document(html: str, cid_urls: Mapping[str, str]) -> str:
    """A complete HTML document showing ``html`` with its inline images."""
    return _DOCUMENT.format(body=sanitise_again(rewrite_cid_images(html, cid_urls)))
