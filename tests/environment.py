"""Loaded by pytest before Django settings (``-p tests.environment``): test-only environment defaults.

Values already in the environment win, so ``DATABASE_URL`` from CI selects PostgreSQL.
"""

from __future__ import annotations

import os

# A developer's .env (written by `make run`) must not leak into the tests.
os.environ.setdefault("ENV_FILE", os.devnull)
os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-not-for-production-use-0123456789abcdef")
os.environ.setdefault("FIELD_ENCRYPTION_KEY", "dGVzdHMtb25seS1maWVsZC1rZXktMzItYnl0ZXMhISE=")
# One folder per pytest-xdist worker (media files, the SQLite database): workers never share files.
os.environ.setdefault(
    "VAR_DIR",
    os.path.join(
        os.path.dirname(os.path.dirname(__file__)),
        "var",
        "test",
        os.environ.get("PYTEST_XDIST_WORKER", "main"),
    ),
)
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("STATIC_MANIFEST", "0")
# No DNS in most tests: only trusted Authentication-Results headers are read (none are trusted, so
# ingested mail is "unchecked"); tests of sender authentication switch to "check" against a DNS
# server of their own on 127.0.0.1 (tests/helpdesk/dns_server.py).
os.environ.setdefault("HELPDESK_SENDER_AUTH", "header")
os.environ.setdefault("HELPDESK_BASE_URL", "https://support.nordlager.example")
