"""Demo knowledge articles for ``seed_demo``."""

from __future__ import annotations

from drafts.defaults import DEMO_ARTICLES
from drafts.models import KnowledgeArticle


def seed_knowledge() -> dict[str, int]:
    created = 0
    for article in DEMO_ARTICLES:
        _, new = KnowledgeArticle.objects.get_or_create(
            title=article["title"], language=article["language"], defaults=article
        )
        created += int(new)
    return {"knowledge articles": created}
