""""Copy Claude Code setup" copies lines that work in this platform's shell (issue 13.5)."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from server.gateway import serving_url
from tray.actions import Actions, Deps
from tray.setup_text import claude_code_setup, detect_shell

URL = "http://127.0.0.1:3457"
KEY = "sk-swb-AbC_d-123"


@pytest.mark.parametrize("platform, environ, shell, expected", [
    ("linux", {"SHELL": "/bin/bash"}, "bash",
     f"export ANTHROPIC_BASE_URL={URL}\nexport ANTHROPIC_AUTH_TOKEN={KEY}\n"),
    ("darwin", {"SHELL": "/bin/zsh"}, "zsh",
     f"export ANTHROPIC_BASE_URL={URL}\nexport ANTHROPIC_AUTH_TOKEN={KEY}\n"),
    ("darwin", {}, "zsh",
     f"export ANTHROPIC_BASE_URL={URL}\nexport ANTHROPIC_AUTH_TOKEN={KEY}\n"),
    ("linux", {"SHELL": "/usr/bin/fish"}, "fish",
     f"set -gx ANTHROPIC_BASE_URL '{URL}'\nset -gx ANTHROPIC_AUTH_TOKEN '{KEY}'\n"),
    ("win32", {"ComSpec": r"C:\Windows\system32\cmd.exe"}, "PowerShell",
     f'$env:ANTHROPIC_BASE_URL="{URL}"\n$env:ANTHROPIC_AUTH_TOKEN="{KEY}"\n'),
    ("win32", {"SWITCHBOARD_SHELL": "cmd"}, "cmd",
     f'set "ANTHROPIC_BASE_URL={URL}"\nset "ANTHROPIC_AUTH_TOKEN={KEY}"\n'),
])
def test_lines_per_platform(platform: str, environ: dict, shell: str, expected: str) -> None:
    text, name = claude_code_setup(URL, KEY, platform=platform, environ=environ)
    assert (text, name) == (expected, shell)
    assert "\nANTHROPIC_" not in "\n" + text  # never a bare NAME=value line, which reaches no program


def test_awkward_keys_stay_literal() -> None:
    key = "it's $HOME `x` \"q\""
    assert claude_code_setup(URL, key, platform="win32", environ={})[0].splitlines()[1] == \
        "$env:ANTHROPIC_AUTH_TOKEN='it''s $HOME `x` \"q\"'"
    assert detect_shell("linux", {"SHELL": "/bin/dash"}) == "sh"


@pytest.mark.parametrize("shell", ["bash", "sh", "zsh", "fish"])
def test_pasted_lines_reach_a_child_program(shell: str, tmp_path: Path) -> None:
    """What "paste into your shell" means: the variables reach a program started after."""
    exe = shutil.which(shell)
    if exe is None:
        pytest.skip(f"{shell} is not installed")
    key = "sk-swb-it's $HOME"
    text, _ = claude_code_setup(URL, key, platform="linux", environ={"SHELL": exe})
    script = text + 'python3 -c "import os; print(os.environ[\'ANTHROPIC_BASE_URL\']); ' \
                    'print(os.environ[\'ANTHROPIC_AUTH_TOKEN\'])"\n'
    out = subprocess.run([exe], input=script, capture_output=True, text=True, timeout=20, env={"PATH": "/usr/bin:/bin"})
    assert out.stdout.splitlines() == [URL, key], out.stderr


def test_copy_action_names_the_shell() -> None:
    class Gw:
        serving_url = "http://127.0.0.1:3457"

        def access_key(self) -> str:
            return KEY

    copied: list[str] = []
    notes: list[str] = []
    deps = Deps(gateway=Gw, port=lambda: 3457, login_page=lambda port: None, proves_instance=lambda port: True,
                open_url=lambda u: True,
                open_folder=lambda p: True, copy_text=lambda t: copied.append(t) or True,
                notify=lambda title, msg: notes.append(msg), autostart=None, log_dir=Path("."),
                use_port=lambda p: None, quit=lambda: None, refresh=lambda: None,
                platform="win32", environ={})
    Actions(deps).run("copy_setup")
    assert copied == [f'$env:ANTHROPIC_BASE_URL="{URL}"\n$env:ANTHROPIC_AUTH_TOKEN="{KEY}"\n']
    assert notes == ["Claude Code setup copied for PowerShell: paste it into PowerShell, then start claude from there"]
    assert serving_url("0.0.0.0", 3457) == URL
