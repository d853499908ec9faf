"""What a customer asks for: weighted keywords per intent in the five languages, plus entity evidence.

Pure. ``classify_intents`` returns every intent the mail asks about, the main one first, so a mail
with several questions ("where is order X, and please send the invoice") is answered part by part.
A legal threat or compensation claim always comes first: it decides who must see the reply.
"""

from __future__ import annotations

import functools
import re

from drafts.entities import Entities

INTENTS = (
    "order_status",
    "delivery_eta",
    "stock",
    "quote",
    "invoice_copy",
    "payment",
    "cancellation",
    "address_change",
    "return_complaint",
    "return_request",
    "legal_claim",
    "other",
)
# An intent besides the main one is answered too when it scores at least this much on its own words.
SECONDARY_SCORE = 3.0

# Stems matched at word starts; weights favour specific words over common ones.
_KEYWORDS: dict[str, list[tuple[str, float]]] = {
    "order_status": [
        ("var är", 2),
        ("status", 2),
        ("where is", 2),
        ("order", 1),
        ("beställning", 1),
        ("ordern", 1),
        ("has it shipped", 2),
        ("ship", 1),
        ("any news", 2),
        ("update on", 2),
        ("skickat", 1),
        ("skickad", 1),
        ("on its way", 2),
        ("checking", 1),
        ("hvor er", 2),
        ("ordre", 1),
        ("bestilling", 1),
        ("sendt", 1),
        ("afsendt", 1.5),
        ("wo ist", 2),
        ("bestellung", 1),
        ("auftrag", 1),
        ("versendet", 1.5),
        ("verschickt", 1.5),
        ("unterwegs", 1.5),
    ],
    "delivery_eta": [
        ("när kommer", 3),
        ("leveransdatum", 3),
        ("leverans", 1.5),
        ("levereras", 2),
        ("eta ", 3),
        ("eta?", 3),
        ("eta:", 3),
        ("delivery date", 3),
        ("delivered", 1.5),
        ("when will", 2),
        ("arrive", 2),
        ("tracking", 2),
        ("spårning", 2),
        ("sändning", 1.5),
        ("försen", 2),
        ("delayed", 2),
        ("leveret", 1.5),
        ("levert", 1.5),
        ("sendung", 2),
        ("wann kommt", 3),
        ("når kommer", 3),
        ("hvornår", 2),
        ("levering", 1.5),
        ("leveres", 2),
        ("leveringsdato", 3),
        ("forsink", 2),
        ("sporing", 2),
        ("ankomme", 2),
        ("forsendelse", 1.5),
        ("wann", 2),
        ("liefertermin", 3),
        ("lieferdatum", 3),
        ("lieferung", 1.5),
        ("geliefert", 1.5),
        ("ankommen", 2),
        # "har inte kommit", "er ikke kommet": not arrived yet ("allt har kommit fram" is a thank-you).
        ("inte kommit", 2),
        ("ikke kommet", 2),
        ("nicht angekommen", 2),
        ("ankunft", 2),
        ("verspät", 2),
        ("verzöger", 2),
        ("sendungsverfolgung", 2),
        ("sendungsnummer", 2),
        ("zustellung", 2),
    ],
    "stock": [
        ("i lager", 3),
        ("på lager", 3),
        ("lagersaldo", 3),
        ("in stock", 3),
        ("tillgänglig", 2),
        ("available", 2),
        ("availability", 3),
        ("har ni", 0.5),
        ("hur många", 1.5),
        ("how many", 1.5),
        ("hvor mange", 1.5),
        ("wie viele", 1.5),
        ("do you have", 0.5),
        ("finns", 0.5),
        ("lagerbeholdning", 3),
        ("tilgjengelig", 2),
        ("tilgængelig", 2),
        ("har dere", 0.5),
        ("auf lager", 3),
        ("lagerbestand", 3),
        ("verfügbar", 2),
        ("vorrätig", 3),
        ("lieferbar", 2),
    ],
    "quote": [
        ("offert", 4),
        ("quote", 4),
        ("quotation", 4),
        ("prisförslag", 4),
        ("pris", 1.5),
        ("price", 1.5),
        ("kostar", 2),
        ("cost", 1.5),
        ("tilbud", 4),
        ("pristilbud", 4),
        ("koster", 2),
        ("angebot", 4),
        ("preis", 1.5),
        ("kostet", 2),
        # An order placed by mail gets the prices and stock of what it asks for; a person registers it.
        ("would like to order", 4),
        ("we want to order", 4),
        ("place an order", 4),
        ("vill beställa", 4),
        ("vill gärna beställa", 4),
        ("ønsker å bestille", 4),
        ("vil bestille", 4),
        ("vil gerne bestille", 4),
        ("möchten bestellen", 4),
        ("würden gerne bestellen", 4),
    ],
    "invoice_copy": [
        ("faktura", 3),
        ("fakturakopia", 4),
        ("invoice", 3),
        ("kopia", 1.5),
        ("copy", 1.5),
        ("fakturakopi", 4),
        ("kopi", 1.5),
        ("rechnung", 3),
        ("rechnungskopie", 4),
        ("kopie", 1.5),
    ],
    "payment": [
        ("betalning", 3),
        ("betala", 3),
        ("betalat", 3),
        ("betalade", 3),
        ("betald", 2),
        ("inbetalning", 3),
        ("förfall", 2),
        ("påminnelse", 2),
        ("payment", 3),
        ("pay", 3),
        ("paid", 3),
        ("due date", 2),
        ("overdue", 3),
        ("payment terms", 3),
        ("reminder", 2),
        ("remittance", 3),
        ("betaling", 3),
        ("betale", 3),
        ("betalt", 3),
        ("forfall", 2),
        ("forfald", 2),
        ("purring", 3),
        ("rykker", 3),
        ("zahlung", 3),
        ("bezahl", 3),
        ("überwiesen", 3),
        ("fällig", 2),
        ("überfällig", 3),
        ("zahlungsziel", 3),
        ("mahnung", 3),
    ],
    "cancellation": [
        ("avbeställ", 5),
        ("annuller", 5),
        ("makulera", 5),
        ("avboka", 5),
        ("cancel", 5),
        ("kanseller", 5),
        ("avbestill", 5),
        ("afbestil", 5),
        ("stornier", 5),
        ("storno", 5),
        ("abbestell", 5),
    ],
    "address_change": [
        ("leveransadress", 1),
        ("ny adress", 4),
        ("ändra adress", 4),
        ("ändra leveransadress", 5),
        ("adressändring", 5),
        ("address change", 5),
        ("change the delivery address", 5),
        ("new address", 4),
        ("delivery address", 1),
        ("change address", 4),
        ("change of address", 5),
        ("leveringsadresse", 1),
        ("ny adresse", 4),
        ("endre adresse", 4),
        ("endre leveringsadresse", 5),
        ("ændre adresse", 4),
        ("ændre leveringsadresse", 5),
        ("adresseændring", 5),
        ("lieferadresse", 1),
        ("neue adresse", 4),
        ("adressänderung", 5),
        ("adresse ändern", 4),
        # Another address than the order's: "to a different address", "till en annan adress", or
        # "delivered to ... instead".
        ("levereras till", 2),
        ("leverera till", 2),
        ("deliver to", 2),
        ("leveres til", 2),
        ("levere til", 2),
        ("liefern an", 2),
        ("i stället", 1.5),
        ("istället", 1.5),
        ("instead", 1.5),
        ("i stedet", 1.5),
        ("stattdessen", 1.5),
        ("ny leveransadress", 4),
        ("new delivery address", 4),
        ("ny leveringsadresse", 4),
        ("neue lieferadresse", 4),
        ("different address", 4),
        ("another address", 4),
        ("annan adress", 4),
        ("annen adresse", 4),
        ("anden adresse", 4),
        ("andere adresse", 4),
        ("anderen adresse", 4),
        ("lieferanschrift", 1),
    ],
    "return_complaint": [
        ("reklamation", 4),
        ("reklamera", 4),
        ("skadad", 3),
        ("skadat", 3),
        ("skadade", 3),
        ("trasig", 3),
        ("krossad", 3),
        ("damaged", 3),
        ("broken", 3),
        ("complaint", 4),
        ("kreditering", 2),
        ("fel vara", 3),
        ("fel artikel", 3),
        ("wrong item", 3),
        ("missing", 1.5),
        ("saknas", 1.5),
        ("reklamasjon", 4),
        ("skadet", 3),
        ("ødelagt", 3),
        ("knust", 3),
        ("feil vare", 3),
        ("forkert vare", 3),
        ("beskadige", 3),
        ("mangler", 1.5),
        ("beschädigt", 3),
        ("kaputt", 3),
        ("defekt", 3),
        ("zerbrochen", 3),
        ("falsche ware", 3),
        ("falscher artikel", 3),
        ("beschwerde", 4),
        ("fehlt", 1.5),
    ],
    "return_request": [
        ("retur", 3),
        ("returnera", 4),
        ("return", 3),
        ("skicka tillbaka", 4),
        ("send back", 4),
        ("returnere", 4),
        ("sende tilbake", 4),
        ("sende tilbage", 4),
        ("rücksendung", 4),
        ("retoure", 4),
        ("zurücksenden", 4),
        ("zurückschicken", 4),
    ],
    # Requests the drafter cannot carry out itself (adding to an order, changing its quantities): read as
    # "other", so the reply says we look into it and a person does it.
    "other": [
        ("lägga till", 3),
        ("lägg till", 3),
        ("add to the order", 4),
        ("add to order", 4),
        ("add to our order", 4),
        ("increase the quantity", 4),
        ("change the quantity", 4),
        ("öka antalet", 4),
        ("ändra antalet", 4),
        ("legge til", 3),
        ("tilføje", 3),
        ("hinzufügen", 4),
        ("menge ändern", 4),
        ("menge erhöhen", 4),
        # A call asked for: a person calls.
        ("ringa mig", 4),
        ("ring mig", 4),
        ("ringa oss", 4),
        ("call me", 4),
        ("call us", 4),
        ("call back", 4),
        ("ringe meg", 4),
        ("ring meg", 4),
        ("ringe mig", 4),
        ("rufen sie mich", 4),
        ("rückruf", 4),
    ],
    "legal_claim": [
        ("advokat", 5),
        ("jurist", 5),
        ("stämning", 5),
        ("stämma er", 5),
        ("rättslig", 5),
        ("tingsrätt", 5),
        ("skadestånd", 5),
        ("ersättningskrav", 5),
        ("kompensation", 3),
        ("allmänna reklamationsnämnden", 5),
        ("kronofogden", 5),
        ("lawyer", 5),
        ("attorney", 5),
        ("legal action", 5),
        ("sue ", 5),
        ("court", 4),
        ("solicitor", 5),
        ("compensation", 3),
        ("damages", 3),
        ("søksmål", 5),
        ("saksøke", 5),
        ("rettslig", 5),
        ("erstatning", 3),
        ("kompensasjon", 3),
        ("forliksrådet", 5),
        ("retssag", 5),
        ("sagsøge", 5),
        ("anwalt", 5),
        ("rechtsanwalt", 5),
        ("gericht", 4),
        ("rechtliche schritte", 5),
        ("verklagen", 5),
        ("schadensersatz", 5),
        ("entschädigung", 3),
    ],
}


