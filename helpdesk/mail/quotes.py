"""Split the plain text of a reply into the new part, the quoted history and the signature. Pure.

"Visible text" is what the sender wrote in this message: quoted history (``>`` lines with their
attribution, "On ... wrote:", Outlook/Apple header blocks, "-----Original Message-----", forwarded
blocks) and the signature (after "-- ", a sign-off such as "Mvh"/"Best regards", "Sent from my
iPhone") are taken out. Inline replies keep every unquoted paragraph between the quotes.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

# Attribution lines end with a verb of writing in many languages.
_WROTE = (
    r"wrote|writes|skrev|schrieb|a\s+écrit|a\s+ecrit|escribió|escribio|schreef|ha\s+scritto|escreveu|"
    r"kirjoitti|skrive|skreiv|napsal|napisał|napisal|írta|yazdı|написал\(а\)|написал|написала|пишет|"
    r"寫道|写道|님이\s+작성"
)
# "... wrote:" and Thunderbird's "Am 05.03.2024 um 10:15 schrieb Anna Berg:" (verb before the name).
_ATTRIBUTION_END = re.compile(
    rf"(?:{_WROTE})\s*:?\s*$|(?:^|\s)(?:{_WROTE})\s[^:]{{1,80}}:\s*$", re.IGNORECASE
)
_ATTRIBUTION_START = re.compile(
    r"^\s*(?:On|Den|Am|Le|El|Op|Il|Em|På|Dne|Dnia|W\s+dniu|Em|Pe|Den\s+\d)\b|^\s*\d{1,4}[\s./-]",
    re.IGNORECASE,
)
_SEPARATOR = re.compile(
    r"^\s*[-_=*]{2,}\s*(?:Original\s+Message|Original|Ursprungligt\s+meddelande|Originalmeddelande|"
    r"Ursprüngliche\s+Nachricht|Originalnachricht|Message\s+d'origine|Mensaje\s+original|"
    r"Oorspronkelijk\s+bericht|Messaggio\s+originale|Mensagem\s+original|Alkuperäinen\s+viesti|"
    r"Opprinnelig\s+melding|Oprindelig\s+meddelelse|Original\s+meddelelse|Forwarded\s+message|"
    r"Vidarebefordrat\s+meddelande|Weitergeleitete\s+Nachricht|Message\s+transféré|"
    r"Videresendt\s+melding|Reply\s+message|Původní\s+zpráva|Исходное\s+сообщение)\s*[-_=*]{2,}\s*$",
    re.IGNORECASE,
)
_FORWARD_INTRO = re.compile(
    r"^\s*(?:Begin\s+forwarded\s+message|Vidarebefordrat\s+brev|Anfang\s+der\s+weitergeleiteten\s+Nachricht|"
    r"Début\s+du\s+message\s+réexpédié|Inicio\s+del\s+mensaje\s+reenviado)\s*:\s*$",
    re.IGNORECASE,
)
_FROM_WORDS = r"From|Från|Von|De|Van|Da|Fra|Frá|Od|Lähettäjä|Feladó|От|Kimden|Afzender|Avsändare"
_SENT_WORDS = (
    r"Sent|Skickat|Skickades|Gesendet|Envoyé|Enviado|Enviado\s+el|Verzonden|Inviato|Sendt|Lähetetty|Date|"
    r"Datum|Fecha|Data|Päivämäärä|Dato|Дата|Отправлено|Wysłano|Elküldve"
)
_TO_WORDS = (
    r"To|Till|An|À|A|Para|Aan|Til|Vastaanottaja|Cc|Kopia|Кому|Do|Címzett|Reply-To|Svara\s+till|"
    r"Antwort\s+an"
)
_SUBJECT_WORDS = (
    r"Subject|Ämne|Betreff|Objet|Asunto|Onderwerp|Oggetto|Assunto|Emne|Aihe|Temat|Tárgy|Тема|Konu"
)
_HEADER_WORDS = f"{_FROM_WORDS}|{_SENT_WORDS}|{_TO_WORDS}|{_SUBJECT_WORDS}"
_HEADER_KINDS = [
    ("from", re.compile(rf"^[\s*>]*(?:{_FROM_WORDS})\s*:\*?(?:\s|$)", re.IGNORECASE)),
    ("sent", re.compile(rf"^[\s*>]*(?:{_SENT_WORDS})\s*:\*?(?:\s|$)", re.IGNORECASE)),
    ("to", re.compile(rf"^[\s*>]*(?:{_TO_WORDS})\s*:\*?(?:\s|$)", re.IGNORECASE)),
    ("subject", re.compile(rf"^[\s*>]*(?:{_SUBJECT_WORDS})\s*:\*?(?:\s|$)", re.IGNORECASE)),
]
_HAS_ADDRESS = re.compile(r"\S@\S+\.\w")
_CLOCK = re.compile(r"\b\d{1,2}:\d{2}\b")
_FROM_LINE = re.compile(rf"^[\s*>]*(?:{_FROM_WORDS})\s*:\s*\S", re.IGNORECASE)
_HEADER_LINE = re.compile(rf"^[\s*>]*(?:{_HEADER_WORDS})\s*:\*?(?:\s|$)", re.IGNORECASE)
_ONE_LINE_HEADERS = re.compile(
    rf"^[\s*]*(?:{_FROM_WORDS})\s*:.{{1,200}}?\b(?:Sent|Skickat|Gesendet|Date|Datum|Envoyé)\s*:.{{1,200}}?"
    r"\b(?:To|Till|An|À|Subject|Ämne|Betreff|Objet)\s*:",
    re.IGNORECASE,
)
_UNDERSCORES = re.compile(r"^\s*_{10,}\s*$")
_QUOTED = re.compile(r"^\s{0,3}>")

# Signatures.
_SIG_DELIMITER = re.compile(r"^(?:--|-- |—|__)\s*$")
_DEVICE = re.compile(
    r"^\s*(?:(?:Sent|Skickat|Skickad|Skickades|Envoyé|Enviado|Verzonden|Inviato|Sendt|Lähetetty|Gesendet)\s+"
    r"(?:from|with|via|using|från|med|von|de|depuis|desde|vanaf|da|fra)\b[^,]{0,60}"
    r"|Von\s+meinem\s+\S+(?:\s+\S+){0,3}\s+gesendet.{0,20}"
    r"|(?:Get|Hämta|Skaffa)\s+Outlook\s+(?:for|för)\s+\S+.{0,20}"
    r")\s*$",
    re.IGNORECASE,
)
_SIGN_OFF = re.compile(
    r"^\s*(?:Mvh|M\.v\.h\.?|Med\s+vänlig(?:a)?\s+häls(?:ning|ningar)|Vänlig(?:a)?\s+häls(?:ning|ningar)|"
    r"Bästa\s+häls(?:ning|ningar)|Häls(?:ning|ningar)|Varma\s+hälsningar|Vh|Vänligen|Med\s+venlig\s+hilsen|"
    r"Vennlig\s+hilsen|Med\s+vennlig\s+hilsen|Ystävällisin\s+terveisin|Terveisin|"
    r"Best\s+regards|Kind\s+regards|Warm\s+regards|Regards|Best\s+wishes|Best|Cheers|BR|Br|KR|"
    r"Sincerely|Yours\s+sincerely|Yours\s+truly|Yours|Thanks\s+and\s+regards|Many\s+thanks|"
    r"Mit\s+freundlichen\s+Grüßen|Mit\s+freundlichen\s+Grüssen|Freundliche\s+Grüße|Viele\s+Grüße|"
    r"Beste\s+Grüße|Liebe\s+Grüße|Gruß|Grüße|MfG|LG|Cordialement|Bien\s+cordialement|Salutations|"
    r"Saludos|Un\s+saludo|Atentamente|Met\s+vriendelijke\s+groet|Groeten|Cordiali\s+saluti|Saluti)"
    r"\s*[,.!]?\s*$",
    re.IGNORECASE,
)
_DASH_NAME = re.compile(r"^\s*[-~]\s?[A-Z][\w.'-]*(?:\s+[A-Z][\w.'-]*){0,3}\s*$")
_MAX_SIGNATURE_LINES = 12


# Marker lines the HTML renderer puts where the HTML shows a quote, a rule or a signature.
QUOTE_MARK = "HELPDESK-QUOTE-MARK-7f3a"
HR_MARK = "HELPDESK-RULE-MARK-7f3a"
SIGNATURE_MARK = "HELPDESK-SIGNATURE-MARK-7f3a"
MARKS = (QUOTE_MARK, HR_MARK, SIGNATURE_MARK)


@dataclass(frozen=True)
class Split:
    visible: str
    quoted: str
    signature: str


_VERBS = tuple(
    v.replace("\\s+", " ").replace("\\(", "(").replace("\\)", ")").lower() for v in _WROTE.split("|")
)


def split_reply(text: str, *, sender_name: str = "", sender_address: str = "") -> Split:
    """Separate ``text`` (a plain-text body) into visible reply, quoted history and signature.

    The sender's name, when given, lets a signature without any delimiter be found ("Anna Berg" and
    her title and phone number at the end). ``QUOTE_MARK``/``HR_MARK``/``SIGNATURE_MARK`` lines
    (inserted by the HTML renderer where the HTML itself shows a quote or signature) are honoured.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    verb_end: set[int] = set()
    lowered = text.lower()
    if any(verb in lowered for verb in _VERB_WORDS):
        verb_end = {i for i, line in enumerate(lines) if _ends_with_verb(line)}
        verb_end |= _wrapped_after_verb(lines)
    cut = _history_start(lines, verb_end)
    head, tail = lines[:cut], lines[cut:]
    visible_lines, quoted_lines = _split_inline(head, verb_end)
    quoted_lines.extend(tail)
    sig_mark = next((i for i, line in enumerate(visible_lines) if line.strip() == SIGNATURE_MARK), None)
    if sig_mark is not None and any(x.strip() for x in visible_lines[:sig_mark]):
        body, signature = visible_lines[:sig_mark], visible_lines[sig_mark + 1 :]
    else:
        body, signature = _split_signature(visible_lines, sender_hints(sender_name, sender_address))
    return Split(
        visible=_tidy(body),
        quoted=_tidy(quoted_lines),
        signature=_tidy(signature),
    )


