"""Build a warehouse from the sample ledgers in data/sample."""

from __future__ import annotations

import shutil
from pathlib import Path

from warehouse.db import archive_dir, db_path, publish, staged, write_lock

from .load import LoadResult, load_file

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "data" / "sample"
LEDGER_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".csv"}


def sample_files(directory: Path = SAMPLE_DIR) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.suffix.lower() in LEDGER_SUFFIXES)


def build_sample(db: str | Path | None = None, directory: Path = SAMPLE_DIR) -> list[LoadResult]:
    """Load every sample ledger into a new file, then swap it in atomically."""
    live = db_path(db)
    if isinstance(live, Path):
        live.parent.mkdir(parents=True, exist_ok=True)
    with staged(live) as staging:
        results = [load_file(p, db=staging, user="sample") for p in sample_files(directory)]
        if all(r.ok for r in results):
            with write_lock(live):
                shutil.rmtree(archive_dir(live), ignore_errors=True)
                publish(staging, live)
        return results
