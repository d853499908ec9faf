"""understand -> ground -> compose -> verify, for one customer message. Reads only; services write.

``run(...)`` returns an ``Outcome`` (text, flags, claims, citations, trace) or raises
``DraftingFailed`` with the reason and whatever trace there is, so a failed draft shows why.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings

from drafts import compose, isolation, verify
from drafts.composed import Composed, DraftingFailed, json_value, local_time
from drafts.ground import Grounding, ground, message_fact
from drafts.models import REPLY_FLAGS, Flag
from drafts.risk import reply_risk
from drafts.understand import Understanding, understand
from helpdesk import limits
from helpdesk.models import Message, Ticket
from integrations import serialize
from integrations.base import Connector, Document, Fact

PROBLEM_FLAGS = {
    "unavailable": Flag.MISSING_FACTS,
    "misconfigured": Flag.MISSING_FACTS,
    "not_looked_up": Flag.MISSING_FACTS,
    "not_found": Flag.UNKNOWN_NUMBER,
    isolation.NEAR_MISS: Flag.NEAR_MISS,
    isolation.SIMILAR_PRODUCT: Flag.UNKNOWN_NUMBER,
    isolation.OTHER_CUSTOMER: Flag.OTHER_CUSTOMER,
    isolation.UNKNOWN_SENDER: Flag.UNKNOWN_SENDER,
    isolation.UNKNOWN_SENDER_ASKS: Flag.UNKNOWN_SENDER,
    isolation.UNKNOWN_OWNER: Flag.MISSING_FACTS,
}


@dataclass
class Outcome:
    subject: str
    body: str
    language: str
    intent: str
    confidence: float
    flags: list[str]
    claims: list[dict[str, Any]]
    problems: list[dict[str, Any]]
    understanding: dict[str, Any]
    citations: list[Fact]
    trace: dict[str, Any] = field(default_factory=dict)
    withheld: list[dict[str, Any]] = field(default_factory=list)  # records kept from the sender
    documents: list[Document] = field(default_factory=list)  # files that go with the reply


def run(
    *,
    ticket: Ticket,
    message: Message,
    connector: Connector,
    instruction: str = "",
    chat_model: Any = None,
) -> Outcome:
    timings: dict[str, float] = {}
    started = time.perf_counter()
    understood = _understand(ticket, message)
    timings["understand"] = _ms(started)
    step = time.perf_counter()
    grounding = ground(
        ticket=ticket, message=message, understanding=understood, connector=connector, instruction=instruction
    )
    timings["ground"] = _ms(step)
    timings["erp_lookups"] = round(grounding.lookup_ms, 2)
    grounding.add_fact(message_fact(message, "text", message.display_text[:500], "customer's message"))
    step = time.perf_counter()
    base_trace: dict[str, Any] = {
        "timings_ms": timings,
        "tool_calls": list(grounding.lookups),
        "context": _context(understood, grounding),
    }
    try:
        composed = _compose(
            ticket=ticket,
            message=message,
            understood=understood,
            grounding=grounding,
            instruction=instruction,
            connector=connector,
            chat_model=chat_model,
        )
    except DraftingFailed as exc:
        timings["compose"] = _ms(step)
        exc.trace = {**base_trace, **exc.trace, "facts": facts_to_json(grounding.facts.values())}
        raise
    except compose.ComposeError as exc:
        timings["compose"] = _ms(step)
        raise DraftingFailed(str(exc), {**base_trace, "drafter": compose.DRAFTER}) from exc
    timings["compose"] = _ms(step)
    step = time.perf_counter()
    claims = check_reply(
        composed.subject,
        composed.body,
        facts=fact_pairs(grounding.facts.values()),
        trusted_texts=composed.trusted_texts,
        message=message,
        ticket=ticket,
    )
    timings["verify"] = _ms(step)
    problems = grounding.problems + composed.extra_problems
    cited_ids = _cited(composed.cited, claims, grounding)
    flags = flags_for(understood.risk_flags, problems, claims)
    flags += [flag for flag in reply_flags(composed.body, knowledge_texts(grounding)) if flag not in flags]
    timings["total"] = _ms(started)
    return Outcome(
        subject=composed.subject,
        body=composed.body,
        language=understood.language,
        intent=understood.intent,
        confidence=confidence(understood, problems, claims),
        flags=flags,
        claims=[claim.as_dict() for claim in claims],
        problems=problems,
        understanding=understood.as_dict(),
        citations=[grounding.facts[fact_id] for fact_id in cited_ids],
        trace={
            **base_trace,
            "drafter": composed.drafter,
            "drafter_version": composed.drafter_version,
            "model_name": composed.model_name,
            "prompt_version": composed.prompt_version,
            "tool_calls": [*grounding.lookups, *composed.tool_calls],
            "facts": facts_to_json(grounding.facts.values()),
            "input_tokens": composed.input_tokens,
            "output_tokens": composed.output_tokens,
            "attempts": composed.attempts,
            "context": {**base_trace["context"], "trusted_texts": composed.trusted_texts},
        },
        withheld=grounding.withheld,
        documents=list(grounding.documents.values()),
    )


@dataclass
class Grounded:
    """What an operator's own text is checked against: the facts the drafter would have had for the
    customer's message (their records only; ``drafts.isolation`` withholds the rest), and its risk."""

    understood: Understanding
    facts: list[dict[str, Any]]
    context: dict[str, Any]
    problems: list[dict[str, Any]]
    withheld: list[dict[str, Any]]


