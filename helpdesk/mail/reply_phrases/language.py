"""One language's entry in the phrase table. Data only; its fields are described in
``helpdesk.mail.reply_phrases``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    wrote: tuple[str, ...] = ()
    opens: tuple[str, ...] = ()
    wrote_first: tuple[str, ...] = ()
    quoting: tuple[str, ...] = ()
    from_: tuple[str, ...] = ()
    date: tuple[str, ...] = ()
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    subject: tuple[str, ...] = ()
    original: tuple[str, ...] = ()
    forwarded: tuple[str, ...] = ()
    forward_prefixes: tuple[str, ...] = ()
    device: tuple[str, ...] = ()
    sign_offs: tuple[str, ...] = ()
    thanks: tuple[str, ...] = ()
    and_: tuple[str, ...] = ()
    disclaimer: tuple[str, ...] = ()