# Plain substrings of the verbs: ``in`` on the lowered text is far faster than one big regex search.
_VERB_WORDS = tuple(dict.fromkeys(v.split(" ")[-1].split("(")[0] for v in _VERBS))


def _ends_with_verb(line: str) -> bool:
    tail = " ".join(line[-60:].split()).lower()
    if tail.rstrip(":").rstrip().endswith(_VERBS):
        return True
    return tail.endswith(":") and any(f" {verb} " in f" {tail[-90:]}" for verb in _VERBS)


def _wrapped_after_verb(lines: list[str]) -> set[int]:
    """Lines that end an attribution whose verb came before the name on the line above: Gmail wraps
    "Den ... skrev Nordlager Support <support@...>:" after the verb, so the colon ends the next line."""
    found = set()
    for i in range(1, len(lines)):
        if lines[i].rstrip().endswith(":") and len(lines[i - 1]) < 300:
            above = f" {' '.join(lines[i - 1].split()).lower()} "
            if any(f" {verb} " in above for verb in _VERBS):
                found.add(i)
    return found


def _history_start(lines: list[str], verb_end: set[int]) -> int:
    """Index of the first line of an unquoted history block (Outlook, forwarded, rendered HTML).

    Rule lines (``-----``, ``_____``) just above the block belong to it.
    """
    cut = _history_block(lines, verb_end)
    while cut > 0 and (not lines[cut - 1].strip() or _RULE_LINE.match(lines[cut - 1])):
        cut -= 1
    return cut


