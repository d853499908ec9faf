"""``manage.py migrate`` as the owner role when ``DATABASE_MIGRATE_URL`` is set (docs/deploy.md).

The web and worker processes connect with ``DATABASE_URL`` as a role that owns nothing; migrations
need the owner. With ``DATABASE_MIGRATE_URL`` set, this command runs Django's migrate with the owner's
credentials and then grants the runtime role its privileges on what the migrations made (the audit log:
SELECT and INSERT only). Without it, it is Django's migrate unchanged.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import connections

from helpdesk.management.db_roles import connected_as, grant_runtime_privileges, tables_owned_by


class Command(DjangoMigrate):
    help = (
        DjangoMigrate.help + " Runs as DATABASE_MIGRATE_URL's role when set, then grants DATABASE_URL's role."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        owner = getattr(settings, "DATABASE_MIGRATE", None)
        if not owner or options["database"] != "default":
            super().handle(*args, **options)
            return
        runtime_role = connections["default"].settings_dict["USER"]
        with connected_as(owner) as connection:
            super().handle(*args, **options)
            owned = tables_owned_by(connection, runtime_role)
            if owned:
                raise CommandError(
                    f"The runtime role {runtime_role!r} owns {len(owned)} table(s) (e.g. {owned[0]}); "
                    "reassign them to the owner: REASSIGN OWNED BY <runtime> TO <owner>."
                )
            grant_runtime_privileges(connection, runtime_role)
        if options["verbosity"] >= 1:
            self.stdout.write(f"Granted the runtime role {runtime_role!r} its privileges.")