def classify_intents(lowered: str, entities: Entities) -> tuple[list[str], float]:
    """The intents asked about, the main one first, and the main one's score; ``["other"]`` and 0 when
    nothing scores."""
    scores = _scores(lowered, entities)
    ranked = sorted((intent for intent in scores if scores[intent] >= 1), key=lambda i: -scores[i])
    if not ranked:
        return ["other"], 0.0
    main = ranked[0]
    # "other" is a holding reply for what the drafter cannot do: the main answer or none.
    asked = [main] + [
        i for i in ranked[1:] if scores[i] >= SECONDARY_SCORE and _distinct(i, main) and i != "other"
    ]
    if "legal_claim" in asked:
        asked.remove("legal_claim")
        asked.insert(0, "legal_claim")
    return asked, scores[asked[0]]


def classify_intent(lowered: str, entities: Entities) -> tuple[str, float]:
    """The main intent and its score; ``other`` when nothing scores."""
    intents, score = classify_intents(lowered, entities)
    return intents[0], score


def _scores(lowered: str, entities: Entities) -> dict[str, float]:
    scores = {
        intent: sum(weight for word, weight in keywords if has_word(lowered, word))
        for intent, keywords in _KEYWORDS.items()
    }
    # Entities are evidence too: SKUs with quantities ask for a quote or stock; invoice numbers an invoice.
    if entities.invoices:
        scores["invoice_copy"] += 1.5
    if entities.skus and entities.quantities and scores["quote"] > 0:
        scores["quote"] += 2
    if entities.skus and not entities.orders:
        scores["stock"] += 0.5
    if entities.tracking:
        scores["delivery_eta"] += 1
    # "we got 60 of the 80": a short delivery is a complaint about the order, not a question of its status.
    if _SHORT_DELIVERY.search(lowered):
        scores["return_complaint"] += 4
    # "return" is also a word of a complaint ("we want to return the broken pallets"): a complaint wins.
    if scores["return_complaint"] >= 3 and scores["return_request"] > 0:
        scores["return_complaint"] += scores["return_request"]
        scores["return_request"] = 0
    if scores["payment"] >= 3 and scores["invoice_copy"] > 0 and not _asks_for_copy(lowered):
        scores["payment"] += 2  # "is invoice X paid?" is about the payment, not a copy
    return scores


