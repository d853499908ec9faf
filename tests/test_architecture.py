"""The layers of docs/architecture.md hold: import-linter checks the contracts in pyproject.toml."""

from __future__ import annotations

from pathlib import Path

import pytest
from importlinter.cli import EXIT_STATUS_ERROR, EXIT_STATUS_SUCCESS, lint_imports

ROOT = Path(__file__).resolve().parent.parent


def test_every_import_follows_the_layers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    assert lint_imports(no_cache=True, no_logo=True) == EXIT_STATUS_SUCCESS


def test_the_check_sees_imports_that_break_a_layer(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The same graph against the layers turned upside down: drafts queues replies through delivery,
    so a contract that puts delivery above drafts must fail (the check is not vacuous)."""
    config = tmp_path / "upside_down.ini"
    config.write_text(
        "[importlinter]\nroot_packages =\n    helpdesk\n    drafts\n    delivery\n    integrations\n\n"
        "[importlinter:contract:upside-down]\nname = upside down\ntype = layers\n"
        "layers =\n    delivery\n    drafts\n"
    )
    monkeypatch.chdir(ROOT)
    assert lint_imports(config_filenames=(str(config),), no_cache=True, no_logo=True) == EXIT_STATUS_ERROR


def test_privacy_sits_above_every_app_it_reads(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """GDPR reads drafts' and delivery's sections: a contract that puts privacy under drafts must fail."""
    config = tmp_path / "privacy_below.ini"
    config.write_text(
        "[importlinter]\nroot_packages =\n    helpdesk\n    drafts\n    delivery\n    privacy\n\n"
        "[importlinter:contract:privacy-below]\nname = privacy below drafts\ntype = layers\n"
        "layers =\n    drafts\n    privacy\n"
    )
    monkeypatch.chdir(ROOT)
    assert lint_imports(config_filenames=(str(config),), no_cache=True, no_logo=True) == EXIT_STATUS_ERROR
