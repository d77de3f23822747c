"""server/terminal.py: open Claude Code in a terminal with a route (issue 16
§4). A fake terminal program on PATH records the command line, folder and
environment it was started with; the key must be in the environment only."""
from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path

import pytest

from server import terminal

KEY = "sk-swb-terminal-key-0123456789"
URL = "http://127.0.0.1:3456/r/work"

FAKE = """#!{python}
import json, os, sys
with open({out!r}, "w") as fh:
    json.dump({{"argv": [os.path.basename(sys.argv[0])] + sys.argv[1:], "cwd": os.getcwd(),
               "env": {{k: v for k, v in os.environ.items() if k.startswith("ANTHROPIC_")}}}}, fh)
"""


def fake_bin(tmp_path: Path, *names: str) -> tuple[Path, Path]:
    bindir = tmp_path / "bin"
    bindir.mkdir(exist_ok=True)
    out = tmp_path / "launched.json"
    for name in names:
        script = bindir / name
        script.write_text(FAKE.format(python=sys.executable, out=str(out)))
        script.chmod(0o755)
    return bindir, out


def wait_for(path: Path) -> dict:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if path.exists() and path.stat().st_size:
            try:
                return json.loads(path.read_text())
            except json.JSONDecodeError:
                pass
        time.sleep(0.05)
    raise AssertionError("the fake terminal was not started")


def which_in(bindir: Path):
    return lambda name: shutil.which(name, path=str(bindir))


@pytest.mark.skipif(os.name != "posix", reason="POSIX fake terminal")
@pytest.mark.parametrize("name,argv", [
    ("x-terminal-emulator", ["x-terminal-emulator", "-e", "claude"]),
    ("gnome-terminal", ["gnome-terminal", "--working-directory={folder}", "--", "claude"]),
    ("konsole", ["konsole", "--workdir", "{folder}", "-e", "claude"]),
])
def test_a_linux_terminal_gets_the_folder_and_the_route_in_its_environment(tmp_path, name, argv):
    bindir, out = fake_bin(tmp_path, name, "claude")
    folder = tmp_path / "my project"
    folder.mkdir()
    environ = {"PATH": str(bindir), "ANTHROPIC_API_KEY": "sk-ant-real-should-not-leak", "HOME": str(tmp_path)}
    opened = terminal.open_claude(folder, URL, KEY, platform="linux", which=which_in(bindir), environ=environ)
    assert opened.ok and opened.terminal == name
    seen = wait_for(out)
    assert seen["argv"] == [a.format(folder=folder) for a in argv]
    assert seen["cwd"] == str(folder)
    assert seen["env"] == {"ANTHROPIC_BASE_URL": URL, "ANTHROPIC_AUTH_TOKEN": KEY}
    assert KEY not in json.dumps(seen["argv"])


def test_the_first_terminal_found_wins(tmp_path):
    bindir, out = fake_bin(tmp_path, "konsole", "gnome-terminal", "claude")
    folder = tmp_path / "p"
    folder.mkdir()
    opened = terminal.open_claude(folder, URL, KEY, platform="linux", which=which_in(bindir),
                                  environ={"PATH": str(bindir)})
    assert opened.terminal == "gnome-terminal"
    assert wait_for(out)["argv"][0] == "gnome-terminal"


def test_no_terminal_found_gives_the_command_to_copy(tmp_path):
    bindir, out = fake_bin(tmp_path, "claude")
    folder = tmp_path / "my project"
    folder.mkdir()
    opened = terminal.open_claude(folder, URL, KEY, platform="linux", which=which_in(bindir),
                                  environ={"PATH": str(bindir)})
    assert not opened.ok and opened.problem == "no_terminal"
    assert opened.command == f"cd '{folder}' && ANTHROPIC_BASE_URL={URL} ANTHROPIC_AUTH_TOKEN={KEY} claude"
    assert not out.exists()


def test_no_claude_found_says_so(tmp_path):
    bindir, out = fake_bin(tmp_path, "x-terminal-emulator")
    opened = terminal.open_claude(tmp_path, URL, KEY, platform="linux", which=which_in(bindir),
                                  environ={"PATH": str(bindir)})
    assert (opened.ok, opened.problem) == (False, "no_claude")
    assert not out.exists()


class Spawned:
    calls: list = []

    def __init__(self, argv, **kw):
        Spawned.calls.append((argv, kw))
        self.returncode = 0
        self.input = None

    def communicate(self, data, timeout=None):
        self.input = data
        Spawned.calls[-1][1]["input"] = data
        return b"", b""


def test_macos_uses_terminal_through_applescript_and_the_keychain(tmp_path):
    Spawned.calls = []
    opened = terminal.open_claude(tmp_path, URL, KEY, platform="darwin", which=lambda n: "/usr/bin/" + n,
                                  spawn=Spawned, environ={})
    assert opened.ok and opened.terminal == "osascript"
    [(argv, kw)] = Spawned.calls
    assert argv == ["osascript"]  # the script goes on standard input
    script = kw["input"].decode()
    assert 'tell application "Terminal"' in script and "do script" in script
    assert f"cd {tmp_path}" in script and URL in script
    assert "security find-generic-password -s switchboard -a local-access-key -w" in script
    assert KEY not in script and KEY not in json.dumps(argv)
    # A key fixed by SWITCHBOARD_API_KEY is not in the keychain: copy the command instead.
    opened = terminal.open_claude(tmp_path, URL, KEY, platform="darwin", which=lambda n: "/usr/bin/" + n,
                                  spawn=Spawned, environ={}, key_in_keychain=False)
    assert opened.problem == "no_terminal" and KEY in opened.command


def test_windows_prefers_windows_terminal_then_cmd(tmp_path):
    Spawned.calls = []
    found = {"claude.cmd", "wt", "cmd"}
    opened = terminal.open_claude(tmp_path, URL, KEY, platform="win32", spawn=Spawned, environ={"PATH": "x"},
                                  which=lambda n: n if n in found else None)
    assert opened.terminal == "wt"
    argv, kw = Spawned.calls[-1]
    assert argv == ["wt", "-d", str(tmp_path), "cmd", "/k", "claude"]
    assert kw["env"]["ANTHROPIC_AUTH_TOKEN"] == KEY and KEY not in argv
    found.discard("wt")
    opened = terminal.open_claude(tmp_path, URL, KEY, platform="win32", spawn=Spawned, environ={"PATH": "x"},
                                  which=lambda n: n if n in found else None)
    assert opened.terminal == "cmd"
    assert Spawned.calls[-1][0] == ["cmd", "/c", "start", "Claude Code", "/D", str(tmp_path), "cmd", "/k", "claude"]
    assert terminal.copy_command("C:\\p", URL, KEY, windows=True).startswith('cd /d "C:\\p" && set ')
