"""Helpers for the settings page tests: a signed-in HTTP client, fake Claude
Code module, a second fake upstream."""
from __future__ import annotations

import re
import sys
import types
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest

from server.settings_page import auth, issue_login_token
from tests.support.fake_upstream import FakeUpstream

REPO = Path(__file__).resolve().parents[3]
SCREENSHOTS = REPO / "build" / "screenshots"
PROVIDER_KEY = "sk-live-SECRET-9f8e7d6c5b4a3210"


def page_secret(response: httpx.Response) -> str:
    """The page secret in the login link's answer (which signin.js moves to
    sessionStorage)."""
    found = re.search(r'<meta name="switchboard-session" content="([\w-]+)">', response.text)
    assert found, response.text
    return found.group(1)


def login(server: Any) -> tuple[dict[str, str], dict[str, str]]:
    """Redeem a fresh token as the page does: (cookies, headers) that make a
    signed-in API call (the cookie and the X-Switchboard-Session secret)."""
    r = httpx.get(server.url + "/settings/login", params={"token": issue_login_token(server.app)})
    assert r.status_code == 200, r.text
    name = auth.cookie_name(server.port)
    return {name: r.cookies[name]}, {auth.SESSION_HEADER: page_secret(r)}


class SettingsClient:
    """An httpx client signed in to a LiveServer's settings page, sending our
    Origin and the page secret, as the page does."""

    def __init__(self, server: Any) -> None:
        self.server = server
        self.http = httpx.Client(base_url=server.url, headers={"origin": server.url}, timeout=30)
        token = issue_login_token(server.app)
        r = self.http.get("/settings/login", params={"token": token}, follow_redirects=False)
        assert r.status_code == 200, r.text
        self.http.headers[auth.SESSION_HEADER] = page_secret(r)
        self.responses: list[httpx.Response] = []

    def call(self, method: str, path: str, body: Any = None, **kw: Any) -> httpx.Response:
        if body is not None:
            kw["json"] = body
        r = self.http.request(method, "/settings/api/" + path, **kw)
        self.responses.append(r)
        return r

    def get(self, path: str) -> Any:
        r = self.call("GET", path)
        assert r.status_code == 200, r.text
        return r.json()

    def close(self) -> None:
        self.http.close()


@pytest.fixture
def signed_in() -> Iterator[Any]:
    clients: list[SettingsClient] = []

    def make(server: Any) -> SettingsClient:
        c = SettingsClient(server)
        clients.append(c)
        return c

    yield make
    for c in clients:
        c.close()


@pytest.fixture
def upstream2() -> Iterator[FakeUpstream]:
    fake = FakeUpstream()
    yield fake
    fake.close()


class FakeClaudeCode:
    """Stands in for tray/claude_code.py (connect/disconnect/is_connected)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, ...]] = []
        self.state: dict[str, str] | None = None

    def module(self) -> types.ModuleType:
        mod = types.ModuleType("tray.claude_code")

        def connect(base_url: str, api_key: str) -> None:
            self.calls.append(("connect", base_url, api_key))
            self.state = {"ANTHROPIC_BASE_URL": base_url, "ANTHROPIC_AUTH_TOKEN": api_key}

        def disconnect() -> None:
            self.calls.append(("disconnect",))
            self.state = None

        def is_connected(*, base_url: str | None = None) -> bool:
            if self.state is None:
                return False
            return base_url is None or self.state["ANTHROPIC_BASE_URL"] == base_url

        mod.connect = connect  # type: ignore[attr-defined]
        mod.disconnect = disconnect  # type: ignore[attr-defined]
        mod.is_connected = is_connected  # type: ignore[attr-defined]
        return mod


@pytest.fixture
def claude_code(monkeypatch: pytest.MonkeyPatch) -> FakeClaudeCode:
    fake = FakeClaudeCode()
    tray = sys.modules.get("tray") or types.ModuleType("tray")
    monkeypatch.setitem(sys.modules, "tray", tray)
    monkeypatch.setitem(sys.modules, "tray.claude_code", fake.module())
    return fake


@pytest.fixture(autouse=True)
def no_claude_code(monkeypatch: pytest.MonkeyPatch) -> None:
    """Never touch the real ~/.claude: without the ``claude_code`` fixture the
    tray module is absent (importing it raises ImportError)."""
    monkeypatch.setitem(sys.modules, "tray.claude_code", None)


def openai_provider(url: str, **extra: Any) -> dict[str, Any]:
    return {"type": "openai", "base_url": url + "/v1", "api_key": "keyring", "models": ["m1", "m2"],
            "name": "Up One", **extra}
