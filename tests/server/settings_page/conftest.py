"""Helpers for the settings page tests: a signed-in HTTP client, Claude Code
in a temporary home, a second fake upstream."""
from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest

from server import claude_code as claude_code_file
from server.settings_page import auth, issue_login_token, login_url
from tests.support.fake_upstream import FakeUpstream

REPO = Path(__file__).resolve().parents[3]
SCREENSHOTS = REPO / "build" / "screenshots"
PROVIDER_KEY = "sk-live-SECRET-9f8e7d6c5b4a3210"
# Debian's Chromium through Playwright (no browser download).
CHROMIUM = os.environ.get("SWITCHBOARD_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


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


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium per test module."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


def open_settings(ctx: Any, server: Any, *, console_errors: bool = False) -> Any:
    """A new page in the browser context ``ctx``, signed in to ``server``
    through a fresh login link. ``page.js_errors`` collects uncaught script
    errors and, with ``console_errors``, console errors too (except the
    "Failed to load resource" lines Chromium logs for expected refusals such
    as a 409 or 401)."""
    page = ctx.new_page()
    page.set_default_timeout(15000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    if console_errors:
        page.on("console", lambda m: errors.append(m.text)
                if m.type == "error" and not m.text.startswith("Failed to load resource") else None)
    page.js_errors = errors
    page.goto(login_url(server.app, server.port))
    return page


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
def server(make_server: Any, upstream: FakeUpstream) -> Any:
    """A live Switchboard with one provider ("up", its key stored) on the
    fake upstream and one route ("main"). Modules that need another set-up
    define their own ``server``."""
    srv = make_server({"providers": {"up": openai_provider(upstream.url)},
                       "routes": {"main": {"default": "up/m1"}}, "active_route": "main"})
    srv.secrets.set("up", PROVIDER_KEY)
    return srv


@pytest.fixture
def upstream2() -> Iterator[FakeUpstream]:
    fake = FakeUpstream()
    yield fake
    fake.close()


class FakeClaudeCode:
    """Claude Code's real settings file in a temporary home folder; records
    the calls the gateway makes into server/claude_code.py."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.calls: list[tuple[str, ...]] = []

    @property
    def state(self) -> dict[str, str] | None:
        env = claude_code_file.read_env(self.home)
        found = {k: env[k] for k in claude_code_file.KEYS if k in env}
        return found or None

    @state.setter
    def state(self, values: dict[str, str] | None) -> None:
        """Change Claude Code's settings file as a person (or Claude Code) would."""
        path = claude_code_file.settings_path(self.home)
        data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        env = {k: v for k, v in (data.get("env") or {}).items() if k not in claude_code_file.KEYS}
        env.update(values or {})
        data["env"] = env
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data), encoding="utf-8")


@pytest.fixture
def claude_code(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakeClaudeCode:
    fake = FakeClaudeCode(tmp_path / "claude-home")
    monkeypatch.setenv("HOME", str(fake.home))
    monkeypatch.delenv(claude_code_file.DISABLE_ENV, raising=False)
    connect, disconnect = claude_code_file.connect, claude_code_file.disconnect

    def recording_connect(base_url: str, api_key: str, **kw: Any) -> Any:
        fake.calls.append(("connect", base_url, api_key))
        return connect(base_url, api_key, **kw)

    def recording_disconnect(**kw: Any) -> None:
        fake.calls.append(("disconnect",))
        disconnect(**kw)

    monkeypatch.setattr(claude_code_file, "connect", recording_connect)
    monkeypatch.setattr(claude_code_file, "disconnect", recording_disconnect)
    return fake


@pytest.fixture(autouse=True)
def no_claude_code(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Never touch the real ~/.claude: HOME is a temporary folder, and without
    the ``claude_code`` fixture Claude Code support is off
    (``SWITCHBOARD_CLAUDE_CODE=off``)."""
    monkeypatch.setenv("HOME", str(tmp_path / "no-claude-home"))
    monkeypatch.setenv(claude_code_file.DISABLE_ENV, "off")


def openai_provider(url: str, **extra: Any) -> dict[str, Any]:
    return {"type": "openai", "base_url": url + "/v1", "api_key": "keyring", "models": ["m1", "m2"],
            "name": "Up One", **extra}


def pytest_configure(config: Any) -> None:
    """Browser assertions wait up to 15 s (Playwright's default is 5 s): CI
    shares two cores with llama-server and the packaged-app build, and a
    slow machine must not read as a broken page."""
    try:
        from playwright.sync_api import expect
    except ImportError:
        return
    expect.set_options(timeout=15_000)
