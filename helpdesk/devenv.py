"""Write the development settings file ``.env`` that ``make run`` uses and settings read.

Run as ``python -m helpdesk.devenv [PATH]`` (``make run`` does, before anything else): it writes
``DEBUG=1`` and fresh development keys to ``.env`` beside ``manage.py`` unless the file exists, so every
``manage.py`` command in any shell of this checkout runs as ``make run`` does. It imports no Django:
it must work before settings can load. The old fixed development encryption key stays a decryption key,
so secrets stored by an earlier development database still read.
"""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ENV_FILE = Path(__file__).resolve().parent.parent / ".env"
# The key development databases were encrypted with before .env existed (helpdesk/settings.py).
OLD_DEVELOPMENT_FIELD_KEY = "ZGV2ZWxvcG1lbnQtb25seS1rZXktbm90LXNlY3JldCE="


def contents() -> str:
    field_keys = f"{Fernet.generate_key().decode()},{OLD_DEVELOPMENT_FIELD_KEY}"
    return (
        "# Development settings written by `make run` (helpdesk/devenv.py); never use them in production.\n"
        "# Every manage.py command of this checkout reads this file; variables set in the environment win.\n"
        "DEBUG=1\n"
        f"SECRET_KEY=dev-{secrets.token_urlsafe(48)}\n"
        f"FIELD_ENCRYPTION_KEY={field_keys}\n"
    )


def write(path: Path = ENV_FILE) -> bool:
    """Write ``path`` unless it exists; returns whether it was written."""
    if path.exists():
        return False
    path.write_text(contents(), encoding="utf-8")
    path.chmod(0o600)  # it holds keys
    return True


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else ENV_FILE
    if write(path):
        print(f"Wrote {path} (DEBUG=1 and development keys).")
    else:
        print(f"Using {path}.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
