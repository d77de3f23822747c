""""Copy Claude Code setup": the two variables as lines that work when pasted
into this platform's shell, and the shell's name for the notification.

Linux/macOS: the login shell from ``$SHELL`` (``export`` for bash, zsh and
other POSIX shells; ``set -gx`` for fish). Windows: PowerShell (the default
terminal's shell), or cmd when ``SWITCHBOARD_SHELL=cmd``. The platform and
environment are injected, so every case is tested on any machine.
"""
from __future__ import annotations

import os
import shlex
import sys
from typing import Mapping

SHELL_ENV = "SWITCHBOARD_SHELL"
NAMES = {"bash": "bash", "zsh": "zsh", "sh": "sh", "fish": "fish", "powershell": "PowerShell", "cmd": "cmd"}


def detect_shell(platform: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    platform = sys.platform if platform is None else platform
    env = os.environ if environ is None else environ
    chosen = env.get(SHELL_ENV, "").strip().lower()
    if chosen in ("pwsh", "powershell"):
        return "powershell"
    if chosen in NAMES:
        return chosen
    if platform == "win32":
        return "powershell"
    shell = os.path.basename(env.get("SHELL", "")).lower()
    if shell == "fish":
        return "fish"
    if shell in ("bash", "zsh"):
        return shell
    return "zsh" if platform == "darwin" and not shell else ("sh" if shell else "bash")


def lines(shell: str, variables: Mapping[str, str]) -> str:
    out = []
    for name, value in variables.items():
        if shell == "fish":
            out.append(f"set -gx {name} {_fish(value)}")
        elif shell == "powershell":
            out.append(f"$env:{name}={_powershell(value)}")
        elif shell == "cmd":
            out.append(f'set "{name}={value}"')  # the quotes keep trailing spaces out of the value
        else:
            out.append(f"export {name}={shlex.quote(value)}")
    return "\n".join(out) + "\n"


def _fish(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _powershell(value: str) -> str:
    if not any(c in value for c in '"$`'):
        return f'"{value}"'
    return "'" + value.replace("'", "''") + "'"


def claude_code_setup(base_url: str, key: str, *, platform: str | None = None,
                      environ: Mapping[str, str] | None = None) -> tuple[str, str]:
    """(text to copy, the shell's display name)."""
    shell = detect_shell(platform, environ)
    text = lines(shell, {"ANTHROPIC_BASE_URL": base_url, "ANTHROPIC_AUTH_TOKEN": key})
    return text, NAMES[shell]
