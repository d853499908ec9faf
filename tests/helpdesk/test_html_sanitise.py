"""Inbound HTML never runs script in the operator's browser: nh3 with our allow-list."""

from __future__ import annotations

import re

import pytest

from helpdesk.mail.html_sanitise import html_to_text, sanitise_html

VECTORS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<img src="data:image/svg+xml;base64,PHN2Zy8+">',
    '<svg onload="alert(1)"><circle/></svg>',
    "<iframe src=//evil.example></iframe>",
    '<object data="//evil.example/x.swf"></object>',
    '<embed src="//evil.example/x.swf">',
    '<form action="//evil.example"><input name=p><button>Go</button></form>',
    '<body onload="alert(1)">x</body>',
    '<div style="background-image: url(javascript:alert(1))">x</div>',
    '<div style="background:url(//evil.example/track.gif)">x</div>',
    '<p style="list-style-image:url(//evil.example/x)">x</p>',
    "<style>@import url(//evil.example/x.css);</style>",
    '<link rel="stylesheet" href="//evil.example/x.css">',
    '<meta http-equiv="refresh" content="0;url=//evil.example">',
    '<base href="//evil.example/">',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<img src="https://tracker.example/open.gif" width=1 height=1>',
    '<img srcset="https://tracker.example/a.png 1x">',
    '<table background="https://tracker.example/bg.gif"><tr><td>x</td></tr></table>',
]
DANGEROUS = re.compile(
    r"<\s*(script|iframe|object|embed|form|input|button|svg|math|style|link|meta|base)\b|\bon\w+\s*=|javascript:|"
    r"vbscript:|data:|url\(|evil\.example|tracker\.example|srcset|background\s*=",
    re.IGNORECASE,
)


@pytest.mark.parametrize("vector", VECTORS)
def test_dangerous_html_is_neutralised(vector):
    cleaned = sanitise_html(f"<p>Hej</p>{vector}<p>Mvh</p>")
    assert not DANGEROUS.search(cleaned), cleaned
    assert "Hej" in cleaned  # an unclosed <style> may swallow the rest, which is safe


def test_layout_links_and_cid_images_survive():
    html = (
        '<table><tr><td style="color: #333; font-weight: bold">Order</td><td>100231</td></tr></table>'
        '<a href="https://nordlager.example/track?id=1">Spåra</a> '
        '<a href="mailto:support@nordlager.example">mail</a>'
        '<img src="cid:logo@nordlager" alt="Logo"><blockquote type="cite">old</blockquote>'
    )
    cleaned = sanitise_html(html)
    assert "<table>" in cleaned and "font-weight:bold" in cleaned.replace(" ", "")
    assert 'href="https://nordlager.example/track?id=1"' in cleaned
    assert 'rel="noopener noreferrer nofollow"' in cleaned
    assert 'href="mailto:support@nordlager.example"' in cleaned
    assert 'src="cid:logo@nordlager"' in cleaned
    assert "<blockquote" in cleaned


def test_remote_images_can_be_allowed_explicitly():
    html = '<img src="https://cdn.example/product.png">'
    assert "cdn.example" not in sanitise_html(html)
    assert 'src="https://cdn.example/product.png"' in sanitise_html(html, allow_remote_images=True)


def test_html_to_text_keeps_structure_and_drops_markup():
    text = html_to_text(
        "<html><head><title>T</title><style>p{}</style></head><body><h1>Order</h1><p>Rad ett<br>Rad två</p>"
        "<ul><li>A</li><li>B</li></ul><table><tr><td>SKU</td><td>Antal</td></tr><tr><td>X-1</td><td>3</td></tr>"
        "</table><script>var x=1;</script></body></html>"
    )
    assert "Rad ett\nRad två" in text
    assert "* A" in text and "* B" in text
    assert re.search(r"X-1\s+3", text)
    assert "var x" not in text and "p{}" not in text
