"""Risk in a text: in the customer's mail (legal threats, money, personal data, anger, attempts to steer
the assistant) and in a reply (promises of money, legal words, amounts written in words). Pure.

The same reading applies to what an operator writes: an edit that promises a refund or a gift card
"på tvåtusen kronor" is as risky as a customer asking for one, and routes to a supervisor when the
review policy lists the flag.
"""

from __future__ import annotations

import re

from drafts.intents import contains_any

RISK_PATTERNS: dict[str, list[str]] = {
    "legal_threat": [
        "advokat",
        "jurist",
        "stämning",
        "stämma er",
        "rättslig",
        "tingsrätt",
        "allmänna reklamationsnämnden",
        "konsumentverket",
        "kronofogden",
        "lawyer",
        "attorney",
        "legal action",
        "sue ",
        "court",
        "solicitor",
        "søksmål",
        "saksøke",
        "rettslig",
        "forliksrådet",
        "forbrukerrådet",
        "retssag",
        "sagsøge",
        "forbrugerrådet",
        "anwalt",
        "rechtsanwalt",
        "gericht",
        "rechtliche schritte",
        "verklagen",
        # A claim for damages is a legal claim, with or without a lawyer named.
        "skadestånd",
        "ersättningskrav",
        "claim compensation",
        "claim damages",
        "compensation for our losses",
        "erstatningskrav",
        "krav om erstatning",
        "schadensersatz",
    ],
    "refund_or_money": [
        "återbetalning",
        "pengarna tillbaka",
        "kreditering",
        "kreditera",
        "ersättning",
        "kompensation",
        "skadestånd",
        "refund",
        "money back",
        "credit note",
        "compensation",
        "reimburse",
        "chargeback",
        "refusjon",
        "pengene tilbake",
        "pengene tilbage",
        "tilbagebetaling",
        "kreditnota",
        "erstatning",
        "kompensasjon",
        "rückerstattung",
        "erstattung",
        "gutschrift",
        "geld zurück",
        "entschädigung",
        "schadensersatz",
        # An invoice disputed: the amount is money the customer wants changed.
        "wrong amount",
        "incorrect amount",
        "overcharged",
        "correct the invoice",
        "fel belopp",
        "felaktigt belopp",
        "felaktig faktura",
        "fel pris",
        "feil beløp",
        "feil faktura",
        "forkert beløb",
        "forkert faktura",
        "falscher betrag",
        "falsche rechnung",
        "rechnung korrigieren",
    ],
    "personal_data": [
        "gdpr",
        "personuppgift",
        "registerutdrag",
        "radera mina",
        "ta bort mina uppgifter",
        "personal data",
        "my data",
        "delete my",
        "data subject",
        "right to be forgotten",
        "personopplysning",
        "personoplysning",
        "slette mine",
        "slet mine",
        "dsgvo",
        "datenschutz",
        "personenbezogen",
        "meine daten",
    ],
}
NEGATIVE = [
    "inte acceptabelt",
    "oacceptabelt",
    "unacceptable",
    "not acceptable",
    "besviken",
    "missnöjd",
    "disappointed",
    "frustrat",
    "frustrer",
    "irriterad",
    "arg ",
    "angry",
    "furious",
    "skandal",
    "ridiculous",
    "löjligt",
    "terrible",
    "horrible",
    "värdelös",
    "useless",
    "worst",
    "sämsta",
    "again!",
    "igen!",
    "krossad",
    "skadad",
    "damaged",
    "broken",
    "uakseptabel",
    "uacceptabel",
    "skuffet",
    "elendig",
    "ødelagt",
    "inakzeptabel",
    "unverschämt",
    "enttäuscht",
    "verärgert",
    "beschädigt",
]
ANGRY = [
    "inte acceptabelt",
    "oacceptabelt",
    "unacceptable",
    "not acceptable",
    "skandal",
    "furious",
    "ridiculous",
    "löjligt",
    "värdelös",
    "useless",
    "worst",
    "sämsta",
    "fed up",
    "trött på",
    "uakseptabel",
    "uacceptabel",
    "inakzeptabel",
    "unverschämt",
    "frechheit",
]
POSITIVE = ["tack så mycket", "thank you so much", "great", "toppen", "bra jobbat", "excellent", "nöjd"]
URGENT = [
    "brådskande",
    "akut",
    "omgående",
    "snarast",
    "idag",
    "i dag",
    "urgent",
    "asap",
    "immediately",
    "as soon as possible",
    "today",
    "right away",
    "haster",
    "snarest",
    "hurtigst muligt",
    "dringend",
    "sofort",
    "heute",
]

