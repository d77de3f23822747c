"""Who may use the settings page: login tokens, sessions, Host and Origin
checks, static files, and fuzzed bodies that must never cause a 5xx."""
from __future__ import annotations

import json
import re

import httpx
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from server.settings_page import auth, issue_login_token, login_url
from tests.server.settings_page.conftest import PROVIDER_KEY, login, page_secret


def cookie_for(server) -> dict[str, str]:
    return login(server)[0]


# -- login tokens ---------------------------------------------------------------------

def test_login_sets_a_strict_httponly_random_cookie(server):
    r = httpx.get(server.url + "/settings/login", params={"token": issue_login_token(server.app)})
    assert r.status_code == 200 and "location" not in r.headers
    assert '<script src="/settings/static/signin.js">' in r.text
    assert len(page_secret(r)) >= 40
    header = r.headers["set-cookie"]
    assert "HttpOnly" in header and "SameSite=Strict" in header and "Path=/settings" in header
    assert "Max-Age" not in header and "Expires" not in header  # ends with the browser session
    value = r.cookies[auth.cookie_name(server.port)]
    assert len(value) >= 40
    assert cookie_for(server)[auth.cookie_name(server.port)] != value


def test_login_url_for_the_tray(server):
    url = login_url(server.app, server.port)
    assert re.fullmatch(rf"http://127\.0\.0\.1:{server.port}/settings/login\?token=[\w-]{{40,}}", url)
    with httpx.Client() as client:
        r = client.get(url)
        assert r.status_code == 200 and "static/signin.js" in r.text
        r = client.get(server.url + "/settings/")  # where signin.js goes next
        assert r.status_code == 200 and "static/core.js" in r.text


def test_token_accepts_gateway_too(server):
    token = issue_login_token(server.gateway)
    r = httpx.get(server.url + "/settings/login", params={"token": token})
    assert r.status_code == 200
    # ...and makes a session that works like one from the app's token.
    cookies = {auth.cookie_name(server.port): r.cookies[auth.cookie_name(server.port)]}
    state = httpx.get(server.url + "/settings/api/state", cookies=cookies,
                      headers={auth.SESSION_HEADER: page_secret(r)})
    assert state.status_code == 200 and state.json()["active_route"] == "main", state.text


def test_token_works_once(server):
    token = issue_login_token(server.app)
    assert httpx.get(server.url + "/settings/login", params={"token": token}).status_code == 200
    r = httpx.get(server.url + "/settings/login", params={"token": token})
    assert r.status_code == 403
    assert "set-cookie" not in r.headers
    assert "expired" in r.text


def test_token_expires_after_two_minutes(server):
    token = issue_login_token(server.app)
    store = auth.sessions_for(server.app)
    real = store._clock
    store._clock = lambda: real() + auth.TOKEN_TTL + 1
    try:
        r = httpx.get(server.url + "/settings/login", params={"token": token})
    finally:
        store._clock = real
    assert r.status_code == 403 and "set-cookie" not in r.headers


@pytest.mark.parametrize("query", ["", "?token=", "?token=guess", "?token=" + "A" * 43, "?token=" + "x" * 5000])
def test_missing_or_wrong_token(server, query):
    r = httpx.get(server.url + "/settings/login" + query)
    assert r.status_code == 403 and "set-cookie" not in r.headers


def test_without_session_nothing_is_served(server):
    r = httpx.get(server.url + "/settings/")
    assert r.status_code == 401
    assert "core.js" not in r.text and "expired" in r.text
    for path in ("state", "activity", "claude-code"):
        r = httpx.get(f"{server.url}/settings/api/{path}")
        assert r.status_code == 401
        assert r.json()["error"]["details"]["code"] == "no_session"
    bad = {auth.cookie_name(server.port): "forged-session-value"}
    assert httpx.get(server.url + "/settings/api/state", cookies=bad).status_code == 401
    # The access key page in particular stays closed.
    assert "sk-swb" not in httpx.get(server.url + "/settings/api/claude-code").text


def test_session_idles_out_and_logout_ends_it(server):
    cookies, secret = login(server)
    assert httpx.get(server.url + "/settings/api/state", cookies=cookies, headers=secret).status_code == 200
    store = auth.sessions_for(server.app)
    real = store._clock
    store._clock = lambda: real() + auth.SESSION_IDLE + 1
    try:
        assert httpx.get(server.url + "/settings/api/state", cookies=cookies, headers=secret).status_code == 401
    finally:
        store._clock = real
    cookies, secret = login(server)
    r = httpx.post(server.url + "/settings/api/logout", cookies=cookies, headers={"origin": server.url} | secret)
    assert r.status_code == 200
    assert httpx.get(server.url + "/settings/api/state", cookies=cookies, headers=secret).status_code == 401


