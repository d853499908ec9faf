from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from helpdesk.env import env_bool, env_choice, env_float, env_int, env_list, env_secret

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("junk", ["maybe", "2", "yes please", "tru"])
def test_env_bool_rejects_junk_naming_the_variable(monkeypatch: pytest.MonkeyPatch, junk: str) -> None:
    monkeypatch.setenv("SOME_FLAG", junk)
    with pytest.raises(ImproperlyConfigured, match="SOME_FLAG"):
        env_bool("SOME_FLAG", False)


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("off", False), ("TRUE", True), ("", False)])
def test_env_bool_accepts_the_usual_spellings(
    monkeypatch: pytest.MonkeyPatch, raw: str, expected: bool
) -> None:
    monkeypatch.setenv("SOME_FLAG", raw)
    assert env_bool("SOME_FLAG", False) is expected


def test_env_int_rejects_words_and_out_of_range(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT_X", "twenty")
    with pytest.raises(ImproperlyConfigured, match="PORT_X='twenty' is not a whole number"):
        env_int("PORT_X", 1)
    monkeypatch.setenv("PORT_X", "70000")
    with pytest.raises(ImproperlyConfigured, match="above the maximum"):
        env_int("PORT_X", 1, maximum=65535)


@pytest.mark.parametrize("junk", ["nan", "NaN", "inf", "-inf", "Infinity", "1e999"])
def test_env_float_rejects_values_that_are_not_finite(monkeypatch: pytest.MonkeyPatch, junk: str) -> None:
    # float() reads these, and NaN passes every minimum check: a timeout of NaN or infinity would
    # fail every IMAP connection (or the poll schedule) at run time instead of stopping start-up.
    monkeypatch.setenv("SOME_TIMEOUT", junk)
    with pytest.raises(ImproperlyConfigured, match="SOME_TIMEOUT=.* is not a finite number"):
        env_float("SOME_TIMEOUT", 30.0, minimum=1)


def test_env_float_accepts_numbers_at_or_above_the_minimum(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOME_TIMEOUT", "2.5")
    assert env_float("SOME_TIMEOUT", 30.0, minimum=1) == 2.5
    monkeypatch.setenv("SOME_TIMEOUT", "0.5")
    with pytest.raises(ImproperlyConfigured, match="below the minimum"):
        env_float("SOME_TIMEOUT", 30.0, minimum=1)


def test_env_choice_lists_the_allowed_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ERP_X", "oracle")
    with pytest.raises(ImproperlyConfigured, match="demo, http, sql"):
        env_choice("ERP_X", "demo", {"demo", "sql", "http"})


def test_env_list_drops_blanks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOSTS_X", " a.example , ,b.example,")
    assert env_list("HOSTS_X", []) == ["a.example", "b.example"]


def test_env_secret_reads_the_file_variant_first(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    secret_file = tmp_path / "token"
    secret_file.write_text("from-file\n")
    monkeypatch.setenv("TOKEN_X", "from-env")
    monkeypatch.setenv("TOKEN_X_FILE", str(secret_file))
    assert env_secret("TOKEN_X") == "from-file"
    monkeypatch.setenv("TOKEN_X_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match="TOKEN_X_FILE"):
        env_secret("TOKEN_X")


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    # Only what a bare shell has, so nothing the test run itself sets leaks into the checked start-up.
    # No .env either (a developer's, written by `make run`) unless the test names one.
    clean = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    clean["ENV_FILE"] = os.devnull
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )


def test_startup_stops_with_a_message_naming_the_bad_setting() -> None:
    result = _manage({"DEBUG": "1", "EMAIL_PORT": "smtp"}, "check")
    assert result.returncode != 0
    assert "EMAIL_PORT='smtp' is not a whole number" in result.stderr


def test_startup_without_secret_key_in_production_is_refused_in_one_line_that_says_how() -> None:
    result = _manage({"DEBUG": "0", "SECRET_KEY": ""}, "check")
    assert result.returncode != 0
    assert result.stderr.startswith("Configuration error: SECRET_KEY is not set")
    assert "Traceback" not in result.stderr and result.stderr.strip().count("\n") == 0
    assert "make run" in result.stderr and "SECRET_KEY_FILE" in result.stderr


def test_a_second_shell_runs_commands_with_the_env_file_make_run_wrote(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    written = subprocess.run(
        [sys.executable, "-m", "helpdesk.devenv", str(env_file)], capture_output=True, text=True, cwd=ROOT
    )
    assert written.returncode == 0 and "Wrote" in written.stdout
    text = env_file.read_text()
    assert "DEBUG=1" in text and "SECRET_KEY=dev-" in text and "FIELD_ENCRYPTION_KEY=" in text
    assert env_file.stat().st_mode & 0o077 == 0  # keys: readable by the owner only
    # Without the file, a bare shell cannot start; with it, it runs as `make run` does.
    assert _manage({}, "check").returncode != 0
    result = _manage({"ENV_FILE": str(env_file), "VAR_DIR": str(tmp_path)}, "check")
    assert result.returncode == 0, result.stderr
    # Running it again keeps the file (and its keys).
    subprocess.run(
        [sys.executable, "-m", "helpdesk.devenv", str(env_file)], check=True, cwd=ROOT, capture_output=True
    )
    assert env_file.read_text() == text


def test_the_environment_wins_over_the_env_file(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("DEBUG=1\nEMAIL_PORT=smtp\n")
    assert (
        "EMAIL_PORT='smtp'" in _manage({"ENV_FILE": str(env_file), "VAR_DIR": str(tmp_path)}, "check").stderr
    )
    result = _manage({"ENV_FILE": str(env_file), "VAR_DIR": str(tmp_path), "EMAIL_PORT": "2525"}, "check")
    assert result.returncode == 0, result.stderr


def test_database_url_with_unknown_scheme_is_refused() -> None:
    result = _manage({"DEBUG": "1", "DATABASE_URL": "mssql://sa@db/helpdesk"}, "check")
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr


def test_check_deploy_is_clean_with_production_values(tmp_path: Path) -> None:
    production = {
        "DEBUG": "0",
        "SECRET_KEY": "x" * 20 + "-production-like-secret-key-with-enough-entropy-0a9s8d7f6g5h4j3k",
        "FIELD_ENCRYPTION_KEY": "cHJvZHVjdGlvbi1saWtlLWZpZWxkLWtleS0zMmJ5dGU=",
        "ALLOWED_HOSTS": "support.nordlager.example",
        "VAR_DIR": str(tmp_path),
    }
    result = _manage(production, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "x" * 20 + "-production-like-secret-key-with-enough-entropy-0a9s8d7f6g5h4j3k",
    "FIELD_ENCRYPTION_KEY": "cHJvZHVjdGlvbi1saWtlLWZpZWxkLWtleS0zMmJ5dGU=",
    "ALLOWED_HOSTS": "support.nordlager.example",
}


def _one_line_refusal(result: subprocess.CompletedProcess[str], variable: str) -> str:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr  # one line, no traceback
    assert variable in lines[0]
    return lines[0]


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("FIELD_ENCRYPTION_KEY", "not-a-fernet-key"),
        ("FIELD_ENCRYPTION_KEY", "cHJvZHVjdGlvbi1saWtlLWZpZWxkLWtleS0zMmJ5dGU=,short"),
        ("FIELD_ENCRYPTION_KEY", "ZGV2ZWxvcG1lbnQtb25seS1rZXktbm90LXNlY3JldCE="),  # settings.py's dev key
        ("SECRET_KEY", "django-insecure-development-only-never-use-in-production-0123456789"),
        ("TIME_ZONE", "Europe/Stockhlom"),
        ("REDIS_URL", "localhost:6379"),
        ("HELPDESK_DNS_RESOLVER", "dns.example"),
        ("HELPDESK_SENDER_AUTH", "maybe"),
        ("ALLOWED_HOSTS", " , "),
        ("DATABASE_MIGRATE_URL", "sqlite:///tmp/x.sqlite3"),
    ],
)
def test_startup_refuses_settings_that_cannot_work_in_one_line(
    variable: str, value: str, tmp_path: Path
) -> None:
    result = _manage({**PRODUCTION, "VAR_DIR": str(tmp_path), variable: value}, "check")
    _one_line_refusal(result, variable)


def test_a_dkim_key_that_is_no_key_is_refused(tmp_path: Path) -> None:
    dkim = {"DKIM_ENABLED": "1", "DKIM_DOMAIN": "d.example", "DKIM_SELECTOR": "s", "DKIM_PRIVATE_KEY": "x"}
    result = _manage({**PRODUCTION, "VAR_DIR": str(tmp_path), **dkim}, "check")
    _one_line_refusal(result, "DKIM_PRIVATE_KEY")


def test_add_mailbox_outside_make_run_fails_with_one_clear_line(tmp_path: Path) -> None:
    result = _manage({"VAR_DIR": str(tmp_path)}, "add_mailbox", "support", "imaps://u:p@imap.example/INBOX")
    assert "SECRET_KEY is not set" in _one_line_refusal(result, "SECRET_KEY")
    # With development settings but no migrated database: one line too.
    result = _manage(
        {"DEBUG": "1", "VAR_DIR": str(tmp_path)}, "add_mailbox", "s", "imaps://u:p@imap.example/I"
    )
    assert result.returncode != 0
    assert result.stderr.strip().count("\n") == 0 and "migrate" in result.stderr, result.stderr


def test_an_email_backend_that_cannot_be_imported_stops_the_check(tmp_path: Path) -> None:
    result = _manage(
        {"DEBUG": "1", "VAR_DIR": str(tmp_path), "EMAIL_BACKEND": "anymail.backends.nope.X"}, "check"
    )
    assert result.returncode != 0 and "EMAIL_BACKEND='anymail.backends.nope.X'" in result.stderr
