"""A consistent copy of an SQLite store, for benchmarks that re-resolve people with this
code's rules without writing the database they were given."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def copy_store(path: Path, into: Path) -> Path:
    """Copy the SQLite database at ``path`` into the folder ``into`` and return the copy.
    SQLite's backup reads through the write-ahead log, as a reader would, and opens the
    original read-only."""
    target = into / path.name
    source, copy = sqlite3.connect(f"file:{path}?mode=ro", uri=True), sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        source.close()
        copy.close()
    return target
