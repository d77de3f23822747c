"""The settings page's address, with a one-time login token.

The page (server/settings_page) redeems the token at ``/settings/login`` and
sets a session cookie. ``issue_token`` is the default token source the tray
injects into ``tray.actions.Actions``; without the settings page (a build
that leaves it out) it returns "" and the plain ``/settings`` address is used.
"""
from __future__ import annotations

from typing import Any

LOGIN_PATH = "/settings/login"
PAGE_PATH = "/settings"


def issue_token(app: Any) -> str:
    try:
        from server.settings_page.auth import issue_login_token
    except ImportError:
        return ""
    return issue_login_token(app)


def settings_url(port: int, token: str) -> str:
    if token:
        return f"http://127.0.0.1:{port}{LOGIN_PATH}?token={token}"
    return f"http://127.0.0.1:{port}{PAGE_PATH}"
