"""What mail clients write around quoted history, forwarded mail and signatures, per language. Data only.

``helpdesk.mail.reply_rules`` builds its lookups from this table; no other module holds phrases, so a
language or a client is added here and nowhere else. Every phrase is matched case-insensitively, as a
whole line (labels: up to the colon), with any run of spaces matching any run of whitespace.

Sources. The phrases are what the clients themselves write, collected from their localised output:
Gmail (web and apps), Outlook (desktop, web, iOS and Android), Apple Mail (macOS, iOS), Thunderbird
(its ``mailnews.reply_header_*`` and forward header strings), Samsung Email, Windows Mail, Yahoo,
Zoho, GMX/web.de, Orange/La Poste, Mail.ru/Yandex, Seznam and Horde, as they appear in real replies.
They were checked against the reply corpora in ``../shared/corpora/replies`` and the phrase lists of
four open-source reply parsers (talon, crisp-oss/email-reply-parser, alfonsrv/mail-parser-reply,
discourse/email_reply_trimmer); no code was taken from them. ``helpdesk.mail.reply_examples`` shows
one line of each form as the client writes it, and ``tests/helpdesk/test_reply_phrases.py`` proves
that every one of them is read as what it is.

Fields of a ``Language`` (all optional):

- ``wrote``: the verb that ends an attribution ("On 5 Mar 2024, Anna <a@x.se> wrote:"), with the
  gender form some clients write ("napisał(a)").
- ``opens``: words an attribution starts with ("On", "Am", "Le"): they join a first line without digits
  ("On Wed, Dec 9, Anna Berg") to the address and verb the client wrapped onto the next lines.
- ``wrote_first``: verbs that may also come before the name ("Den 5 mars 2024 skrev Anna <a@x.se>:",
  "Anna <a@x.se> schrieb am 5. März 2024:"); in English only Thunderbird's "Anna wrote on 5.3.2024:".
- ``quoting``: Horde-style attributions that start with the phrase: "Quoting Anna <a@x.se>:".
- ``from_``, ``date``, ``to``, ``cc``, ``subject``: the labels of a header block (Outlook's "From: /
  Sent: / To: / Subject:", a forward's header, webmail's "Message du : / De : / A : / Objet :").
- ``original``: separators of a quoted original ("-----Original Message-----", any dashes).
- ``forwarded``: separators and intros of forwarded mail ("---------- Forwarded message ---------",
  "Begin forwarded message:").
- ``forward_prefixes``: subject prefixes of a forward ("Fwd:", "WG:", "VB:"): an Outlook forward is
  told from a reply only by them.
- ``device``: lines a phone or app appends ("Sent from my iPhone"); ``…`` stands for the device or app
  (one to six words, a link allowed), so "Sent from my desk, is much easier ..." is not one.
- ``sign_offs``: a line that starts a signature, alone or followed by a name ("Mvh", "Regards, Anna").
- ``thanks``: a closing thanks, a signature only when a name follows it ("Tack!\\nAnna").
- ``disclaimer``: stems that mark a confidentiality notice under a signature ("confidential", "intended
  recipient", "vertraulich"), matched inside a long closing paragraph.
- ``and_``: the word that joins a thanks to a sign-off on one line ("Danke und Gruß", "Tack och
  hälsningar", "Merci et bonne journée"): such a line is a sign-off in every language's combination.

The table is kept by region, one module each (``western``, ``nordic``, ``central_eastern``,
``east_asian``), so that no module grows past the house limit as languages are added; ``LANGUAGES``
joins them in one order, the order a phrase shared by several languages names them in.
"""

from __future__ import annotations

from helpdesk.mail.reply_phrases.central_eastern import CENTRAL_EASTERN
from helpdesk.mail.reply_phrases.east_asian import EAST_ASIAN
from helpdesk.mail.reply_phrases.language import Language
from helpdesk.mail.reply_phrases.nordic import NORDIC
from helpdesk.mail.reply_phrases.western import WESTERN

__all__ = ["LANGUAGES", "Language"]

# fmt: off
_ORDER = (
    "en", "sv", "no", "da", "fi", "de", "fr", "nl", "pl", "es", "it", "pt", "ru", "uk", "cs", "hu", "tr",
    "ja", "zh", "ko",
)
# fmt: on
_REGIONS = {**WESTERN, **NORDIC, **CENTRAL_EASTERN, **EAST_ASIAN}
LANGUAGES: dict[str, Language] = {code: _REGIONS[code] for code in _ORDER}
