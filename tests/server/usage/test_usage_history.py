"""The history writer on its own: batches, retention, problems reported once."""
from __future__ import annotations

import sqlite3
import threading
import time

from server.usage.history import History

from seed import row
from usage_helpers import rows, wait_rows


def test_rows_are_written_by_the_thread_in_batches(tmp_path):
    path = tmp_path / "usage.sqlite3"
    h = History(path, flush_interval=0.2)
    h.start()
    try:
        t0 = time.time()
        for i in range(500):
            h.add(row(t0 + i / 1000))
        found = wait_rows(path, 500, timeout=5)
        assert len(found) == 500
        conn = sqlite3.connect(path)
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        conn.close()
    finally:
        h.close()


def test_add_never_waits_for_the_disk(tmp_path):
    path = tmp_path / "usage.sqlite3"
    h = History(path, flush_interval=10)
    h.start()
    lock = sqlite3.connect(path, timeout=0)
    try:
        time.sleep(0.2)
        lock.execute("BEGIN EXCLUSIVE")  # a reader/writer elsewhere holds the file
        started = time.perf_counter()
        for i in range(10_000):
            h.add(row(time.time()))
        assert time.perf_counter() - started < 0.5  # ~µs each, whatever the disk does
    finally:
        lock.rollback()
        lock.close()
        h.close()
    assert len(rows(path)) == 10_000  # close() wrote what was queued


def test_retention_prunes_old_rows(tmp_path):
    path = tmp_path / "usage.sqlite3"
    now = time.time()
    h = History(path, retention_days=365)
    for days in (100, 91, 89, 1):
        h.add(row(now - days * 86400))
    h.flush()
    h.close()
    assert len(rows(path)) == 4
    h = History(path, retention_days=90)
    h.flush()  # start: prunes
    h.close()
    assert sorted(round((now - r["ts"]) / 86400) for r in rows(path)) == [1, 89]


def test_write_failures_are_reported_once_and_recovery_is_noticed(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    path = blocker / "usage.sqlite3"
    seen: list[str | None] = []
    h = History(path, on_problem=seen.append)
    for _ in range(3):
        h.add(row(time.time()))
        assert h.flush() == 0
    assert len(seen) == 1 and "Usage history is not being saved" in str(seen[0]) and "still served" in str(seen[0])
    blocker.unlink()
    h.add(row(time.time()))
    assert h.flush() == 1
    assert seen[-1] is None and h.problem is None
    h.close()


def test_the_file_lives_next_to_the_logs(tmp_path, monkeypatch):
    from server.settings import Settings
    from server.usage.service import history_path

    monkeypatch.setenv("SWITCHBOARD_HOME", str(tmp_path))
    assert history_path(Settings.from_env()) == tmp_path / "usage.sqlite3"
    linux = Settings(home=tmp_path, config_path=tmp_path / "c.json", log_dir=tmp_path / "state" / "switchboard" / "log")
    assert history_path(linux) == tmp_path / "state" / "switchboard" / "usage.sqlite3"
    windows = Settings(home=tmp_path, config_path=tmp_path / "c.json", log_dir=tmp_path / "switchboard" / "Logs")
    assert history_path(windows) == tmp_path / "switchboard" / "usage.sqlite3"


def test_a_full_disk_is_reported_once_and_writing_resumes(tmp_path):
    import os
    import subprocess

    import pytest

    disk = tmp_path / "small-disk"
    disk.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(disk)],
                                           capture_output=True).returncode != 0:
        pytest.skip("needs root to mount a small tmpfs")
    seen: list[str | None] = []
    h = History(disk / "usage.sqlite3", on_problem=seen.append)
    try:
        h.add(row(time.time()))
        assert h.flush() == 1
        filler = disk / "filler"
        with open(filler, "wb", buffering=0) as f:  # fill the disk
            try:
                while True:
                    f.write(b"\0" * 4096)
            except OSError:
                pass
        for _ in range(5):
            for _ in range(200):
                h.add(row(time.time()))
            h.flush()
        assert len(seen) == 1 and "the disk is full" in str(seen[0]), seen
        filler.unlink()
        h.add(row(time.time()))
        assert h.flush() == 1 and seen[-1] is None
        h.close()
        assert 2 <= len(rows(disk / "usage.sqlite3"))
    finally:
        h.close()
        unmounted = subprocess.run(["umount", str(disk)], capture_output=True).returncode == 0
        if not unmounted:
            subprocess.run(["umount", "-l", str(disk)], capture_output=True)
    assert unmounted, "a file handle on the full disk was left open"
