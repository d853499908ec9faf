"""Run a benchmark in a fresh PostgreSQL database next to ``DATABASE_URL``'s (``test_<name>``), dropped
afterwards, as ``bench drafts`` and ``bench quality`` do."""

from __future__ import annotations

import os
from collections.abc import Callable


def in_fresh_database(name: str, run: Callable[[], int]) -> int:
    """Set Django up, create the database, migrate, ``run()``, drop it; 2 when not on PostgreSQL."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        print(f"bench {name} measures PostgreSQL; set DATABASE_URL=postgres://...")
        return 2
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        return run()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
