"""Which of the five reply languages a customer wrote in. Pure and deterministic.

Swedish, Norwegian (bokmål), Danish, English and German are scored by frequent words and letters.
The Scandinavian three share most of their short words, so each also has a list of words the other two
do not use ("ikke" is Norwegian and Danish, "hva" only Norwegian, "hvad" only Danish); those weigh more.
A text that scores nothing, or two languages equally, is undecided and the caller's default (the ERP
customer's or the contact's language) wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SUPPORTED_LANGUAGES = ("sv", "en", "nb", "da", "de")
LANGUAGE_NAMES = {
    "sv": "Swedish",
    "en": "English",
    "nb": "Norwegian (bokmål)",
    "da": "Danish",
    "de": "German",
}
# What customers call a language in a reviewer's instruction ("in German", "på svenska", "auf Englisch").
LANGUAGE_WORDS = {
    "sv": ("swedish", "svenska", "svensk", "schwedisch"),
    "en": ("english", "engelska", "engelsk", "englisch"),
    "nb": ("norwegian", "norska", "norsk", "bokmål", "norwegisch"),
    "da": ("danish", "danska", "dansk", "dänisch"),
    "de": ("german", "tyska", "tysk", "deutsch", "tyske"),
}

_WORD = re.compile(r"[a-zåäöæøéüß]+", re.IGNORECASE)

# Frequent words of each language; a word in two lists counts for both (and so decides nothing).
_COMMON = {
    "sv": """och att det är som på för med har inte jag vi ni du den till av om kan när var vad hur men eller
        från där här ska skulle vill vår våra er era min mitt mina tack hej mvh hälsningar vänliga någon
        några också bara efter innan eftersom finns blir kommer leverans leveransen beställning faktura
        fakturan kopia lager pris offert skicka skickat behöver undrar vecka idag ordern hälsning""",
    "nb": """og at det er som på for med har ikke jeg vi dere du den til av om kan når hva hvor hvordan men
        eller fra der her skal skulle vil vår våre deres min mitt mine takk hei mvh hilsen vennlig vennlige
        noen også bare etter før fordi finnes blir kommer levering leveringen bestilling bestillingen
        faktura fakturaen kopi lager pris tilbud ordre ordren sende sendt trenger uke ennå noe mye gjerne
        dessverre spørsmål mottatt hvilken""",
    "da": """og at det er som på for med har ikke jeg vi jer du den til af om kan når hvad hvor hvordan men
        eller fra der her skal skulle vil vores min mit mine tak hej hilsen venlig venlige nogen også bare
        efter før fordi findes bliver kommer levering leveringen bestilling bestillingen faktura fakturaen
        kopi lager pris tilbud ordre ordren sende sendt uge endnu noget meget gerne desværre spørgsmål
        modtaget hvilken hvornår""",
    "en": """and the is are that this for with have has not we you your our my me to of on in at when where
        what how but or from there here will would could should please thanks thank hello hi dear regards
        best kind any some also just after before because can be delivery invoice copy stock price quote
        order""",
    "de": """und der die das ist nicht ich wir sie ihr mit für von zu auf den dem des ein eine einen einer
        bitte danke vielen dank hallo guten tag sehr geehrte geehrter damen herren grüße grüßen
        freundlichen mfg wann wo wie was können könnten kann unsere unser ihre ihren bestellung lieferung
        rechnung kopie lager preis angebot auftrag senden brauchen benötigen noch schon leider frage woche
        heute auch nur nach vor weil gibt wird werden haben hat""",
}
# Words that tell the Scandinavian languages apart (the spelling differs for the same word).
_DISTINCT = {
    "sv": "och inte jag är tack hälsningar vänliga någon några efter finns blir vad från",
    "nb": "dere hva takk hei vennlig vennlige noen etter finnes blir trenger uke ennå noe mye gjerne "
    "dessverre spørsmål mottatt våre",
    "da": "jer hvad tak venlig venlige nogen efter findes bliver af uge endnu noget meget gerne desværre "
    "spørgsmål modtaget vores hvornår",
}
_WORDS = {lang: set(words.split()) for lang, words in _COMMON.items()}
_DISTINCT_WORDS = {lang: set(words.split()) for lang, words in _DISTINCT.items()}
DISTINCT_WEIGHT = 1.5
# Letters and what they are evidence of, with the weight of each occurrence (counted up to 10 times).
_LETTERS = [
    (re.compile(r"[æø]", re.IGNORECASE), ("nb", "da"), 1.0),
    (re.compile(r"[äö]", re.IGNORECASE), ("sv", "de"), 0.5),
    (re.compile(r"å", re.IGNORECASE), ("sv", "nb", "da"), 0.3),
    (re.compile(r"[üß]", re.IGNORECASE), ("de",), 1.0),
]
# Danish writes the polite plural "I" upper-case ("Kan I sende ...").
_DANISH_I = re.compile(r"\b(?:kan|vil|har|skal|kunne|må) I\b")


@dataclass(frozen=True)
class Detection:
    language: str  # the best language, or the default when undecided
    certain: bool  # False when nothing scored or the best two tied
    scores: dict[str, float]


def detect(text: str, *, default: str = "") -> Detection:
    """Score ``text`` in every supported language; undecided texts get ``default``."""
    words = [w.lower() for w in _WORD.findall(text)]
    scores = {lang: float(sum(1 for w in words if w in _WORDS[lang])) for lang in SUPPORTED_LANGUAGES}
    for lang, distinct in _DISTINCT_WORDS.items():
        scores[lang] += DISTINCT_WEIGHT * sum(1 for w in words if w in distinct)
    for pattern, languages, weight in _LETTERS:
        bonus = min(len(pattern.findall(text)), 10) * weight
        for lang in languages:
            scores[lang] += bonus
    scores["da"] += 2 * len(_DANISH_I.findall(text))
    ranked = sorted(scores, key=lambda lang: -scores[lang])
    best, second = ranked[0], ranked[1]
    if scores[best] == 0 or scores[best] == scores[second]:
        return Detection(default, False, scores)
    return Detection(best, True, scores)


def detect_language(text: str, *, default: str = "") -> str:
    """One of ``SUPPORTED_LANGUAGES`` for ``text``; ``default`` when undecided (e.g. only numbers)."""
    return detect(text, default=default).language


def language_named(text: str) -> str:
    """The language a reviewer's instruction asks for ("in German", "på svenska"), or ``""``."""
    lowered = text.lower()
    for language, names in LANGUAGE_WORDS.items():
        if any(re.search(rf"(?<![\wåäöæø]){re.escape(name)}(?![\wåäöæø])", lowered) for name in names):
            return language
    return ""