_SHORT_DELIVERY = re.compile(
    r"\b(?:only|just|bara|endast|bare|kun|nur)\s+(?:\w+\s+){0,3}?\d+\s+(?:\w+\s+)?"
    r"(?:of|av|af|von)\s+(?:the\s+|de\s+|dem\s+|den\s+|die\s+)?\d+\b"
)


def _asks_for_copy(lowered: str) -> bool:
    return any(has_word(lowered, word) for word in ("kopia", "copy", "kopi", "kopie", "fakturakopi"))


# Intents that answer the same question: only the main one is written.
_SAME = [{"order_status", "delivery_eta"}, {"invoice_copy", "payment"}]


# A main intent whose section already states what another would: a complaint's says the order's status.
_COVERS = {"return_complaint": {"order_status"}}


def _distinct(intent: str, main: str) -> bool:
    if intent in _COVERS.get(main, set()):
        return False
    return not any(intent in group and main in group for group in _SAME)


def has_word(lowered: str, word: str) -> bool:
    """``word`` at the start of a word of ``lowered`` (a stem: "försen" matches "försenad")."""
    return _word_pattern(word).search(lowered) is not None


@functools.cache
def _word_pattern(word: str) -> re.Pattern[str]:
    # Compiled once per word: the keyword lists are longer than the re module's own cache.
    return re.compile(r"(?<![\wåäöæøü])" + re.escape(word))


def contains_any(lowered: str, words: list[str]) -> bool:
    return any(has_word(lowered, word) for word in words)