def _history_block(lines: list[str], verb_end: set[int]) -> int:
    for i, line in enumerate(lines):
        stripped = line.strip()
        if len(line) > 1000 or not stripped:
            continue
        if stripped == QUOTE_MARK:
            return i
        if stripped == HR_MARK:
            nxt = _next_nonblank(lines, i + 1)
            if _header_block_at(lines, nxt) or (nxt < len(lines) and _attribution_at(lines, nxt, verb_end)):
                return i
            continue
        # Cheap string tests first: the regular expressions below run on few lines.
        if stripped[0] in "-_=*" and _separates_history(lines, i):
            return i
        if stripped.endswith(":") and _FORWARD_INTRO.match(line):
            return i
        if 0 < stripped.find(":") < 40 and _header_block_at(lines, i):
            return i
        if i in verb_end or i + 1 in verb_end or i + 2 in verb_end or stripped.endswith(":"):
            attribution = _attribution_at(lines, i, verb_end)
            if attribution and not _quoted_follows(lines, i + attribution):
                return i
    return len(lines)


def _separates_history(lines: list[str], i: int) -> bool:
    """ "-----Original Message-----" and the like, or an underscore rule right above a header block."""
    if _SEPARATOR.match(lines[i]):
        return True
    return bool(_UNDERSCORES.match(lines[i])) and _header_block_at(lines, _next_nonblank(lines, i + 1))


