#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line
    from django.db import DatabaseError

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as exc:
        # A setting that cannot work: one line naming the variable, not a traceback.
        sys.exit(f"Configuration error: {exc}")
    except DatabaseError as exc:
        if "--traceback" in sys.argv:
            raise
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        sys.exit(f"Database error: {first} (is DATABASE_URL right, and has `manage.py migrate` run?)")


if __name__ == "__main__":
    main()
