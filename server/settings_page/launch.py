"""Open the settings page without putting the login token on a command line.

A browser is started with the address to open in its arguments, and
arguments are readable by other users (``/proc/<pid>/cmdline``, ``ps``). So
the token goes into a small HTML file instead, in ``<home>/launch/`` (folder
0700, file 0600), that sends the browser on to the login link; the browser
is given the file's path. The file is deleted as soon as its token is
redeemed, or once the token has expired (two minutes), and leftovers from a
crash are removed the next time a file is written.
"""
from __future__ import annotations

import html
import os
import secrets
import threading
import time
from pathlib import Path
from typing import Any

from server.settings_page import auth

LAUNCH_DIR = "launch"
PREFIX = "open-settings-"


def launch_dir(home: Path) -> Path:
    return Path(home) / LAUNCH_DIR


def login_file(app_or_gateway: Any, port: int, home: Path, host: str = "127.0.0.1", screen: str = "") -> Path:
    """Issue a one-time token and write the 0600 file that redirects to its
    login link; returns the file's path (safe to pass to a browser).
    ``screen`` (``claude``, ``sessions``…) is the screen the page opens on."""
    folder = launch_dir(home)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    clean(folder, older_than=auth.TOKEN_TTL)
    path = folder / f"{PREFIX}{secrets.token_hex(8)}.html"
    token = auth.issue_login_token(app_or_gateway, on_spent=lambda: _remove(path))
    fragment = f"#{screen}" if screen.isalnum() else ""
    url = html.escape(f"http://{host}:{port}/settings/login?token={token}{fragment}", quote=True)
    text = ("<!doctype html>\n<html><head><meta charset=\"utf-8\">"
            "<meta name=\"referrer\" content=\"no-referrer\">"
            f"<meta http-equiv=\"refresh\" content=\"0;url={url}\">"
            "<title>Opening Switchboard settings…</title></head>"
            "<body><p>Opening Switchboard settings…</p></body></html>\n")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    # The token's own expiry also deletes the file (on_spent), but only when
    # the token store is next touched: a timer makes it prompt.
    timer = threading.Timer(auth.TOKEN_TTL + 1, auth.sessions_for(app_or_gateway).expire_tokens)
    timer.daemon = True
    timer.start()
    return path


def clean(folder: Path, older_than: float) -> None:
    """Remove launch files older than ``older_than`` seconds (a crash or a
    kill can leave one behind)."""
    try:
        entries = list(Path(folder).glob(PREFIX + "*.html"))
    except OSError:
        return
    now = time.time()
    for path in entries:
        try:
            if now - path.stat().st_mtime > older_than:
                path.unlink()
        except OSError:
            pass


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass
