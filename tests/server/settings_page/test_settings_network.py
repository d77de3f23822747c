"""The settings page's Network screen API: proxy (with its password in the
keyring only), extra CA file path, timeouts; validation in plain words and
the same Host/Origin/session checks as every other endpoint."""
from __future__ import annotations

import json

import httpx
import pytest

from tests.server.settings_page.conftest import login, openai_provider

PROXY_PASSWORD = "pr0xy-SECRET-pa55word-77"


def base_config(url: str) -> dict:
    return {"providers": {"up": openai_provider(url)}, "routes": {"main": {"default": "up/m1"}},
            "active_route": "main"}


def saved(server) -> dict:
    return json.loads(server.settings.config_path.read_text())


def no_password_anywhere(api, server) -> None:
    for r in api.responses:
        assert PROXY_PASSWORD not in r.text
    assert PROXY_PASSWORD not in server.settings.config_path.read_text()


def test_defaults_are_shown(make_server, signed_in, upstream):
    server = make_server(base_config(upstream.url))
    net = signed_in(server).get("network")
    assert net["proxy"] == {"mode": "system", "url": "", "user": "", "password_saved": False, "problem": ""}
    assert net["ca_file"] == "" and net["ca_status"] == ""
    assert net["timeouts"] == {"connect": None, "first_byte": None, "idle": None}
    assert net["defaults"] == {"connect": 10.0, "first_byte": 120.0, "idle": 180.0}


def test_custom_proxy_with_user_and_password(make_server, signed_in, upstream):
    server = make_server(base_config(upstream.url))
    api = signed_in(server)
    r = api.call("PUT", "network", {"proxy": "custom", "proxy_url": "http://proxy.corp.example:3128",
                                    "proxy_user": "alice", "proxy_password": PROXY_PASSWORD})
    assert r.status_code == 200, r.text
    assert saved(server)["network"]["proxy"] == "http://alice@proxy.corp.example:3128"
    assert server.gateway.config.network.proxy == "http://alice@proxy.corp.example:3128"  # applied, no restart
    assert server.secrets.get("proxy:proxy.corp.example:3128") == PROXY_PASSWORD
    assert r.json()["proxy"] == {"mode": "custom", "url": "http://proxy.corp.example:3128", "user": "alice",
                                 "password_saved": True, "problem": ""}
    # The provider path now names the proxy (without credentials).
    assert server.gateway.proxy_description(server.gateway.config.providers["up"]) in (
        "direct", "via proxy http://proxy.corp.example:3128")  # the fake upstream is local, so direct
    # Saving again without a password keeps the stored one; other fields survive.
    r = api.call("PUT", "network", {"proxy": "custom", "proxy_url": "http://proxy.corp.example:3128",
                                    "proxy_user": "alice", "timeouts": {"first_byte": 300}})
    assert r.status_code == 200, r.text
    assert server.secrets.get("proxy:proxy.corp.example:3128") == PROXY_PASSWORD
    assert saved(server)["network"]["timeouts"] == {"first_byte": 300}
    assert api.get("network")["proxy"]["password_saved"] is True
    no_password_anywhere(api, server)
    # The password can be removed.
    r = api.call("PUT", "network", {"proxy": "custom", "proxy_url": "http://proxy.corp.example:3128",
                                    "proxy_user": "alice", "clear_proxy_password": True})
    assert r.status_code == 200 and r.json()["proxy"]["password_saved"] is False
    assert server.secrets.get("proxy:proxy.corp.example:3128") is None


def test_socks_proxy_default_port_and_bare_address(make_server, signed_in, upstream):
    server = make_server(base_config(upstream.url))
    api = signed_in(server)
    r = api.call("PUT", "network", {"proxy": "custom", "proxy_url": "socks5://socks.example",
                                    "proxy_user": "bob", "proxy_password": PROXY_PASSWORD})
    assert r.status_code == 200, r.text
    assert server.secrets.get("proxy:socks.example:1080") == PROXY_PASSWORD
    r = api.call("PUT", "network", {"proxy": "custom", "proxy_url": "127.0.0.1:7890", "proxy_user": ""})
    assert r.status_code == 200, r.text
    assert saved(server)["network"]["proxy"] == "http://127.0.0.1:7890"
    no_password_anywhere(api, server)


