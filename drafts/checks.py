"""System check: an ``LLM_MODEL`` that cannot be built stops ``manage.py check`` and the workers' start-up.

Without it a missing provider package (``langchain-openai`` for ``openai:...``) shows only as one failed
draft after another.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register

EXTRAS_HINT = (
    "Install the provider's LangChain package: pip install -e '.[openai]' (or '.[anthropic]', "
    "'.[ollama]'), or the package the message names for another provider."
)


@register()
def check_llm_model(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Build the configured chat model once (no model call), the way every draft does."""
    if not settings.LLM_MODEL:
        return []
    from drafts.llm import build_chat_model

    where = f"LLM_MODEL={settings.LLM_MODEL!r}"
    try:
        build_chat_model()
    except ImportError as exc:
        return [Error(f"{where}: {exc}", hint=EXTRAS_HINT, id="drafts.E001")]
    except ValueError as exc:  # an unknown provider or model name
        return [Error(f"{where} cannot be used: {_first_line(exc)}", id="drafts.E002")]
    except Exception as exc:
        # Credentials may reach the workers by other means than this process's environment.
        return [Warning(f"{where} cannot be built here: {_first_line(exc)}", id="drafts.W001")]
    return []


def _first_line(exc: Exception) -> str:
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0] if lines else ''}"[:300]
