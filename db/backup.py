"""`run.py backup`: a consistent copy of the SQLite database, safe while the bot runs.

SQLite's online backup API copies the pages under the database's own locks, so
the copy is a snapshot of one committed moment even while the bot writes. (A
plain file copy of a WAL database can miss committed pages still in the -wal
file.) PostgreSQL has its own tool for this: pg_dump.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import make_url

DEFAULT_BACKUP_DIR = Path("data/backups")
PAGES_PER_STEP = 1024


class BackupError(Exception):
    """The backup cannot be made; the message says why, in one line."""


def default_backup_path(now: datetime) -> Path:
    return DEFAULT_BACKUP_DIR / f"zapis-{now:%Y%m%d-%H%M%S}.sqlite3"


def pg_dump_hint(database_url: str) -> str:
    url = make_url(database_url).set(drivername="postgresql")
    return (
        "PostgreSQL is backed up with pg_dump, e.g.: "
        f"pg_dump --format=custom --file=zapis.dump '{url.render_as_string(hide_password=True)}'"
    )


def backup_sqlite(source: Path, target: Path) -> Path:
    """Copy `source` into a new file `target` and return it."""
    if not source.is_file():
        raise BackupError(f"database file {source} does not exist")
    if target.exists():
        raise BackupError(f"{target} already exists; choose another --to")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(partial)) as dst:
            src.backup(dst, pages=PAGES_PER_STEP)
            # One self-contained file: no -wal beside it to forget when copying it away.
            dst.execute("PRAGMA journal_mode=DELETE")
        partial.replace(target)
    except sqlite3.Error as error:
        partial.unlink(missing_ok=True)
        raise BackupError(f"backup failed: {error}") from None
    return target