def test_switch_to_none_and_system(make_server, signed_in, upstream):
    cfg = base_config(upstream.url) | {"network": {"proxy": "http://127.0.0.1:7890", "extra": 1}}
    server = make_server(cfg)
    api = signed_in(server)
    assert api.get("network")["proxy"]["mode"] == "custom"
    assert api.call("PUT", "network", {"proxy": "none"}).status_code == 200
    assert saved(server)["network"] == {"proxy": "none", "extra": 1}  # unknown fields survive
    assert server.gateway.config.network.proxy == "none"
    assert api.call("PUT", "network", {"proxy": "system"}).status_code == 200
    assert server.gateway.config.network.proxy == "system"
    assert api.get("network")["proxy"]["mode"] == "system"


@pytest.mark.parametrize("body, code, field", [
    ({"proxy": "custom", "proxy_url": "ftp://proxy.example:21"}, "network_invalid", "proxy_url"),
    ({"proxy": "custom", "proxy_url": "http://"}, "network_invalid", "proxy_url"),
    ({"proxy": "custom", "proxy_url": "http://proxy.example:notaport"}, "bad_proxy_url", "proxy_url"),
    ({"proxy": "custom", "proxy_url": ""}, "proxy_url_required", "proxy_url"),
    ({"proxy": "custom", "proxy_url": f"http://u:{PROXY_PASSWORD}@proxy.example:8080"}, "proxy_password_in_url", "proxy_url"),
    ({"proxy": "custom", "proxy_url": "http://proxy.example:8080", "proxy_password": PROXY_PASSWORD},
     "proxy_password_needs_user", "proxy_user"),
    ({"proxy": "sometimes"}, "bad_field", "proxy"),
])
def test_invalid_proxy_is_explained(make_server, signed_in, upstream, body, code, field):
    server = make_server(base_config(upstream.url))
    api = signed_in(server)
    r = api.call("PUT", "network", body)
    assert r.status_code == 400, r.text
    details = r.json()["error"]["details"]
    assert (details["code"], details["field"]) == (code, field)
    if code == "network_invalid":
        assert "http://" in details["params"]["detail"]  # says what a proxy address looks like
    assert PROXY_PASSWORD not in r.text
    assert not server.settings.config_path.exists()
    assert server.secrets.get("proxy:proxy.example:8080") is None


@pytest.mark.parametrize("value", [0, -5, 3601, "ten", True, [1]])
def test_timeouts_are_validated(make_server, signed_in, upstream, value):
    server = make_server(base_config(upstream.url))
    api = signed_in(server)
    r = api.call("PUT", "network", {"timeouts": {"connect": value}})
    assert r.status_code == 400, r.text
    details = r.json()["error"]["details"]
    assert details["code"] == "network_invalid" and details["field"] == "timeouts.connect"
    assert "seconds" in details["params"]["detail"]
    assert not server.settings.config_path.exists()


def test_timeouts_set_and_reset_to_default(make_server, signed_in, upstream):
    server = make_server(base_config(upstream.url))
    api = signed_in(server)
    r = api.call("PUT", "network", {"timeouts": {"connect": 5, "first_byte": 240.5, "idle": None}})
    assert r.status_code == 200, r.text
    net = server.gateway.config.network
    assert (net.connect, net.first_byte, net.idle) == (5.0, 240.5, 180.0)
    assert r.json()["timeouts"] == {"connect": 5, "first_byte": 240.5, "idle": None}
    r = api.call("PUT", "network", {"timeouts": {"connect": None, "first_byte": ""}})
    assert r.status_code == 200
    assert "timeouts" not in saved(server)["network"]
    assert server.gateway.config.network.connect == 10.0


