"""Where the shared real-mail corpora live: ``../shared/corpora`` beside the project root."""

from __future__ import annotations

from pathlib import Path

CORPORA = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora"


def corpus_files(*folders: str) -> list[Path]:
    """Every regular file under the given corpus folders, sorted (licences and READMEs included)."""
    files: list[Path] = []
    for folder in folders:
        files.extend(p for p in (CORPORA / folder).rglob("*") if p.is_file())
    return sorted(files)
