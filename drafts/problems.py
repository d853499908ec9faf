"""What drafting could not fetch or do, as sentences for the operator in the active language."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext


def describe_problem(problem: dict[str, Any]) -> str:
    kind, what, key = problem.get("kind", ""), problem.get("what", ""), problem.get("key", "")
    if kind == "unavailable":
        return gettext("ERP unavailable: could not fetch %(what)s %(key)s") % {"what": what, "key": key}
    if kind == "not_found":
        return gettext("Not found in the ERP: %(what)s %(key)s") % {"what": what, "key": key}
    if kind == "misconfigured":
        return gettext("ERP connector misconfigured: could not fetch %(what)s %(key)s") % {
            "what": what,
            "key": key,
        }
    if kind == "other_customer":
        return gettext("%(what)s %(key)s belongs to another ERP customer than the sender") % {
            "what": what,
            "key": key,
        }
    if kind == "unknown_sender":
        return gettext(
            "%(what)s %(key)s was withheld: the ERP does not know the sender, so it cannot be theirs"
        ) % {"what": what, "key": key}
    if kind == "unknown_sender_asks":
        return gettext(
            "The ERP does not know the sender, who asks about customer records: check who they are "
            "before answering"
        )
    if kind == "unknown_owner":
        return gettext("%(what)s %(key)s was withheld: its customer could not be established") % {
            "what": what,
            "key": key,
        }
    if kind == "similar_product":
        return gettext("Not found in the ERP: %(what)s %(key)s; did they mean %(suggestion)s?") % {
            "what": what,
            "key": key,
            "suggestion": problem.get("suggestion", ""),
        }
    if kind == "near_miss":
        return gettext("%(what)s %(key)s is not the customer's; did they mean %(suggestion)s?") % {
            "what": what,
            "key": key,
            "suggestion": problem.get("suggestion", ""),
        }
    if kind == "untranslated":
        return gettext("Left in another language than the reply's (%(language)s): %(detail)s") % {
            "language": problem.get("language", ""),
            "detail": problem.get("detail", ""),
        }
    if kind == "instruction_ignored":
        return gettext("The embedded drafter cannot follow this instruction: %(detail)s") % {
            "detail": problem.get("detail", "")
        }
    if kind == "unknown_citation":
        return gettext("The model cited a fact that was never retrieved: %(detail)s") % {
            "detail": problem.get("detail", "")
        }
    if kind == "not_looked_up":
        return gettext("Not looked up, the message names too many: %(count)s more %(what)s (%(key)s)") % {
            "count": problem.get("count", ""),
            "what": what,
            "key": key,
        }
    return str(problem.get("detail") or kind)
