"""Open Claude Code in a terminal with a route (issue 16 §4).

A terminal window in the chosen folder runs ``claude`` with the route's
address (``ANTHROPIC_BASE_URL``) and Switchboard's access key
(``ANTHROPIC_AUTH_TOKEN``) in its environment. The key never appears on a
command line (a process list shows those): it travels in the environment,
or on macOS the new shell reads it from the keychain itself.

* Linux: the first of ``x-terminal-emulator``, ``gnome-terminal``,
  ``konsole``, ``xfce4-terminal``, ``xterm`` found on PATH.
* macOS: Terminal, driven by AppleScript (``osascript``, the script on its
  standard input).
* Windows: Windows Terminal (``wt``), else a ``cmd`` window (``start``).

When no terminal (or no ``claude``) is found, nothing is started and the
result carries the command to copy instead. Everything outside (PATH look-up,
starting processes, the platform) is injectable for tests.
"""
from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

from server.secrets import ACCESS_KEY_ENTRY, SERVICE

LINUX_TERMINALS = ("x-terminal-emulator", "gnome-terminal", "konsole", "xfce4-terminal", "xterm")


@dataclass(frozen=True)
class Opened:
    ok: bool
    terminal: str | None = None   # the terminal started
    problem: str | None = None    # no_terminal, no_claude, no_folder, failed
    command: str = ""             # what to paste into a terminal instead (holds the key: shown only on request)


def _linux_argv(terminal: str, folder: str, claude: str) -> list[str]:
    if terminal == "gnome-terminal":
        return [terminal, f"--working-directory={folder}", "--", claude]
    if terminal == "konsole":
        return [terminal, "--workdir", folder, "-e", claude]
    if terminal == "xfce4-terminal":
        return [terminal, f"--working-directory={folder}", "-x", claude]
    return [terminal, "-e", claude]


def copy_command(folder: str, base_url: str, key: str, *, windows: bool = False) -> str:
    if windows:
        return (f'cd /d "{folder}" && set "ANTHROPIC_BASE_URL={base_url}" && '
                f'set "ANTHROPIC_AUTH_TOKEN={key}" && claude')
    return (f"cd {shlex.quote(folder)} && ANTHROPIC_BASE_URL={shlex.quote(base_url)} "
            f"ANTHROPIC_AUTH_TOKEN={shlex.quote(key)} claude")


def _applescript(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def macos_script(folder: str, base_url: str) -> str:
    """The AppleScript for Terminal: the shell reads the key from the
    keychain, so neither the script nor the window's command line holds it."""
    read_key = f"$(security find-generic-password -s {SERVICE} -a {ACCESS_KEY_ENTRY} -w)"
    shell = (f"cd {shlex.quote(folder)} && ANTHROPIC_BASE_URL={shlex.quote(base_url)} "
             f"ANTHROPIC_AUTH_TOKEN=\"{read_key}\" claude")
    return f'tell application "Terminal"\n  activate\n  do script {_applescript(shell)}\nend tell\n'


def open_claude(folder: str | Path, base_url: str, key: str, *, platform: str | None = None,
                which: Callable[[str], str | None] = shutil.which,
                spawn: Callable[..., Any] = subprocess.Popen,
                environ: Mapping[str, str] | None = None,
                key_in_keychain: bool = True) -> Opened:
    platform = platform or sys.platform
    windows = platform.startswith("win")
    folder = str(folder)
    command = copy_command(folder, base_url, key, windows=windows)
    if not Path(folder).is_dir():
        return Opened(False, problem="no_folder", command=command)
    env = {k: v for k, v in (os.environ if environ is None else environ).items() if k != "ANTHROPIC_API_KEY"}
    env.update(ANTHROPIC_BASE_URL=base_url, ANTHROPIC_AUTH_TOKEN=key)
    if platform == "darwin":
        if not key_in_keychain or which("osascript") is None:
            return Opened(False, problem="no_terminal", command=command)
        return _start([["osascript"]], folder, env, spawn, stdin=macos_script(folder, base_url), command=command)
    if which("claude") is None and which("claude.exe") is None and which("claude.cmd") is None:
        return Opened(False, problem="no_claude", command=command)
    candidates: list[list[str]] = []
    if windows:
        if which("wt") is not None:
            candidates.append(["wt", "-d", folder, "cmd", "/k", "claude"])
        candidates.append(["cmd", "/c", "start", "Claude Code", "/D", folder, "cmd", "/k", "claude"])
    else:
        for name in LINUX_TERMINALS:
            if which(name) is not None:
                candidates.append(_linux_argv(name, folder, "claude"))
    if not candidates:
        return Opened(False, problem="no_terminal", command=command)
    return _start(candidates, folder, env, spawn, command=command)


def _start(candidates: list[list[str]], folder: str, env: dict[str, str], spawn: Callable[..., Any],
           *, stdin: str | None = None, command: str) -> Opened:
    for argv in candidates:
        try:
            proc = spawn(argv, cwd=folder, env=env, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         **({"start_new_session": True} if os.name == "posix" else {}))
        except OSError:
            continue
        if stdin is not None:
            try:
                proc.communicate(stdin.encode(), timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                return Opened(False, problem="failed", command=command)
            if proc.returncode:
                return Opened(False, problem="failed", command=command)
        return Opened(True, terminal=argv[0])
    return Opened(False, problem="failed", command=command)