# -- Host (DNS rebinding) ----------------------------------------------------------------

@pytest.mark.parametrize("host", ["evil.example:{port}", "evil.example", "127.0.0.1:1", "localhost",
                                  "127.0.0.1", "127.0.0.1.nip.io:{port}", "[::1]:{port}", ""])
def test_wrong_host_is_refused(server, host):
    cookies = cookie_for(server)
    host = host.format(port=server.port)
    for path in ("/settings/", "/settings/api/state", "/settings/static/core.js"):
        r = httpx.get(server.url + path, cookies=cookies, headers={"host": host})
        assert r.status_code == 403, (path, r.status_code)
        assert r.json()["error"]["details"]["code"] == "bad_host"
    token = issue_login_token(server.app)
    r = httpx.get(server.url + "/settings/login", params={"token": token}, headers={"host": host})
    assert r.status_code == 403 and "set-cookie" not in r.headers
    # A refused request does not spend the token.
    assert httpx.get(server.url + "/settings/login", params={"token": token}).status_code == 200


def test_localhost_host_is_accepted(server):
    r = httpx.get(f"http://localhost:{server.port}/settings/login",
                  params={"token": issue_login_token(server.app)})
    assert r.status_code == 200 and "set-cookie" in r.headers


# -- Origin (CSRF) ---------------------------------------------------------------------------

STATE_CHANGING = [
    ("POST", "providers", {"preset": "openai", "api_key": "x"}),
    ("PUT", "providers/up", {"name": "pwned"}),
    ("DELETE", "providers/up", None),
    ("PUT", "routes/evil", {"default": "up/m1"}),
    ("POST", "active-route", {"id": "main"}),
    ("POST", "access-key/regenerate", None),
    ("POST", "test", {"id": "up"}),
    ("POST", "setup", {"preset": "openai", "model": "gpt-5", "api_key": "x"}),
    ("PUT", "network", {"proxy": "none"}),
]


@pytest.mark.parametrize("headers", [
    {},                                                      # no Origin at all
    {"origin": "http://evil.example"},
    {"origin": "null"},
    {"origin": "http://127.0.0.1:1"},
    {"origin": "https://127.0.0.1:{port}"},
    {"origin": "http://127.0.0.1:{port}", "sec-fetch-site": "cross-site"},
    {"origin": "http://127.0.0.1:{port}", "sec-fetch-site": "same-site"},
], ids=["missing", "foreign", "null", "other-port", "https", "cross-site", "same-site"])
def test_foreign_origin_cannot_change_anything(server, upstream, headers):
    cookies, secret = login(server)
    before = json.dumps(server.gateway.config.raw, sort_keys=True)
    headers = {k: v.format(port=server.port) for k, v in headers.items()} | secret
    for method, path, body in STATE_CHANGING:
        r = httpx.request(method, f"{server.url}/settings/api/{path}", json=body, cookies=cookies, headers=headers)
        assert r.status_code == 403, (method, path)
        assert r.json()["error"]["details"]["code"] == "bad_origin"
    assert json.dumps(server.gateway.config.raw, sort_keys=True) == before
    assert not server.settings.config_path.exists()
    assert upstream.requests == []


def test_own_origin_may_change(server):
    cookies, secret = login(server)
    r = httpx.post(server.url + "/settings/api/active-route", json={"id": "main"},
                   cookies=cookies, headers={"origin": server.url, "sec-fetch-site": "same-origin"} | secret)
    assert r.status_code == 200


# -- headers, files, secrets ------------------------------------------------------------------

def test_security_headers(server):
    r = httpx.get(server.url + "/settings/", cookies=cookie_for(server))
    assert r.status_code == 200
    csp = r.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["cache-control"] == "no-store"
    assert "http://" not in r.text.replace("http://127.0.0.1", "")  # no CDN, nothing remote


@pytest.mark.parametrize("name", ["..%2Froutes.py", "..%2F..%2Fconfig.py", "routes.py", "index.html",
                                  "%2Fetc%2Fpasswd", "strings.js%00.css", "app.js.map"])
def test_static_serves_only_its_own_files(server, name):
    r = httpx.get(f"{server.url}/settings/static/{name}", cookies=cookie_for(server))
    assert r.status_code == 404
    assert "import" not in r.text and "root:" not in r.text