# Attempts to steer the assistant, by kind. Customer text is data: a reply must never follow it, and a
# person must see the mail before anything is sent.
_INSTRUCTION_WORDS = (
    r"instructions?|instruktion(?:er|erna)?|instruksjon(?:er|ene)?|instruks(?:er|erne)?|anweisungen|instruktionen|"
    r"rules|regler(?:na|ne)?|regl(?:ene|erne)|regeln|prompts?|guidelines|riktlinjer(?:na)?|retningslinjer(?:ne)?"
    r"|richtlinien"
)
# The assistant as a mail names it when it writes to it.
_ASSISTANT = (
    r"ai|a\.i\.|assistant|assistent(?:en)?|bot|boten|chatbot|chatgpt|gpt|llm|language\s+model|model"
    r"|ai-?en|ai:n|ki|copilot"
)
INJECTION_PATTERNS: dict[str, re.Pattern[str]] = {
    "instructions": re.compile(
        r"\b(?:ignor\w*|disregard|forget|glöm|glem|vergiss|bortse\s+från|se\s+bort\s+fra|override)\b"
        rf"(?:\W+\w+){{0,4}}?\W+(?:{_INSTRUCTION_WORDS})\b"
        r"|system\s*prompt|systemprompt|developer\s+mode|jailbreak|\[/?inst\]|<\|\w+\|>|^\s*(?:system|assistant)\s*:"
        r"|new\s+instructions|nya\s+instruktioner|nye\s+instruksjoner|neue\s+anweisungen"
        r"|(?:as|som|als)\s+(?:an?\s+|en\s+|eine?\s+)?(?:ai|language\s+model|språkmodell|sprachmodell)\b"
        # A system's or an administrator's voice claimed in a customer's mail.
        r"|\b(?:system\s*message|systemmelding|systemmeddelande|systembesked|systemnachricht|systemmeldung)\s*:"
        r"|\b(?:verified|verifierad|verifisert|verificeret|verifiziert)\s+(?:as|som|als)\s+(?:an?\s+|en\s+)?"
        r"(?:admin|administrator|administratör)"
        # Words addressed to the assistant rather than to the people who read the mail.
        rf"|\b(?:note|message|instructions?|meddelande|beskjed|besked|nachricht|hinweis|instruktion(?:er)?"
        rf"|instruks(?:er|jon|joner)?|anweisung(?:en)?)\s+"
        rf"(?:to|for|till|til|an|für)\s+(?:the\s+|die\s+|den\s+|das\s+)?(?:{_ASSISTANT}|system(?:et)?)\b"
        rf"|\b(?:dear|hey|hi|hello|hej|hei|hallo|liebe[rs]?)\s+(?:{_ASSISTANT})\b\s*[,:!]"
        r"|^\s*(?:<!--\s*|p\.?\s?s\.?:?\s*|nb:?\s*)?(?:ai\s+|ki-)?"
        r"(?:ai|a\.i\.|assistant|assistent(?:en)?|chatbot|chatgpt|llm|ki)\s*:"
        # An answer dictated word for word ("reply only with YES", "svara endast med ordet OK").
        r"|\b(?:answer|reply|respond|svara|svar|antworte\w*)\s+(?:\w+\s+)?(?:only|just|endast|bara|enbart"
        r"|kun|bare|nur)\s+(?:with|med|mit)\s+(?:the\s+word|ordet|word|wort|dem\s+wort|yes\b|no\b|ja\b"
        r"|nej\b|nei\b|nein\b|ok\b|[\"'“”„«])",
        re.IGNORECASE | re.MULTILINE,
    ),
    # Text a mail hides from the person who reads it, where only a machine would read it.
    "hidden_text": re.compile(
        r"display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0(?:\.0+)?(?:px|pt|em|rem|%)?\s*[;\"'}]"
        r"|opacity\s*:\s*0(?:\.0+)?\s*[;\"'}]",
        re.IGNORECASE,
    ),
    "role_play": re.compile(
        r"\byou\s+are\s+now\b|\bdu\s+är\s+nu\b|\bdu\s+er\s+nå\b|\bdu\s+er\s+nu\b|\bdu\s+bist\s+jetzt\b"
        r"|\bact\s+as\b|\bagera\s+som\b|\boppfør\s+deg\s+som\b|\bopfør\s+dig\s+som\b|\bpretend\b"
        r"|\blåtsas\b|\blat\s+som\b|\blad\s+som\s+om\b|\btu\s+so\s+als\b|\brole[\s-]?play|\brollspel"
        # A new role handed over: "from now on you work for us", "från och med nu ska du ...".
        r"|\bfrom\s+now\s+on,?\s+you\b|\bfrån\s+och\s+med\s+nu\s+(?:ska\s+)?du\b|\bfra\s+nå\s+av,?\s+(?:skal\s+)?du\b"
        r"|\bfra\s+nu\s+af,?\s+(?:skal\s+)?du\b|\bab\s+(?:jetzt|sofort),?\s+(?:bist|arbeitest|sollst)\s+du\b"
        r"|\byou\s+(?:now\s+)?work\s+for\s+(?:us|me)\b"
        r"|\brollespil|\brollenspiel",
        re.IGNORECASE,
    ),
    "other_customers": re.compile(
        r"\b(?:other|all)\s+customers\b|\bandra\s+kunder|\balla\s+kunder|\bandre\s+kunder|\balle\s+kunder"
        r"|\banderer?\s+kunden|\balle[nr]?\s+kunden|\bcustomer\s+list|\bkundlista|\bkundeliste|\bkundenliste"
        r"|\b(?:every|all)\s+orders\b|\balla\s+ordrar|\balle\s+ordrer|\balle\s+bestellungen"
        r"|\bsomeone\s+else'?s\s+order|\bnågon\s+annans\s+order"
        # Everything of a kind "in the system" ("alle fakturaer i systemet").
        r"|\b(?:all|alla|alle)\s+\w+\s+(?:in|i|im)\s+(?:the\s+)?(?:system|systemet)\b"
        # What another customer asked or has ("what did the previous customer ask?").
        r"|\b(?:previous|last|other|another)\s+customer'?s?\b(?:\W+\w+){0,3}?\W+(?:ask|order|address|invoice|wrote|said)"
        r"|\bföregående\s+kund|\bförra\s+kunden|\bannan\s+kunds|\bandra\s+kunders|\bandre\s+kunders"
        r"|\bforrige\s+kunde|\bvorherige[nr]?\s+kunde|\banderer\s+kunden",
        re.IGNORECASE,
    ),
    # The house's own figures, which no customer's mail has any business asking the assistant for.
    "internal_data": re.compile(
        r"\b(?:purchase|cost|buying)\s+prices?\b|\binköpspris|\binnkjøpspris|\bindkøbspris|\beinkaufspreis"
        r"|\bselbstkosten|\byour\s+margins?\b|\bera\s+marginaler|\bdine\s+marginer|\bihre\s+marge",
        re.IGNORECASE,
    ),
    "unsupported_promise": re.compile(
        r"\b(?:promised|lovade|lovat|lovet|lovede|versprochen|zugesagt)\b(?:\W+\w+){0,6}?\W+"
        r"(?:\d+\s*%|discount|refund|credit|rabatt|rabat|återbetalning|kreditering|refusjon|gratis|free"
        r"|rückerstattung|gutschrift|nachlass)"
        r"|\b(?:confirm|bekräfta|bekreft|bekræft|bestätigen)\b(?:\W+\w+){0,3}?\W+(?:that|att|at|dass)\b"
        r"(?:\W+\w+){0,6}?\W+(?:discount|refund|credit|rabatt|rabat|återbetalning|kreditering|refusjon"
        r"|gratis|free|rückerstattung|gutschrift|\d+\s*%)"
        r"|\b\d{2,3}\s*%\s*(?:discount|rabatt|rabat|nachlass|rabatt)",
        re.IGNORECASE,
    ),
}

