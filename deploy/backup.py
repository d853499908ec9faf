"""Back up the helpdesk and restore a backup with proof (run with the application's Python).

    DATABASE_URL=postgres://helpdesk_owner:...@db/helpdesk MEDIA_ROOT=/srv/helpdesk/media \\
        python deploy/backup.py backup /backups
    MEDIA_ROOT=/srv/restored-media python deploy/backup.py restore /backups/helpdesk-20261206T230000Z \\
        postgres://helpdesk_owner:...@db/helpdesk_restored

``backup``: raw mail and the audit log first and on their own (nothing can recreate them), then the
whole database, both from one snapshot, then the attachments; a manifest of counts and content hashes
(``manifest.sql``) computed in that same snapshot; SHA-256 sums of every file. ``restore``: checks the
sums, restores into an empty database, unpacks the attachments, computes the manifest again on the
restored database and compares. Exit status 0 only when everything matched.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import psycopg

HERE = Path(__file__).resolve().parent
FIRST = ("helpdesk_inboundemail", "helpdesk_auditevent")


def manifest(connection: psycopg.Connection) -> str:
    rows = connection.execute((HERE / "manifest.sql").read_text()).fetchall()
    return "".join(f"{table} {count} {digest}\n" for table, count, digest in rows)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def pg_dump(url: str, snapshot: str, target: Path, *options: str) -> None:
    subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
         f"--file={target}", *options, url],
        check=True,
    )  # fmt: skip


def backup(destination: Path, url: str, media: str) -> Path:
    directory = destination / f"helpdesk-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}"
    directory.mkdir(parents=True, mode=0o700)
    with psycopg.connect(url) as connection:
        # One snapshot for both dumps and the manifest: mail arriving meanwhile is in none of them.
        connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = connection.execute("SELECT pg_export_snapshot()").fetchone()[0]  # type: ignore[index]
        tables = [f"--table={name}" for name in FIRST]
        pg_dump(url, snapshot, directory / "mail-and-audit.dump", "--data-only", *tables)
        pg_dump(url, snapshot, directory / "database.dump")
        (directory / "MANIFEST").write_text(manifest(connection))
        connection.rollback()
    files = ["mail-and-audit.dump", "database.dump", "MANIFEST"]
    if media and Path(media).is_dir():
        with tarfile.open(directory / "media.tar.gz", "w:gz") as archive:
            archive.add(media, arcname=".")
        files.append("media.tar.gz")
    sums = "".join(f"{sha256(directory / name)}  {name}\n" for name in files)
    (directory / "SHA256SUMS").write_text(sums)
    return directory


def restore(directory: Path, target: str, media: str) -> list[str]:
    """Restore and verify; returns the problems (empty: everything matched)."""
    for line in (directory / "SHA256SUMS").read_text().splitlines():
        expected, name = line.split("  ", 1)
        if sha256(directory / name) != expected:
            return [f"checksum mismatch: {name}"]
    subprocess.run(
        ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", f"--dbname={target}",
         str(directory / "database.dump")],
        check=True,
    )  # fmt: skip
    if (directory / "media.tar.gz").exists():
        if not media:
            return ["MEDIA_ROOT must name where the attachments go"]
        with tarfile.open(directory / "media.tar.gz") as archive:
            archive.extractall(media, filter="data")
    with psycopg.connect(target) as connection:
        restored = manifest(connection)
    expected = (directory / "MANIFEST").read_text()
    if restored != expected:
        return [f"restored database differs: expected {expected!r}, restored {restored!r}"]
    return []


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("backup").add_argument("destination", type=Path)
    restoring = commands.add_parser("restore")
    restoring.add_argument("directory", type=Path)
    restoring.add_argument("target_url")
    options = parser.parse_args(argv)
    media = os.environ.get("MEDIA_ROOT", "")
    if options.command == "backup":
        url = os.environ.get("DATABASE_URL", "")
        if not url.startswith(("postgres://", "postgresql://")):
            parser.error("DATABASE_URL must name the PostgreSQL database to back up")
        print(backup(options.destination, url, media))
        return 0
    problems = restore(options.directory, options.target_url, media)
    for problem in problems:
        print(f"restore: {problem}", file=sys.stderr)
    if not problems:
        lines = (options.directory / "MANIFEST").read_text().splitlines()
        print(f"restore: verified {len(lines)} tables against {options.directory / 'MANIFEST'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