def test_static_assets_have_types(server):
    for name, ctype in [("core.js", "text/javascript"), ("app.css", "text/css"), ("strings.js", "text/javascript"),
                        ("icon.svg", "image/svg+xml")]:
        r = httpx.get(f"{server.url}/settings/static/{name}")
        assert r.status_code == 200 and r.headers["content-type"].startswith(ctype)


def test_provider_key_never_leaves(server, upstream):
    cookies, secret = login(server)
    h = {"origin": server.url} | secret
    texts = [httpx.get(f"{server.url}/settings/api/{p}", cookies=cookies, headers=secret).text
             for p in ("state", "activity", "claude-code")]
    upstream.queue(httpx_json_error(401, f"Incorrect API key provided: {PROVIDER_KEY}"))
    texts.append(httpx.post(server.url + "/settings/api/test", json={"id": "up"}, cookies=cookies, headers=h).text)
    texts.append(httpx.put(server.url + "/settings/api/providers/up", json={"api_key": PROVIDER_KEY},
                           cookies=cookies, headers=h).text)
    texts.append(httpx.get(server.url + "/settings/api/state", cookies=cookies, headers=secret).text)
    for text in texts:
        assert PROVIDER_KEY not in text
        assert PROVIDER_KEY[3:-4] not in text
    assert PROVIDER_KEY not in server.settings.config_path.read_text()
    assert "sk-…3210" in texts[-1]


def httpx_json_error(status: int, message: str):
    from tests.support.fake_upstream import json_script

    return json_script({"error": {"message": message}}, status=status)


# -- fuzzing --------------------------------------------------------------------------------

FIELDS = ["id", "preset", "type", "base_url", "name", "api_key", "models", "model", "clear_key", "default",
          "opus", "sonnet", "haiku", "think", "long_context", "image", "web_search", "fallback",
          "long_context_threshold", "activate", "profile", "headers",
          "proxy", "proxy_url", "proxy_user", "proxy_password", "clear_proxy_password", "ca_file", "timeouts"]
json_leaf = st.one_of(st.none(), st.booleans(), st.integers(-2**63, 2**64), st.floats(allow_nan=False, allow_infinity=False),
                      st.text(max_size=30),
                      st.sampled_from(["openai", "ollama", "custom-openai", "gemini", "anthropic", "up", "main",
                                       "up/m1", "nobody/m1", "up/", "/m1", "http://127.0.0.1:1/v1", "keyring",
                                       "env:HOME", "..", "../../etc/passwd", "\x00", "é" * 5]))
json_value = st.recursive(json_leaf, lambda inner: st.lists(inner, max_size=4)
                          | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)
bodies = st.one_of(
    json_value,
    st.dictionaries(st.sampled_from(FIELDS), json_value, max_size=8),
    st.binary(max_size=40),
)
ENDPOINTS = [("POST", "providers"), ("PUT", "providers/{id}"), ("DELETE", "providers/{id}"),
             ("POST", "test"), ("POST", "models"), ("PUT", "routes/{id}"), ("DELETE", "routes/{id}"),
             ("POST", "active-route"), ("POST", "setup"), ("GET", "state"), ("GET", "activity"),
             ("GET", "claude-code"), ("POST", "claude-code/{id}"), ("GET", "network"), ("PUT", "network")]
ids = st.one_of(st.sampled_from(["up", "main", "openai", "x" * 70, "a.b", "-bad", "connect", "disconnect"]),
                st.text(alphabet="abc-_.%2F", min_size=1, max_size=10))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                    HealthCheck.too_slow])
@given(endpoint=st.sampled_from(ENDPOINTS), rid=ids, body=bodies)
def test_fuzzed_bodies_never_cause_5xx(fuzz_target, endpoint, rid, body):
    server, client = fuzz_target
    method, path = endpoint
    path = path.format(id=rid)
    if isinstance(body, bytes):
        r = client.request(method, f"/settings/api/{path}", content=body,
                           headers={"content-type": "application/json"})
    else:
        r = client.request(method, f"/settings/api/{path}", json=body)
    assert r.status_code < 500, (method, path, body, r.text)
    assert PROVIDER_KEY not in r.text


@pytest.fixture
def fuzz_target(server, upstream):
    from tests.support.fake_upstream import json_script

    upstream.default = json_script({"error": {"message": "nope"}}, status=400)
    cookies, secret = login(server)
    client = httpx.Client(base_url=server.url, headers={"origin": server.url} | secret, timeout=30,
                          cookies=cookies)
    yield server, client
    client.close()
