"""A full disk: a load or rollback says so in Chinese, changes nothing and leaves nothing behind."""

import errno
import os
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

import workbooks as wb
from etl.load import load_file
from warehouse import db as warehouse_db
from warehouse.db import DiskFull, archive_dir
from warehouse.history import rollback

from test_load import content, sha256, signed_file


def leftovers(db: Path) -> list[str]:
    """Everything beside and under the warehouse: archive entries, .part files, temp copies."""
    return sorted(str(p.relative_to(db.parent)) for p in db.parent.rglob("*") if p.name != "in")


def new_file(tmp_path: Path) -> Path:
    return wb.signed_ledger(tmp_path / "new", [("风电项目", "万荣县", 100, date(2024, 5, 2), None)])


@pytest.fixture
def loaded(tmp_path):
    db = tmp_path / "wh" / "warehouse.duckdb"
    assert load_file(signed_file(tmp_path / "in"), db=db, user="测试员").status == "loaded"
    return db


def enospc(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def assert_nothing_changed(db: Path, before: tuple) -> None:
    assert (sha256(db), content(db), leftovers(db)) == before


def snapshot(db: Path) -> tuple:
    return sha256(db), content(db), leftovers(db)


def test_a_full_disk_while_copying_the_warehouse_says_so_and_changes_nothing(tmp_path, loaded, monkeypatch):
    before = snapshot(loaded)
    monkeypatch.setattr(warehouse_db.shutil, "copyfile", enospc)
    with pytest.raises(DiskFull) as failure:
        load_file(new_file(tmp_path), db=loaded)
    assert str(failure.value).startswith("磁盘空间不足，导入未完成，仓库未改动；请清理服务器磁盘（至少需要 ")
    assert "MB" in str(failure.value)
    monkeypatch.undo()
    assert_nothing_changed(loaded, before)


def test_a_full_disk_while_archiving_the_original_leaves_no_part_file(tmp_path, loaded, monkeypatch):
    before = snapshot(loaded)
    real_write = Path.write_bytes

    def half_then_full(self, data):
        if self.name.endswith(".part"):
            real_write(self, data[: len(data) // 2])  # what fitted before the disk filled up
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(self, data)

    monkeypatch.setattr(Path, "write_bytes", half_then_full)
    with pytest.raises(DiskFull, match="磁盘空间不足，导入未完成，仓库未改动"):
        load_file(new_file(tmp_path), db=loaded)
    monkeypatch.undo()
    assert_nothing_changed(loaded, before)


def test_a_load_failing_after_archiving_takes_its_original_out_of_the_archive(tmp_path, loaded, monkeypatch):
    before = snapshot(loaded)
    real_replace = os.replace

    def full_on_publish(src, dst):
        if Path(dst) == loaded:  # the archive is written; publishing the new warehouse fails
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(warehouse_db.os, "replace", full_on_publish)
    with pytest.raises(DiskFull):
        load_file(new_file(tmp_path), db=loaded)
    monkeypatch.undo()
    assert_nothing_changed(loaded, before)
    assert load_file(new_file(tmp_path), db=loaded).status == "loaded"  # the lock was released


def test_an_original_archived_by_an_earlier_load_stays_when_a_reload_fails(tmp_path, loaded, monkeypatch):
    """Rolled back, then loaded again on a full disk: the first load's original is kept."""
    rollback(loaded, 1, "管理员")
    archived = sorted(archive_dir(loaded).rglob("*.*"))
    before = snapshot(loaded)
    monkeypatch.setattr(warehouse_db.os, "fsync", enospc)
    with pytest.raises(DiskFull):
        load_file(signed_file(tmp_path / "again"), db=loaded)
    monkeypatch.undo()
    assert_nothing_changed(loaded, before)
    assert sorted(archive_dir(loaded).rglob("*.*")) == archived


def test_too_little_free_space_is_refused_before_anything_is_written(tmp_path, loaded, monkeypatch):
    before = snapshot(loaded)
    copies = []
    monkeypatch.setattr(warehouse_db.shutil, "copyfile", lambda *a: copies.append(a))
    usage = shutil.disk_usage(loaded.parent)
    monkeypatch.setattr(warehouse_db.shutil, "disk_usage", lambda path: usage._replace(free=3 * 2**20))
    with pytest.raises(DiskFull) as failure:
        load_file(new_file(tmp_path), db=loaded)
    needed = warehouse_db.space_needed(loaded, new_file(tmp_path).stat().st_size)
    assert f"至少需要 {-(-needed // 2**20)} MB，当前可用 3 MB" in str(failure.value)
    assert copies == []
    monkeypatch.undo()
    assert_nothing_changed(loaded, before)


def test_a_rollback_on_a_full_disk_says_the_rollback_did_not_happen(loaded, monkeypatch):
    before = snapshot(loaded)
    monkeypatch.setattr(warehouse_db.shutil, "copyfile", enospc)
    with pytest.raises(DiskFull, match="磁盘空间不足，撤销未完成，仓库未改动"):
        rollback(loaded, 1, "管理员")
    monkeypatch.undo()
    assert_nothing_changed(loaded, before)


# ---------------------------------------------------------------- a real full file system


@pytest.fixture
def tiny_disk(tmp_path):
    """A 24 MB tmpfs mounted for the test (mounting needs root; CI runs as root)."""
    if os.geteuid() != 0:
        # never skipped where it matters: CI runs as root and sets CI
        if os.environ.get("CI"):
            pytest.fail("CI must run as root: this test mounts a tmpfs")
        pytest.skip("mounting a tmpfs needs root")
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


def fill(disk: Path, leave: int) -> None:
    """Take all but `leave` bytes of the disk's free space."""
    free = shutil.disk_usage(disk).free
    with open(disk / "filler", "wb") as f:
        f.truncate(0)
        f.write(b"\0" * max(0, free - leave))


def test_a_load_onto_a_really_full_disk_fails_cleanly(tmp_path, tiny_disk, monkeypatch):
    db = tiny_disk / "warehouse.duckdb"
    assert load_file(signed_file(tmp_path / "in"), db=db, user="测试员").status == "loaded"
    # room for the copy of the database and little more: the load itself runs out of space
    monkeypatch.setattr(warehouse_db, "WRITE_HEADROOM", 0)
    fill(tiny_disk, db.stat().st_size + 64 * 1024)
    before = snapshot(db)
    with pytest.raises(DiskFull, match="磁盘空间不足，导入未完成，仓库未改动；请清理服务器磁盘（至少需要 "):
        load_file(new_file(tmp_path), db=db)
    assert_nothing_changed(db, before)
    (tiny_disk / "filler").unlink()
    assert load_file(new_file(tmp_path), db=db).status == "loaded"


def test_a_load_onto_a_nearly_full_disk_is_refused_up_front(tmp_path, tiny_disk):
    db = tiny_disk / "warehouse.duckdb"
    assert load_file(signed_file(tmp_path / "in"), db=db, user="测试员").status == "loaded"
    fill(tiny_disk, 2 * 2**20)
    before = snapshot(db)
    with pytest.raises(DiskFull, match="当前可用 2 MB"):
        load_file(new_file(tmp_path), db=db)
    assert_nothing_changed(db, before)
