"""server/logs.py: private files, escaped values, and a deleted folder is
recreated (issue 14)."""
from __future__ import annotations

import logging
import os
import shutil
import stat
import sys
import time

import pytest

from server import logs


@pytest.fixture
def file_logging(tmp_path, monkeypatch):
    root = logging.getLogger()
    before = list(root.handlers)
    monkeypatch.setattr(logs, "_CHECK_EVERY", 0.0, raising=False)  # check on every record
    folder = tmp_path / "logs"
    path = logs.setup_file_logging(folder)
    yield folder, path
    for handler in root.handlers[:]:
        if handler not in before:
            root.removeHandler(handler)
            handler.close()


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
def test_folder_is_0700_and_files_0600(file_logging):
    folder, path = file_logging
    logging.getLogger("switchboard").warning("hello")
    assert _mode(folder) == 0o700
    assert _mode(path) == 0o600


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
def test_existing_open_files_are_made_private(tmp_path):
    folder = tmp_path / "old"
    folder.mkdir(mode=0o755)
    old = folder / "switchboard.log"
    old.write_text("before\n")
    os.chmod(old, 0o644)
    os.chmod(folder, 0o755)
    root = logging.getLogger()
    before = list(root.handlers)
    try:
        logs.setup_file_logging(folder)
        assert _mode(folder) == 0o700 and _mode(old) == 0o600
    finally:
        for handler in root.handlers[:]:
            if handler not in before:
                root.removeHandler(handler)
                handler.close()


def test_logging_goes_on_after_the_folder_is_deleted(file_logging):
    folder, path = file_logging
    log = logging.getLogger("switchboard.requests")
    log.info("first")
    shutil.rmtree(folder)
    time.sleep(0.01)
    log.info("second")
    assert path.exists(), "the log folder was not recreated"
    assert "second" in path.read_text()
    if sys.platform != "win32":
        assert _mode(folder) == 0o700 and _mode(path) == 0o600


def test_a_value_with_control_characters_stays_on_one_line(file_logging):
    _, path = file_logging
    logging.getLogger("switchboard.requests").info("model=%s status=%d", "m\nFAKE\r\x00\x7f\u2028x", 200)
    lines = path.read_text().splitlines()
    assert len(lines) == 1
    assert "model=m\\nFAKE\\r\\x00\\x7f\\u2028x status=200" in lines[0]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
def test_a_missing_home_created_for_the_logs_is_private(tmp_path):
    """The log folder sits in the Switchboard home: when logging creates the
    home, the home is 0700 too (it holds the config and the instance file)."""
    root = logging.getLogger()
    before = list(root.handlers)
    home = tmp_path / "fresh-home"
    try:
        logs.setup_file_logging(home / "logs")
        assert _mode(home) == 0o700 and _mode(home / "logs") == 0o700
    finally:
        for handler in root.handlers[:]:
            if handler not in before:
                root.removeHandler(handler)
                handler.close()


def test_a_line_is_formatted_once_and_rotation_counts_its_bytes(file_logging, monkeypatch):
    """Issue 22: the rotating file formats each record once (it used to
    format it twice: to count bytes, then to write) and asks no caller,
    thread or process details, which no format here shows."""
    folder, path = file_logging
    handler = next(h for h in logging.getLogger().handlers if isinstance(h, logs._RotatingFile))
    calls: list[str] = []
    real = handler.formatter.format

    def counted(record):  # type: ignore[no-untyped-def]
        calls.append(record.getMessage())
        return real(record)

    monkeypatch.setattr(handler.formatter, "format", counted)
    before = handler._bytes
    logging.getLogger(logs.REQUEST_LOGGER).info("route=%s status=%d", "main", 200)
    assert calls == ["route=main status=200"]
    line = path.read_text(encoding="utf-8").splitlines()[-1]
    assert line.endswith("INFO switchboard.requests route=main status=200")
    assert handler._bytes - before == len(line) + 1
    assert logging._srcfile is None and not logging.logThreads and not logging.logProcesses
