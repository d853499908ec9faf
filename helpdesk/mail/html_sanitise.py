"""Inbound HTML made safe to show (nh3) and rendered as text (inscriptis). Pure functions.

Policy (see docs/decisions.md): an allow-list of layout tags and attributes; no script, style sheets,
forms, frames, event handlers or ``javascript:``/``data:`` URLs; inline ``style`` only with properties
that cannot load anything; remote images removed (the raw message is kept, so a later "show images"
can re-render with ``allow_remote_images=True``); ``cid:`` images kept for our attachment view.
"""

from __future__ import annotations

import re
import textwrap
from functools import cache, partial

import nh3

from helpdesk.mail.reply_rules import HR_MARK, QUOTE_MARK, SIGNATURE_MARK

_TAGS = set(nh3.ALLOWED_TAGS) | {"font"}
_ATTRIBUTES: dict[str, set[str]] = {
    "*": {"style", "title", "lang", "dir", "align", "valign", "width", "height", "bgcolor", "class"},
    "a": {"href", "name"},
    "img": {"src", "alt", "border", "hspace", "vspace"},
    "font": {"color", "face", "size"},
    "table": {"border", "cellpadding", "cellspacing", "summary"},
    "td": {"colspan", "rowspan", "nowrap"},
    "th": {"colspan", "rowspan", "nowrap", "scope"},
    "col": {"span"},
    "colgroup": {"span"},
    "ol": {"start", "type"},
    "li": {"value"},
    "blockquote": {"type", "cite"},
    "time": {"datetime"},
}
# CSS properties that only style. Anything that can take url() (background, background-image,
# list-style, border-image, content, cursor, mask, filter, behavior) is absent, so a style attribute
# cannot fetch a tracking pixel or exfiltrate anything.
_STYLE_PROPERTIES = {
    "color",
    "background-color",
    "font",
    "font-family",
    "font-size",
    "font-style",
    "font-weight",
    "font-variant",
    "line-height",
    "letter-spacing",
    "text-align",
    "text-decoration",
    "text-indent",
    "text-transform",
    "white-space",
    "word-break",
    "word-wrap",
    "vertical-align",
    "direction",
    "margin",
    "margin-top",
    "margin-right",
    "margin-bottom",
    "margin-left",
    "padding",
    "padding-top",
    "padding-right",
    "padding-bottom",
    "padding-left",
    "border",
    "border-top",
    "border-right",
    "border-bottom",
    "border-left",
    "border-color",
    "border-style",
    "border-width",
    "border-collapse",
    "border-spacing",
    "border-radius",
    "width",
    "height",
    "max-width",
    "min-width",
    "max-height",
    "display",
    "table-layout",
}
_URL_SCHEMES = {"http", "https", "mailto", "tel", "cid"}
_CLEAN_CONTENT = {"script", "style", "title", "head", "noscript", "template", "object", "embed", "iframe"}


def _filter(element: str, attribute: str, value: str, *, remote: bool) -> str | None:
    """Keep ``cid:`` images and (only when asked) remote ones; drop every other image source."""
    if element == "img" and attribute == "src":
        lowered = value.strip().lower()
        if lowered.startswith("cid:"):
            return value
        if remote and lowered.startswith(("http://", "https://")):
            return value
        return None
    if attribute == "class":
        # Keep only the markers our quote detection and the UI care about, never arbitrary class names.
        kept = [c for c in value.split() if c.startswith(("gmail_", "moz-", "yahoo_", "quote"))]
        return " ".join(kept) or None
    return value


def sanitise_html(html: str, *, allow_remote_images: bool = False) -> str:
    """Safe HTML for the operator's browser; ``cid:`` references kept, remote images removed by default."""
    if not html.strip():
        return ""
    return nh3.clean(
        html,
        tags=_TAGS,
        clean_content_tags=_CLEAN_CONTENT,
        attributes=_ATTRIBUTES,
        attribute_filter=partial(_filter, remote=allow_remote_images),
        url_schemes=_URL_SCHEMES,
        filter_style_properties=_STYLE_PROPERTIES,
        strip_comments=True,
        link_rel="noopener noreferrer nofollow",
    )


# The sanitiser's time grows with the square of the nesting depth (50,000 nested <div>s: 9 s; a
# 5 MB message of them: hours, during which its mailbox waits). Real mail nests a few dozen levels.
MAX_HTML_DEPTH = 2000
_DEPTH_CHECK_BYTES = 100_000  # below this, even the worst nesting sanitises in about a second
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)[^<>]*?(/?)>")
# Elements that never nest (void) or whose end tag is optional (the parser closes them itself).
_NO_DEPTH = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
    | {"p", "li", "td", "th", "tr", "tbody", "thead", "tfoot", "dt", "dd", "option", "optgroup"}
    | {"caption", "colgroup", "rt", "rp", "html", "head", "body"}
)


