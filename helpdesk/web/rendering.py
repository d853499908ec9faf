"""Inbound HTML as a stand-alone document for a sandboxed frame.

The HTML was sanitised with nh3 when it was stored; it is sanitised again here with the same policy
(``helpdesk.mail.html_sanitise``; cheap and idempotent), because what reaches a browser must never depend on
every writer of ``Message.body_html`` having been careful. Only then are ``cid:`` sources replaced with
our attachment URLs (a path we build, so the replacement cannot open an attribute). The
document is served from its own URL with its own strict CSP (no script at all, images only from our
origin, inline styles allowed so mail keeps its layout) inside ``<iframe sandbox>`` without
``allow-scripts``: three walls between customer HTML and the operator's session.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import unquote

from helpdesk.mail.html_sanitise import sanitise_html

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
        url = urls.get(unquote(match.group(2)).strip("<>").lower(), "")
        return f"{match.group(1)}{url}"

    return _CID_SRC.sub(replace, html)


def email_document(html: str, cid_urls: Mapping[str, str]) -> str:
    """A complete HTML document showing ``html`` with its inline images."""
    return _DOCUMENT.format(body=rewrite_cid_images(sanitise_html(html), cid_urls))