def ground_message(*, ticket: Ticket, message: Message, connector: Connector) -> Grounded:
    """understand -> ground for ``message``, without composing: the facts of an operator's reply."""
    understood = _understand(ticket, message)
    grounding = ground(ticket=ticket, message=message, understanding=understood, connector=connector)
    grounding.add_fact(message_fact(message, "text", message.display_text[:500], "customer's message"))
    context = {**_context(understood, grounding), "trusted_texts": knowledge_texts(grounding)}
    return Grounded(
        understood=understood,
        facts=facts_to_json(grounding.facts.values()),
        context=context,
        problems=list(grounding.problems),
        withheld=list(grounding.withheld),
    )


def _understand(ticket: Ticket, message: Message) -> Understanding:
    default_language = message.contact.language if message.contact_id and message.contact else ticket.language
    return understand(
        subject=message.subject or ticket.subject,
        text=message.display_text,
        default_language=default_language or "en",
        signature=message.signature,
        forwarded=forwarded_texts(message),
    )


def forwarded_texts(message: Message) -> list[str]:
    """The subject and text of each message the customer forwarded (``Message.forwarded``)."""
    parts = message.forwarded if isinstance(message.forwarded, list) else []
    return [
        f"{part.get('subject') or ''}\n{part.get('text') or ''}".strip()
        for part in parts
        if isinstance(part, dict)
    ]


def knowledge_texts(grounding: Grounding) -> list[str]:
    return [str(article["body"]) for article in grounding.knowledge]


def reply_flags(body: str, trusted_texts: Iterable[str]) -> list[str]:
    """Risk of the reply itself (``drafts.risk.reply_risk``), outside the house's own knowledge
    articles (which may state the return rules' credits)."""
    for text in trusted_texts:
        if text.strip():
            body = body.replace(text.strip(), " ")
    return reply_risk(body)


def _compose(
    *,
    ticket: Ticket,
    message: Message,
    understood: Understanding,
    grounding: Grounding,
    instruction: str,
    connector: Connector,
    chat_model: Any,
) -> Composed:
    if chat_model is not None or settings.LLM_MODEL:
        from drafts.llm import compose_with_llm

        return compose_with_llm(
            ticket=ticket,
            message=message,
            understanding=understood,
            grounding=grounding,
            connector=connector,
            instruction=instruction,
            chat_model=chat_model,
        )
    result = compose.compose_embedded(
        ticket=ticket, message=message, understanding=understood, grounding=grounding, instruction=instruction
    )
    return Composed(
        subject=result.subject,
        body=result.body,
        cited=result.cited,
        trusted_texts=result.trusted_texts,
        drafter=compose.DRAFTER,
        drafter_version=compose.DRAFTER_VERSION,
        prompt_version=f"templates:{understood.intent}:{understood.language}",
        extra_problems=result.extra_problems,
    )


def fact_pairs(facts: Iterable[Fact]) -> list[tuple[str, object]]:
    """(fact id, value in local time) of the retrieved facts, for verifying; the customer's own message
    is not a fact (what it states is checked as the customer's)."""
    return [(fact.id, local_time(fact.value)) for fact in facts if fact.source.record_type != "message"]


def check_reply(
    subject: str,
    body: str,
    *,
    facts: list[tuple[str, object]],
    trusted_texts: list[str],
    message: Message,
    ticket: Ticket,
) -> list[verify.Claim]:
    """Verify a reply's body, then its subject (a model writes that too), against ``facts`` (fact id,
    value), the trusted texts and the customer's message. The ticket's reference tag ("[#123]", which
    a saved reply may put in the body too) is the house's, not a claim; in the subject so is the
    ticket's own subject."""
    customer = {
        "customer_text": f"{message.subject}\n{message.display_text}",
        "customer_fact_id": f"message:{message.pk}#text",
    }
    subject_trusted = [*trusted_texts, ticket.subject]
    claims = [
        *_outside(
            ticket.reference, body, verify.verify(body, facts=facts, trusted_texts=trusted_texts, **customer)
        ),
        *_outside(
            ticket.reference,
            subject,
            verify.verify(subject, facts=facts, trusted_texts=subject_trusted, part="subject", **customer),
        ),
    ]
    return capped(claims)


def _outside(tag: str, text: str, claims: list[verify.Claim]) -> list[verify.Claim]:
    """``claims`` without those inside an occurrence of ``tag`` in ``text``."""
    spans = [(match.start(), match.end()) for match in re.finditer(re.escape(tag), text)]
    return [claim for claim in claims if not any(s <= claim.start and claim.end <= e for s, e in spans)]


