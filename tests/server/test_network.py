"""Network settings for real-world networks (issue 10): proxies, TLS trust,
timeouts — each against real servers on 127.0.0.1."""
from __future__ import annotations

import json
import socket
import ssl

import httpx
import pytest

from server.config import ConfigError, parse
from server.network import NetworkSettings, is_local, proxy_for
from server.secrets import MemoryKeyring
from tests.support.fake_upstream import FakeUpstream, json_script, sse_script
from tests.support.live_server import ACCESS_KEY
from tests.support.proxies import HttpProxy, Socks5Proxy

BODY = {"model": "claude-sonnet-5", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]}
COMPLETION = {"id": "c", "object": "chat.completion", "created": 1, "model": "m1",
              "choices": [{"index": 0, "message": {"role": "assistant", "content": "via"}, "finish_reason": "stop"}],
              "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}


def post(srv, body=BODY):
    return httpx.post(srv.url + "/v1/messages", json=body, headers={"x-api-key": ACCESS_KEY}, timeout=20)


def config_for(base_url: str, network: dict | None = None, provider_network: dict | None = None) -> dict:
    provider = {"type": "openai", "base_url": base_url, "api_key": ""}
    if provider_network is not None:
        provider["network"] = provider_network
    cfg = {"providers": {"up": provider}, "routes": {"r": {"default": "up/m1"}}}
    if network is not None:
        cfg["network"] = network
    return cfg


@pytest.fixture
def no_retry_sleep():
    from server.dispatch import Dispatcher

    async def sleep(_):
        return None

    return lambda srv: setattr(srv.gateway, "dispatcher", Dispatcher(sleep=sleep))


# -- proxy selection (pure) ---------------------------------------------------

def test_local_addresses_are_never_proxied():
    settings = NetworkSettings(proxy="http://proxy.corp:8080")
    for url in ("http://127.0.0.1:11434/v1", "http://localhost:1234/v1", "http://[::1]:8080", "http://127.8.9.1/x"):
        assert proxy_for(url, settings, {}) is None, url
    assert proxy_for("https://api.openai.com/v1", settings, {}) == "http://proxy.corp:8080"
    assert proxy_for("https://api.openai.com/v1", settings, {"NO_PROXY": ".openai.com,example.org"}) is None
    assert proxy_for("https://api.openai.com/v1", NetworkSettings(proxy="none"), {}) is None
    assert is_local("localhost") and not is_local("example.com")


def test_system_proxy_follows_the_os_settings_and_bypass_list():
    system = NetworkSettings(proxy="system")
    proxies = lambda: {"https": "http://sys-proxy:3128", "http": "http://sys-proxy:3128"}
    assert proxy_for("https://api.deepseek.com", system, {}, proxies, lambda h: False) == "http://sys-proxy:3128"
    assert proxy_for("https://intranet.corp", system, {}, proxies, lambda h: h == "intranet.corp") is None
    assert proxy_for("https://api.deepseek.com", system, {}, lambda: {}, lambda h: False) is None


@pytest.mark.parametrize("network,message", [
    ({"proxy": "ftp://x:1"}, "network.proxy: use http://"),
    ({"proxy": "http://[::1"}, "not a valid proxy URL"),
    ({"proxy": "http://proxy:port"}, "not a valid proxy URL"),
    ({"proxy": "http://bob:hunter2@proxy:8080"}, "keep the password out of the file"),
    ({"timeouts": {"connect": 0}}, "network.timeouts.connect"),
    ({"timeouts": {"firstbyte": 3}}, "unknown setting 'firstbyte'"),
    ({"ca_file": 5}, "network.ca_file"),
])
def test_bad_network_settings_name_the_field(network, message):
    with pytest.raises(ConfigError, match=message):
        parse(config_for("https://api.example.com/v1", network))


def test_provider_overrides_the_global_section():
    cfg = parse(config_for("https://api.example.com/v1", {"proxy": "http://p:1", "timeouts": {"idle": 30}},
                           {"proxy": "none"}))
    net = cfg.providers["up"].network
    assert net.proxy == "none" and net.idle == 30 and net.first_byte == 120


# -- real proxies -------------------------------------------------------------

@pytest.mark.parametrize("kind", ["http", "socks5"])
def test_requests_go_through_the_configured_proxy(kind, upstream, make_server):
    proxy = HttpProxy() if kind == "http" else Socks5Proxy()
    try:
        # A non-local name: Switchboard must proxy it; the proxy maps it home.
        srv = make_server(config_for(f"http://upstream.example:{upstream.port}/v1", {"proxy": proxy.url}))
        upstream.queue(json_script(COMPLETION))
        r = post(srv)
        assert r.status_code == 200 and r.json()["content"][0]["text"] == "via"
        assert any(f"upstream.example:{upstream.port}" in line for line in proxy.log), proxy.log
    finally:
        proxy.close()


def test_localhost_upstreams_bypass_the_proxy(upstream, make_server):
    proxy = HttpProxy()
    try:
        srv = make_server(config_for(upstream.url + "/v1", {"proxy": proxy.url}))
        upstream.queue(json_script(COMPLETION))
        assert post(srv).status_code == 200
        assert proxy.log == []
    finally:
        proxy.close()


@pytest.mark.parametrize("kind", ["http", "socks5"])
def test_proxy_credentials_come_from_the_keyring(kind, upstream, make_server, no_retry_sleep):
    proxy = HttpProxy("alice", "s3cret pass") if kind == "http" else Socks5Proxy("alice", "s3cret pass")
    try:
        kr = MemoryKeyring()
        url = proxy.url.replace("://", "://alice@")
        cfg = config_for(f"http://upstream.example:{upstream.port}/v1", {"proxy": url})
        wrong = make_server(cfg, keyring=kr)
        no_retry_sleep(wrong)
        kr.set_password("switchboard", f"proxy:127.0.0.1:{proxy.port}", "wrong")
        r = post(wrong)
        assert r.status_code == 500, r.text
        assert r.json()["error"]["message"] == ("Failed to connect to provider up (the proxy refused the "
                                                "connection; check its user name and password)")
        assert proxy.refused and not proxy.log
        assert "wrong" not in r.text and "s3cret" not in json.dumps(cfg)

        kr.set_password("switchboard", f"proxy:127.0.0.1:{proxy.port}", "s3cret pass")
        right = make_server(cfg, keyring=kr)
        upstream.queue(json_script(COMPLETION))
        assert post(right).status_code == 200
        assert proxy.log
    finally:
        proxy.close()


# -- TLS ------------------------------------------------------------------------

@pytest.fixture
def tls_upstream(tmp_path):
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    cert = ca.issue_cert("localhost", "127.0.0.1")
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(ctx)
    fake = FakeUpstream(ssl_context=ctx)
    ca_file = tmp_path / "corporate-root.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    yield fake, ca_file
    fake.close()


def test_unknown_ca_is_rejected_by_default(tls_upstream, make_server, no_retry_sleep):
    fake, _ = tls_upstream
    srv = make_server(config_for(fake.url + "/v1"))
    no_retry_sleep(srv)
    r = post(srv)
    assert r.status_code == 500
    assert r.json()["error"]["message"] == "Failed to connect to provider up (TLS certificate problem)"
    assert not fake.requests


def test_ca_file_per_provider_is_trusted(tls_upstream, make_server):
    fake, ca_file = tls_upstream
    srv = make_server(config_for(fake.url + "/v1", provider_network={"ca_file": str(ca_file)}))
    fake.queue(json_script(COMPLETION))
    r = post(srv)
    assert r.status_code == 200 and len(fake.requests) == 1


def test_ca_installed_in_the_trust_store_is_trusted(tls_upstream, make_server, monkeypatch):
    # OpenSSL's trust store (which truststore uses on Linux) honours SSL_CERT_FILE.
    import certifi

    fake, ca_file = tls_upstream
    bundle = ca_file.parent / "bundle.pem"
    bundle.write_text(open(certifi.where()).read() + ca_file.read_text())
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    srv = make_server(config_for(fake.url + "/v1"))
    fake.queue(json_script(COMPLETION))
    assert post(srv).status_code == 200


def test_a_bad_ca_file_breaks_only_its_provider(tls_upstream, make_server, tmp_path, no_retry_sleep):
    fake, ca_file = tls_upstream
    garbage = tmp_path / "not-a-bundle.pem"
    garbage.write_bytes(b"GARBAGE-MARKER " * 50)
    plain = FakeUpstream()
    try:
        srv = make_server({
            "providers": {
                "broken": {"type": "openai", "base_url": fake.url + "/v1", "api_key": "",
                           "network": {"ca_file": str(garbage)}},
                "missing": {"type": "openai", "base_url": fake.url + "/v1", "api_key": "",
                            "network": {"ca_file": str(tmp_path / "gone.pem")}},
                "tls": {"type": "openai", "base_url": fake.url + "/v1", "api_key": "",
                        "network": {"ca_file": str(ca_file)}},
                "plain": {"type": "openai", "base_url": plain.url + "/v1", "api_key": ""},
            },
            "routes": {"b": {"default": "broken/m1"}, "m": {"default": "missing/m1"},
                       "t": {"default": "tls/m1"}, "p": {"default": "plain/m1"},
                       "fb": {"default": "broken/m1", "fallback": ["plain/m1"]}},
            "active_route": "b",
        })
        no_retry_sleep(srv)
        r = post(srv)
        assert r.status_code == 500
        message = r.json()["error"]["message"]
        assert message.startswith("broken: ") and str(garbage) in message
        assert "is not a certificate bundle" in message and "GARBAGE-MARKER" not in message
        srv.gateway.switch_route("m")
        message = post(srv).json()["error"]["message"]
        assert message.startswith("missing: ") and "does not exist" in message
        # The others work, before and after the broken ones were tried.
        for route, upstream in (("t", fake), ("p", plain), ("fb", plain)):
            srv.gateway.switch_route(route)
            upstream.queue(json_script(COMPLETION))
            r = post(srv)
            assert r.status_code == 200, (route, r.text)
        assert not [q for q in fake.requests if q.path != "/v1/chat/completions"]
    finally:
        plain.close()


def test_check_ca_file_in_plain_words(tmp_path):
    from server.network import NetworkConfigError, check_ca_file

    trustme = pytest.importorskip("trustme")
    good = tmp_path / "ca.pem"
    trustme.CA().cert_pem.write_to_path(str(good))
    check_ca_file(str(good))
    empty = tmp_path / "empty.pem"
    empty.write_text("")
    for path, words in [(empty, "is not a certificate bundle"), (tmp_path / "nope.pem", "does not exist"),
                        (tmp_path, "cannot read")]:
        with pytest.raises(NetworkConfigError, match=words):
            check_ca_file(str(path))


# -- timeouts -------------------------------------------------------------------

def test_connect_timeout(make_server, no_retry_sleep):
    # A listener whose backlog is full drops new SYNs: the connect hangs.
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(0)
    port = sock.getsockname()[1]
    fillers = []
    for _ in range(4):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", port))
        fillers.append(s)
    try:
        srv = make_server(config_for(f"http://127.0.0.1:{port}/v1", {"timeouts": {"connect": 0.3}}))
        no_retry_sleep(srv)
        r = post(srv)
        assert r.status_code == 500
        assert r.json()["error"]["message"] == "Failed to connect to provider up (timed out connecting)"
    finally:
        for s in fillers:
            s.close()
        sock.close()


def test_idle_stream_timeout_is_an_error_event(upstream, make_server):

    first = b'data: {"id":"c","choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":null}]}\n\n'
    upstream.queue(sse_script([first, first], delay_between_parts=2))
    srv = make_server(config_for(upstream.url + "/v1", {"timeouts": {"idle": 0.4}}), ping_interval=0.1)
    r = post(srv, {**BODY, "stream": True})
    assert r.status_code == 200
    tail = r.text.strip().split("\n\n")[-1]
    assert tail.startswith("event: error") and "no data for 0.4 s" in tail