def html_too_deep(html: str) -> bool:
    """Whether ``html`` nests elements deeper than ``MAX_HTML_DEPTH`` (only large HTML is checked)."""
    if len(html) < _DEPTH_CHECK_BYTES:
        return False
    depth = 0
    for match in _TAG.finditer(html):
        closing, name, self_closing = match.groups()
        if self_closing or name.lower() in _NO_DEPTH:
            continue
        depth = max(depth - 1, 0) if closing else depth + 1
        if depth > MAX_HTML_DEPTH:
            return True
    return False


def html_tags_removed(html: str) -> str:
    """The text of HTML that is too deep for a parser: tags become spaces, entities are decoded."""
    text = _unescape(re.sub(r"<[^<>]*>", " ", html))
    return "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip())


_CID = re.compile(r"""src\s*=\s*["']?\s*cid:([^"'\s>]+)""", re.IGNORECASE)


def cid_references(html: str) -> set[str]:
    """Content-IDs referenced by ``<img src="cid:...">`` in the HTML (without angle brackets)."""
    return {m.strip("<>") for m in _CID.findall(html)}


_BLANK_RUNS = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")
_TRAILING = re.compile(r"[ \t]+\n")


@cache
def _mail_css() -> dict[str, object]:
    """inscriptis' relaxed profile, but a ``<div>`` adds no indentation.

    The relaxed profile pads every ``<div>`` by two spaces a level. Mail clients nest divs for layout
    (Gmail puts every line after the first in one), so the padding is indentation nobody typed, and
    it hid sign-offs and header blocks from the reply split.
    """
    from inscriptis.css_profiles import CSS_PROFILES

    return {**CSS_PROFILES["relaxed"], "div": CSS_PROFILES["strict"]["div"]}


def html_to_text(html: str) -> str:
    """Readable plain text of an HTML body (block structure kept, tables laid out) via inscriptis."""
    if not html.strip():
        return ""
    from inscriptis import get_text
    from inscriptis.model.config import ParserConfig

    html = _NBSP_BLOCK.sub(r"\1<br>\2", html)
    try:
        text = get_text(html, ParserConfig(css=_mail_css(), display_links=False, display_images=False))
    except Exception:  # inscriptis/lxml reject some byte soup; fall back to nh3's tag stripping
        text = nh3.clean(re.sub(r"(?i)<br\s*/?>|</p>|</div>|</tr>", "\n", html), tags=set())
        text = _unescape(text)
    text = textwrap.dedent(_TRAILING.sub("\n", text))
    return _BLANK_RUNS.sub("\n\n", text).strip("\n")


# A block holding only a no-break space is an empty line as the writer saw it (mail.ru, Outlook web
# and Thunderbird write "<div>&nbsp;</div>" for a blank line); inscriptis drops it as whitespace.
_NBSP_BLOCK = re.compile(r"(<div\b[^>]*>)\s*(?:&nbsp;|&#160;|&#xa0;|\u00a0)\s*(</div>)", re.IGNORECASE)

_QUOTE_START = re.compile(
    r"""<(?:div|blockquote|span|table)\b[^>]*?(?:class\s*=\s*["']?[^"'>]*\b(?:gmail_quote|moz-cite-prefix|"""
    r"""yahoo_quoted|protonmail_quote|zmail_extra|divRplyFwdMsg)\b|id\s*=\s*["']?(?:divRplyFwdMsg|"""
    r"""appendonsend|OLK_SRC_BODY_SECTION|mail-editor-reference-message-container|isForwardContent)\b|"""
    r"""type\s*=\s*["']?cite\b)""",
    re.IGNORECASE,
)
# Signature containers: Gmail, Thunderbird, Proton Mail; Outlook (desktop, web, mobile); Apple Mail
# (iOS puts "Sent from my iPhone" in its AppleMailSignature div).
_SIGNATURE_START = re.compile(
    r"""<(?:div|span|table)\b[^>]*?(?:class\s*=\s*["']?[^"'>]*\b(?:gmail_signature|moz-signature|"""
    r"""protonmail_signature_block)\b|"""
    r"""id\s*=\s*["']?(?:Signature|signature|ms-outlook-mobile-signature|AppleMailSignature)\b)""",
    re.IGNORECASE,
)
_HR = re.compile(r"<hr\b[^>]*>", re.IGNORECASE)


def html_to_marked_text(html: str) -> str:
    """``html_to_text`` with marker lines where the HTML itself shows a quote, a rule or a signature.

    ``helpdesk.mail.quotes.split_reply`` honours the markers and ``strip_marks`` removes them.
    """
    quote = _QUOTE_START.search(html)
    if quote:
        html = f"{html[: quote.start()]}<div>{QUOTE_MARK}</div>{html[quote.start() :]}"
    signature = _SIGNATURE_START.search(html)
    if signature and (not quote or signature.start() < quote.start()):
        html = f"{html[: signature.start()]}<div>{SIGNATURE_MARK}</div>{html[signature.start() :]}"
    if "<hr" in html or "<HR" in html:
        html = _HR.sub(f"<div>{HR_MARK}</div>", html)
    return html_to_text(html)


def _unescape(text: str) -> str:
    import html as html_module

    return html_module.unescape(text)