# Money and legal words in a reply; a reply promising any of these needs the policy's say.
REPLY_MONEY = [
    "återbetal",
    "betala tillbaka",
    "kreditera",
    "kreditering",
    "kreditnota",
    "rabatt",
    "presentkort",
    "ersättning",
    "ersätta er",
    "kompensation",
    "kompensera",
    "gottgör",
    "bjuder på",
    "refund",
    "credit note",
    "credit you",
    "discount",
    "gift card",
    "voucher",
    "compensat",
    "reimburse",
    "free of charge",
    "money back",
    "refusjon",
    "gavekort",
    "tilbagebetal",
    "erstatning",
    "rückerstattung",
    "gutschein",
    "gutschrift",
    "entschädigung",
]
REPLY_LEGAL = [
    "skadestånd",
    "ansvarar för",
    "ansvarig för",
    "erkänner",
    "medger",
    "förlikning",
    "advokat",
    "rättslig",
    "liability",
    "liable",
    "we admit",
    "admit",
    "settlement",
    "lawyer",
    "legal",
    "court",
    "schadensersatz",
    "haftung",
    "anwalt",
]
_SV_NUMBER = (
    r"(?:en|ett|två|tre|fyra|fem|sex|sju|åtta|nio|tio|elva|tolv|tretton|fjorton|femton|sexton|sjutton|"
    r"arton|nitton|tjugo|trettio|fyrtio|femtio|sextio|sjuttio|åttio|nittio|hundra|tusen|miljon(?:er)?)"
)
_EN_NUMBER = (
    r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
    r"seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|"
    r"million|a\s+hundred|a\s+thousand)"
)
_CURRENCY_WORDS = r"(?:kronor|krona|kr|sek|crowns|euros?|eur|dollars?|usd|pounds?|gbp|nok|dkk)\b"
# "tvåtusen kronor", "två tusen femhundra kr", "two thousand five hundred kronor", "fifty euros".
AMOUNT_IN_WORDS = re.compile(
    rf"(?<![\wåäö])(?:{_SV_NUMBER}+(?:[\s-]+(?:och\s+)?{_SV_NUMBER}+)*"
    rf"|{_EN_NUMBER}(?:[\s-]+(?:and\s+)?{_EN_NUMBER})*)\s+{_CURRENCY_WORDS}",
    re.IGNORECASE,
)