def test_ca_file_is_loaded_and_never_shown(make_server, signed_in, upstream, tmp_path):
    trustme = pytest.importorskip("trustme")
    server = make_server(base_config(upstream.url))
    api = signed_in(server)
    pem = tmp_path / "corp-root.pem"
    trustme.CA().cert_pem.write_to_path(str(pem))
    fake = tmp_path / "fake.pem"
    fake.write_text("-----BEGIN CERTIFICATE-----\nNOT-SHOWN-MARKER\n-----END CERTIFICATE-----\n")
    garbage = tmp_path / "garbage.pem"
    garbage.write_bytes(b"NOT-SHOWN-MARKER" + bytes(range(256)))
    key_only = tmp_path / "key.pem"
    trustme.CA().private_key_pem.write_to_path(str(key_only))
    for path, code in [(str(tmp_path / "missing.pem"), "ca_missing"), ("corp-root.pem", "ca_not_absolute"),
                       (str(tmp_path), "ca_missing"), (str(fake), "ca_invalid"), (str(garbage), "ca_invalid"),
                       (str(key_only), "ca_invalid")]:
        r = api.call("PUT", "network", {"ca_file": path})
        assert r.status_code == 400 and r.json()["error"]["details"]["code"] == code, r.text
        assert r.json()["error"]["details"]["field"] == "ca_file"
    assert not server.settings.config_path.exists()  # nothing was written
    r = api.call("PUT", "network", {"ca_file": str(pem)})
    assert r.status_code == 200, r.text
    assert saved(server)["network"]["ca_file"] == str(pem)
    assert server.gateway.config.network.ca_file == str(pem)
    view = api.get("network")
    assert view["ca_file"] == str(pem) and view["ca_status"] == "ok"
    pem.write_text(fake.read_text())  # replaced by something else after saving
    assert api.get("network")["ca_status"] == "ca_invalid"
    pem.unlink()
    assert api.get("network")["ca_status"] == "ca_missing"
    assert api.call("PUT", "network", {"ca_file": ""}).status_code == 200
    assert "ca_file" not in saved(server)["network"]
    assert all("NOT-SHOWN-MARKER" not in r.text for r in api.responses)


# -- security ----------------------------------------------------------------------------

@pytest.mark.parametrize("headers", [{}, {"origin": "http://evil.example"}, {"origin": "null"},
                                     {"origin": "http://127.0.0.1:{port}", "sec-fetch-site": "cross-site"}],
                         ids=["missing", "foreign", "null", "cross-site"])
def test_network_put_needs_our_origin(make_server, upstream, headers):
    server = make_server(base_config(upstream.url))
    headers = {k: v.format(port=server.port) for k, v in headers.items()}
    cookies, secret = login(server)
    body = {"proxy": "custom", "proxy_url": "http://evil.example:8080", "proxy_user": "x", "proxy_password": "y"}
    r = httpx.put(server.url + "/settings/api/network", json=body, cookies=cookies, headers=headers | secret)
    assert r.status_code == 403 and r.json()["error"]["details"]["code"] == "bad_origin"
    assert server.gateway.config.network.proxy == "system"
    assert server.secrets.get("proxy:evil.example:8080") is None
    assert not server.settings.config_path.exists()


def test_network_needs_session_and_our_host(make_server, upstream):
    server = make_server(base_config(upstream.url))
    h = {"origin": server.url}
    assert httpx.get(server.url + "/settings/api/network").status_code == 401
    r = httpx.put(server.url + "/settings/api/network", json={"proxy": "none"}, headers=h)
    assert r.status_code == 401
    cookies, secret = login(server)
    # The cookie alone is not a session (a page on another local port gets it).
    assert httpx.put(server.url + "/settings/api/network", json={"proxy": "none"}, cookies=cookies,
                     headers=h).status_code == 401
    h = h | secret
    for method in ("GET", "PUT"):
        r = httpx.request(method, server.url + "/settings/api/network", json={"proxy": "none"}, cookies=cookies,
                          headers=h | {"host": f"evil.example:{server.port}"})
        assert r.status_code == 403 and r.json()["error"]["details"]["code"] == "bad_host"
    assert server.gateway.config.network.proxy == "system"
    r = httpx.put(server.url + "/settings/api/network", json={"proxy": "none"}, cookies=cookies, headers=h)
    assert r.status_code == 200 and server.gateway.config.network.proxy == "none"


@pytest.mark.parametrize("body", [None, [], "x", {"proxy": None}, {"proxy": "custom", "proxy_url": 5},
                                  {"proxy": "custom", "proxy_url": "http://[::1", "proxy_user": "a"},
                                  {"timeouts": "fast"}, {"timeouts": {"connect": {"a": 1}}},
                                  {"ca_file": 7}, {"ca_file": "x" * 5000},
                                  {"proxy": "custom", "proxy_url": "http://a:1", "proxy_user": "u", "proxy_password": "a\nb"}])
def test_odd_bodies_are_4xx(make_server, signed_in, upstream, body):
    server = make_server(base_config(upstream.url))
    r = signed_in(server).call("PUT", "network", body)
    assert 400 <= r.status_code < 500, r.text