def _next_nonblank(lines: list[str], start: int) -> int:
    for j in range(start, min(len(lines), start + 3)):
        if lines[j].strip():
            return j
    return len(lines)


def _header_block_at(lines: list[str], i: int) -> bool:
    """An Outlook/Apple/webmail header block: From:, a date (Sent:/Date:) and To: or Subject: lines.

    A From:/To:/Date: route in ordinary text ("Från: Stockholm / Till: Göteborg") is not a block:
    a real one also has an address in it or a Subject: line.
    """
    if i >= len(lines) or len(lines[i]) > 1000 or ":" not in lines[i]:
        return False
    if lines[i].count(":") >= 3 and _ONE_LINE_HEADERS.match(lines[i]):
        return True
    if not _HEADER_LINE.match(lines[i]):
        return False
    kinds: set[str] = set()
    block: list[str] = []
    blank = 0
    for line in lines[i : i + 10]:
        kind = next((k for k, pattern in _HEADER_KINDS if pattern.match(line)), "")
        if kind:
            kinds.add(kind)
            block.append(line)
            blank = 0
        elif line.strip():
            # Long folded values (many recipients) continue on the next line.
            if block and not blank and len(line) < 300 and line[:1] in " \t":
                block.append(line)
                continue
            break
        else:
            blank += 1
            if blank > 1:
                break
    if "from" not in kinds or len(kinds) < 3:
        return False
    if "subject" in kinds or any(_HAS_ADDRESS.search(line) for line in block):
        return True
    # Windows Mail and others write only names; their Sent: line always carries a clock time.
    return any(_CLOCK.search(line.replace("\u200e", "")) for line in block if _HEADER_KINDS[1][1].match(line))


_COLON_ATTRIBUTION = re.compile(
    r"^.{0,150}(?:\d{1,2}:\d{2}|\b(?:19|20)\d\d\b).{0,150}(?:<[^<>\s]+@[^<>\s]+>|\S+@\S+\.\w+)\W{0,3}:\s*$"
    r"|^.{0,150}(?:<[^<>\s]+@[^<>\s]+>|\S+@\S+\.\w+).{0,150}(?:\d{1,2}:\d{2}|\b(?:19|20)\d\d\b).{0,60}:\s*$"
)


def _attribution_at(lines: list[str], i: int, verb_end: set[int]) -> int:
    """Number of lines (1-3) of an "On <date>, <name> wrote:" attribution starting at ``i``; else 0.

    Also the verb-less form of Russian and other webmailers: "<date>, <name> <address>:".
    """
    line = lines[i]
    if line.rstrip().endswith(":") and len(line) < 300 and _COLON_ATTRIBUTION.match(line):
        return 1
    if not (i in verb_end or i + 1 in verb_end or i + 2 in verb_end):
        return 0
    if not _ATTRIBUTION_START.match(lines[i]) and not _mentions_date_or_address(lines[i]):
        return 0
    joined = ""
    for n in range(3):
        if i + n >= len(lines) or (n and not lines[i + n].strip()):
            return 0
        joined = f"{joined} {lines[i + n].strip()}" if joined else lines[i + n].strip()
        if len(joined) > 400:
            return 0
        if _ATTRIBUTION_END.search(joined) and _mentions_date_or_address(joined):
            return n + 1
    return 0


_DATE_OR_ADDRESS = re.compile(r"\d|@|<[^>]+>")


def _mentions_date_or_address(text: str) -> bool:
    return bool(_DATE_OR_ADDRESS.search(text))


def _quoted_follows(lines: list[str], j: int) -> bool:
    """Whether ``>``-quoted lines follow (after blank lines): then the quote ends where the ``>`` lines do."""
    for line in lines[j : j + 4]:
        if line.strip():
            return bool(_QUOTED.match(line))
    return False


def _split_inline(lines: list[str], verb_end: set[int]) -> tuple[list[str], list[str]]:
    """``>`` lines and their attribution lines go to the quote; everything else stays in the reply."""
    visible: list[str] = []
    quoted: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if _QUOTED.match(line):
            quoted.append(line)
            i += 1
            continue
        attribution = _attribution_at(lines, i, verb_end) if line.strip() and len(line) <= 1000 else 0
        if attribution:
            quoted.extend(lines[i : i + attribution])
            i += attribution
            continue
        visible.append(line)
        i += 1
    return visible, quoted


