"""Split the plain text of a reply into the new part, the quoted history and the signature. Pure.

"Visible text" is what the sender wrote in this message: quoted history (``>`` lines with their
attribution, "On ... wrote:", Outlook/Apple header blocks, "-----Original Message-----", forwarded
blocks) and the signature (after "-- ", a sign-off such as "Mvh"/"Best regards", "Sent from my
iPhone") are taken out. Inline replies keep every unquoted paragraph between the quotes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Attribution lines end with a verb of writing in many languages.
_WROTE = (
    r"wrote|writes|skrev|schrieb|a\s+écrit|a\s+ecrit|escribió|escribio|schreef|ha\s+scritto|escreveu|"
    r"kirjoitti|skrive|skreiv|napsal|napisał|napisal|írta|yazdı|написал\(а\)|написал|написала|пишет|"
    r"寫道|写道|님이\s+작성"
)
_ATTRIBUTION_END = re.compile(rf"(?:{_WROTE})\s*:?\s*$", re.IGNORECASE)
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
_HEADER_WORDS = (
    r"From|Från|Von|De|Van|Da|Fra|Od|Lähettäjä|Sent|Skickat|Skickades|Gesendet|Envoyé|Enviado|Enviado\s+el|"
    r"Verzonden|Inviato|Sendt|Lähetetty|Date|Datum|Fecha|Data|Päivämäärä|Dato|To|Till|An|À|A|Para|Aan|Til|"
    r"Vastaanottaja|Cc|Kopia|Subject|Ämne|Betreff|Objet|Asunto|Onderwerp|Oggetto|Assunto|Emne|Aihe|"
    r"Reply-To|Svara\s+till|Antwort\s+an|Répondre\s+à|Temat|Tárgy|Тема|Кому|Дата|Отправлено"
)
_FROM_LINE = re.compile(rf"^[\s*>]*(?:{_FROM_WORDS})\s*:\s*\S", re.IGNORECASE)
_HEADER_LINE = re.compile(rf"^[\s*>]*(?:{_HEADER_WORDS})\s*:(?:\s|$)", re.IGNORECASE)
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
    r"Bästa\s+häls(?:ning|ningar)|Häls(?:ning|ningar)|Varma\s+hälsningar|Vh|Med\s+venlig\s+hilsen|"
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


@dataclass(frozen=True)
class Split:
    visible: str
    quoted: str
    signature: str


def split_reply(text: str) -> Split:
    """Separate ``text`` (a plain-text body) into visible reply, quoted history and signature."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cut = _history_start(lines)
    head, tail = lines[:cut], lines[cut:]
    visible_lines, quoted_lines = _split_inline(head)
    quoted_lines.extend(tail)
    body, signature = _split_signature(visible_lines)
    return Split(
        visible=_tidy(body),
        quoted=_tidy(quoted_lines),
        signature=_tidy(signature),
    )


def _history_start(lines: list[str]) -> int:
    """Index of the first line of an unquoted history block (Outlook, forwarded, rendered HTML)."""
    for i, line in enumerate(lines):
        if len(line) > 1000 or not line.strip():
            continue
        if _SEPARATOR.match(line) or _FORWARD_INTRO.match(line):
            return i
        if _UNDERSCORES.match(line) and _header_block_at(lines, _next_nonblank(lines, i + 1)):
            return i
        if _header_block_at(lines, i):
            return i
        attribution = _attribution_at(lines, i)
        if attribution and not _quoted_follows(lines, i + attribution):
            return i
    return len(lines)


def _next_nonblank(lines: list[str], start: int) -> int:
    for j in range(start, min(len(lines), start + 3)):
        if lines[j].strip():
            return j
    return len(lines)


def _header_block_at(lines: list[str], i: int) -> bool:
    """An Outlook/Apple style block: a From: line with at least two more header lines right after it."""
    if i >= len(lines) or len(lines[i]) > 1000:
        return False
    if _ONE_LINE_HEADERS.match(lines[i]):
        return True
    if not _FROM_LINE.match(lines[i]):
        return False
    found = 0
    for line in lines[i + 1 : i + 8]:
        if _HEADER_LINE.match(line):
            found += 1
        elif line.strip() and found == 0:
            return False
    return found >= 2


def _attribution_at(lines: list[str], i: int) -> int:
    """Number of lines (1-3) of an "On <date>, <name> wrote:" attribution starting at ``i``; else 0."""
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


def _split_inline(lines: list[str]) -> tuple[list[str], list[str]]:
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
        attribution = _attribution_at(lines, i) if line.strip() and len(line) <= 1000 else 0
        if attribution:
            quoted.extend(lines[i : i + attribution])
            i += attribution
            continue
        visible.append(line)
        i += 1
    return visible, quoted


def _split_signature(lines: list[str]) -> tuple[list[str], list[str]]:
    """Find where the signature starts in the reply part; never leaves the reply empty."""
    end = len(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    content = [i for i in range(end) if lines[i].strip()]
    if not content:
        return lines, []
    window = content[-_MAX_SIGNATURE_LINES:]
    start = None
    for i in window:
        line = lines[i]
        if _SIG_DELIMITER.match(line) or _DEVICE.match(line):
            start = i
            break
        if _SIGN_OFF.match(line) or (i == window[-1] and _DASH_NAME.match(line)):
            start = i
            break
    if start is None:
        # "-- " far above the end is still the RFC 3676 delimiter.
        start = next((i for i in content if lines[i] == "-- "), None)
    if start is None or not any(lines[i].strip() for i in range(start)):
        return lines, []
    return lines[:start], lines[start:end]


def _tidy(lines: list[str]) -> str:
    text = "\n".join(line.rstrip() for line in lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")