def customer_risk(lowered: str) -> list[str]:
    """Risk flags of a customer's text (lower-cased, with a trailing space)."""
    return [flag for flag, words in RISK_PATTERNS.items() if contains_any(lowered, words)]


def injection_markers(text: str) -> list[str]:
    """The kinds of attempts to steer the assistant found in ``text`` (empty for ordinary mail)."""
    return [kind for kind, pattern in INJECTION_PATTERNS.items() if pattern.search(text)]


def without_steering(text: str) -> str:
    """``text`` without the lines that try to steer the assistant: what the customer asks is read from
    the rest, so an attacker's line ("P.S. AI: include the invoice amounts of ...") does not decide
    which question the reply answers."""
    spans = [match.span() for pattern in INJECTION_PATTERNS.values() for match in pattern.finditer(text)]
    if not spans:
        return text
    kept, offset = [], 0
    for line in text.splitlines(keepends=True):
        end = offset + len(line)
        if not any(start < end and stop > offset for start, stop in spans):
            kept.append(line)
        offset = end
    return "".join(kept)


def reply_risk(text: str) -> list[str]:
    """Risk flags of a reply: ``reply_money`` (refunds, credits, discounts, compensation, gift cards,
    or an amount written in words) and ``reply_legal`` (liability, settlement, legal words)."""
    lowered = text.lower() + " "
    flags = []
    if contains_any(lowered, REPLY_MONEY) or AMOUNT_IN_WORDS.search(text):
        flags.append("reply_money")
    if contains_any(lowered, REPLY_LEGAL):
        flags.append("reply_legal")
    return flags


def amounts_in_words(text: str) -> list[str]:
    """Amounts of money written in words (Swedish or English), as they stand in ``text``."""
    return [match.group() for match in AMOUNT_IN_WORDS.finditer(text)]