_RULE_LINE = re.compile(r"^\s*(?:-{2,40}|_{5,80}|—|={5,80})\s*$")
_CLOSING = re.compile(
    r"^\s*(?:Thanks|Thank\s+you|Many\s+thanks|Thanks\s+again|Thanks\s+a\s+lot|Cheers|Tack|Tack\s+så\s+mycket|"
    r"Stort\s+tack|Tusen\s+tack|Tack\s+på\s+förhand|Tack\s+i\s+förväg|Thanks\s+in\s+advance|Danke|"
    r"Vielen\s+Dank|Merci|Gracias|Take\s+care|Have\s+a\s+(?:nice|great)\s+(?:day|weekend)|"
    r"Ha\s+en\s+(?:bra|fin|trevlig)\s+(?:dag|helg|kväll)|Trevlig\s+helg)"
    r"\s*[,!.]?\s*$",
    re.IGNORECASE,
)
_SHORT = 80


def _split_signature(lines: list[str], sender: tuple[str, ...] = ()) -> tuple[list[str], list[str]]:
    """Find where the signature starts in the reply part; never leaves the reply empty."""
    end = len(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    content = [i for i in range(end) if lines[i].strip()]
    if not content:
        return lines, []
    start = _signature_start(lines, content, sender)
    if start is None or not any(lines[i].strip() for i in range(start)):
        return lines, []
    return lines[:start], lines[start:end]


def _signature_start(lines: list[str], content: list[int], sender: tuple[str, ...]) -> int | None:
    window = content[-_MAX_SIGNATURE_LINES:]
    for n, i in enumerate(window):
        line = lines[i]
        rest = window[n + 1 :]
        short_after = all(len(lines[j]) <= _SHORT for j in rest)
        if _SIG_DELIMITER.match(line) or _DEVICE.match(line):
            return i
        if _RULE_LINE.match(line) and rest and short_after:
            return i
        if _SIGN_OFF.match(line) and len(rest) <= 8 and short_after:
            return i
        if _CLOSING.match(line) and 1 <= len(rest) <= 3 and short_after and _looks_like_name(lines[rest[0]]):
            return i
        if sender and len(line) <= 60 and short_after and len(rest) <= 8 and _names_sender(line, sender):
            return i
        if _DASH_NAME.match(line) and len(rest) <= 6:
            return i
    # "-- " far above the end is still the RFC 3676 delimiter.
    return next((i for i in content if lines[i] == "-- "), None)


def _looks_like_name(line: str) -> bool:
    words = line.split()
    return 1 <= len(words) <= 4 and len(line) <= 40 and not line.rstrip().endswith((".", "?", ":"))


def sender_hints(name: str, address: str) -> tuple[str, ...]:
    """Lower-case strings that, alone on a short line near the end, start the sender's signature."""
    hints = []
    name = " ".join(name.replace('"', "").split())
    if "," in name:  # "Berg, Anna"
        last, _, first_name = name.partition(",")
        name = f"{first_name.strip()} {last.strip()}"
    if len(name) >= 3:
        hints.append(name.lower())
    local = address.partition("@")[0].lower()
    parts = [p for p in re.split(r"[._-]", local) if len(p) >= 3 and p.isalpha()]
    if len(parts) >= 2:
        hints.append(" ".join(parts))
    elif len(parts) == 1 and len(parts[0]) >= 4:
        # "john@..." signing "John E. Doe": a first name alone, checked against a name-like line.
        hints.append(parts[0] + " ")
    return tuple(hints)


def _names_sender(line: str, sender: tuple[str, ...]) -> bool:
    text = " ".join(line.split()).lower().strip(" -~*,.")
    for hint in sender:
        if hint.endswith(" "):
            if text.startswith(hint) and len(text.split()) <= 5 and line.strip()[:1].isupper():
                return True
        elif text.startswith(hint):
            return True
    return False


def strip_marks(text: str) -> str:
    """The text without marker lines (what a reader sees)."""
    if "HELPDESK-" not in text:
        return text
    return "\n".join(line for line in text.split("\n") if line.strip() not in MARKS)


def _tidy(lines: list[str]) -> str:
    text = textwrap.dedent("\n".join(line.rstrip() for line in lines if line.strip() not in MARKS))
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")
