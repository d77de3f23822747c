"""How the tray opens the settings page: never with the token on a command line.

A browser's arguments are readable by other users (``/proc/<pid>/cmdline``),
so the tray never hands it ``/settings/login?token=…``. It issues the token
in-process and writes it into a 0600 file that redirects to the login link
(``server.settings_page.launch``), and opens that file's path. The file is
deleted once the token is redeemed or expired. Before any of it, the address
must prove it is this instance (``server.instance.proves_instance``): a
program holding the port never receives a token.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

LOGIN_PATH = "/settings/login"
PAGE_PATH = "/settings"


def login_page(app: Any, port: int, home: Path, screen: str = "") -> str | None:
    """A ``file://`` address that signs the browser in to ``port``'s settings
    page (on ``screen``, when given), or None in a build without the page."""
    try:
        from server.settings_page.launch import login_file
    except ImportError:
        return None
    return login_file(app, port, home, screen=screen).as_uri()


def page_url(port: int) -> str:
    """The plain address (no token): the page explains how to sign in."""
    return f"http://127.0.0.1:{port}{PAGE_PATH}"
