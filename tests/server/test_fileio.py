"""server/fileio.py: private folders and files, and the temp files a kill -9
mid-save leaves behind are removed at start."""
from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

from server.fileio import atomic_write_json, ensure_private_dir, remove_stale_temps

REPO = Path(__file__).resolve().parents[2]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_written_files_and_created_folders_are_private(tmp_path):
    old = os.umask(0o022)
    try:
        path = tmp_path / "new" / "home" / "switchboard.json"
        atomic_write_json(path, {"a": 1})
    finally:
        os.umask(old)
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700 and mode(path.parent.parent) == 0o700
    assert json.loads(path.read_text()) == {"a": 1}


def test_an_existing_folder_keeps_its_mode(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o755)
    ensure_private_dir(shared)
    atomic_write_json(shared / "x.json", {})
    assert mode(shared) == 0o755


def leftovers(folder: Path) -> dict[str, Path]:
    files = {
        "empty temp": folder / ".switchboard.json.ab_cd123",
        "partial temp": folder / ".switchboard.json.zz99yy88",
        "config": folder / "switchboard.json",
        "corrupt copy": folder / "switchboard.json.corrupt-1700000000",
        "other file's temp": folder / ".settings.json.abcd1234",
        "not mkstemp's shape": folder / ".switchboard.json.keep",
        "longer name": folder / ".switchboard.json.abcd12345",
    }
    for name, path in files.items():
        path.write_text("" if name == "empty temp" else '{"providers": {}}' if name == "config" else "{")
    return files


def test_remove_stale_temps_touches_only_temp_files(tmp_path):
    files = leftovers(tmp_path)
    (tmp_path / ".switchboard.json.dir12345").mkdir()  # not a file: left alone
    removed = remove_stale_temps(files["config"])
    assert sorted(removed) == sorted([files["empty temp"], files["partial temp"]])
    assert not files["empty temp"].exists() and not files["partial temp"].exists()
    for name in ("config", "corrupt copy", "other file's temp", "not mkstemp's shape", "longer name"):
        assert files[name].exists(), name
    assert (tmp_path / ".switchboard.json.dir12345").is_dir()


def test_starting_switchboard_removes_temps_left_by_a_kill(tmp_path, make_server):
    home = tmp_path / "home0"  # make_server's first home
    home.mkdir()
    files = leftovers(home)
    server = make_server({})
    assert server.settings.config_path == files["config"]
    assert not files["empty temp"].exists() and not files["partial temp"].exists()
    assert all(files[n].exists() for n in ("config", "corrupt copy", "other file's temp",
                                            "not mkstemp's shape", "longer name"))


def test_kill_9_during_a_save_then_start(tmp_path):
    """A real process killed with SIGKILL while writing its temp file; the
    next start (the real entry point's Gateway) removes what it left."""
    home = tmp_path / "home"
    home.mkdir()
    path = home / "switchboard.json"
    path.write_text('{"providers": {}}')
    writer = subprocess.Popen([sys.executable, "-c", """
import os, sys, tempfile, time
from pathlib import Path
fd, tmp = tempfile.mkstemp(prefix=".switchboard.json.", dir=sys.argv[1])
print(tmp, flush=True)
time.sleep(60)   # killed here, between creating the temp file and the rename
""", str(home)], stdout=subprocess.PIPE, text=True, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    temp = Path(writer.stdout.readline().strip())
    assert temp.exists()
    writer.send_signal(signal.SIGKILL)
    writer.wait(10)
    writer.stdout.close()
    assert temp.exists() and temp.stat().st_size == 0
    env = {**os.environ, "PYTHONPATH": str(REPO), "SWITCHBOARD_HOME": str(home), "SWITCHBOARD_API_KEY": "sk-swb-x"}
    started = subprocess.run([sys.executable, "-c", """
from server.app import create_app
from server.settings import Settings
create_app(Settings.from_env())
"""], env=env, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert started.returncode == 0, started.stderr
    assert not temp.exists()
    assert path.read_text() == '{"providers": {}}'
    assert not list(home.glob(".switchboard.json.*"))


def test_own_private_dir_makes_an_existing_folder_private_and_creates_missing_ones(tmp_path):
    from server.fileio import own_private_dir

    existing = tmp_path / "logs"
    existing.mkdir(mode=0o755)
    os.chmod(existing, 0o755)
    assert own_private_dir(existing) == existing
    assert stat.S_IMODE(existing.stat().st_mode) == 0o700
    fresh = tmp_path / "home" / "claude-code"
    own_private_dir(fresh)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o700
    assert stat.S_IMODE(fresh.parent.stat().st_mode) == 0o700