def capped(claims: list[verify.Claim]) -> list[verify.Claim]:
    """At most ``limits.CLAIMS_PER_DRAFT`` claims are kept (the panel marks each, the database stores
    each); the first one beyond stands for the rest as unverified, so the draft is flagged for a look."""
    if len(claims) <= limits.CLAIMS_PER_DRAFT:
        return claims
    rest = claims[limits.CLAIMS_PER_DRAFT]
    unchecked = dataclasses.replace(rest, state=verify.UNVERIFIED, source="", fact_ids=())
    return [*claims[: limits.CLAIMS_PER_DRAFT], unchecked]


def flags_for(risk_flags: list[str], problems: list[dict[str, Any]], claims: list[verify.Claim]) -> list[str]:
    flags = list(dict.fromkeys(risk_flags))
    for problem in problems:
        flag = PROBLEM_FLAGS.get(problem.get("kind", ""))
        if flag is not None and flag not in flags:
            flags.append(str(flag))
    return flags + claim_flags(claims)


# Flags that follow from the text alone: set again whenever the text is verified again (an edit).
CLAIM_FLAGS = (Flag.UNVERIFIED, Flag.CUSTOMER_AMOUNT, *REPLY_FLAGS)


def claim_flags(claims: list[verify.Claim]) -> list[str]:
    """``unverified_claims`` for a claim nothing backs; ``customer_amount`` for an amount of money that
    only the customer's mail states (a reply repeating it affirms a sum nobody checked)."""
    flags = []
    if any(claim.state == verify.UNVERIFIED for claim in claims):
        flags.append(str(Flag.UNVERIFIED))
    if any(claim.state == verify.CUSTOMER and claim.kind == "amount" for claim in claims):
        flags.append(str(Flag.CUSTOMER_AMOUNT))
    return flags


def confidence(
    understood: Understanding, problems: list[dict[str, Any]], claims: list[verify.Claim]
) -> float:
    """A rough score in [0.05, 0.99]: a clear intent, every fact found and every claim verified."""
    score = 0.9 if understood.intent != "other" else 0.6
    if understood.intent_score < 2:
        score -= 0.1
    if any(claim.state == verify.UNVERIFIED for claim in claims):
        score -= 0.3
    if any(p.get("kind") in {"unavailable", "misconfigured"} for p in problems):
        score -= 0.3
    elif problems:
        score -= 0.1
    score -= 0.1 * min(len(understood.risk_flags), 3)
    if any(p.get("kind") in isolation.WITHHELD_KINDS for p in problems) or understood.injection:
        score -= 0.3
    return round(min(max(score, 0.05), 0.99), 2)


def facts_to_json(facts: Any) -> list[dict[str, Any]]:
    return [
        {
            "id": fact.id,
            "label": fact.label,
            "value": json_value(fact.value),
            "type": _type_name(fact.value),
            "source": serialize.source_to_dict(fact.source),
        }
        for fact in facts
    ]


def facts_from_json(rows: list[dict[str, Any]]) -> list[tuple[str, object]]:
    """(fact id, typed value) pairs from a trace, for verifying an edited text again."""
    return [
        (row["id"], _typed(row.get("value"), row.get("type", "str")))
        for row in rows
        if not row["id"].startswith("message:")
    ]


def _cited(composed_ids: list[str], claims: list[verify.Claim], grounding: Grounding) -> list[str]:
    """The drafter's citations, plus one fact for each verified claim that none of them backs."""
    ids = [fact_id for fact_id in composed_ids if fact_id in grounding.facts]
    for claim in claims:
        known = [fact_id for fact_id in claim.fact_ids if fact_id in grounding.facts]
        if known and not set(known) & set(ids):
            ids.append(known[0])
    return list(dict.fromkeys(ids))


def _context(understood: Understanding, grounding: Grounding) -> dict[str, Any]:
    return {
        "understanding": understood.as_dict(),
        "customer": grounding.customer.number if grounding.customer else None,
        "thread": [{k: v for k, v in item.items() if k != "text"} for item in grounding.thread],
        "earlier_tickets": grounding.earlier_tickets,
        "memory": [{"id": m["pk"], "draft": m["draft_id"], "score": m["score"]} for m in grounding.memory],
        "knowledge": [{"id": a["id"], "title": a["title"]} for a in grounding.knowledge],
        "recent_orders": [order.number for order in grounding.recent_orders],
    }


def _type_name(value: object) -> str:
    if isinstance(value, dt.datetime):
        return "datetime"
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, Decimal):
        return "decimal"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    return "none" if value is None else "str"


def _typed(value: Any, kind: str) -> object:
    if value is None:
        return None
    if kind == "datetime":
        return dt.datetime.fromisoformat(value)
    if kind == "date":
        return dt.date.fromisoformat(value)
    if kind == "decimal":
        return Decimal(value)
    return value


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 2)
