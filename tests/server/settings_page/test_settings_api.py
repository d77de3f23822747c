"""The settings page's JSON API over real HTTP against a live Switchboard,
with fake upstreams behind it."""
from __future__ import annotations

import json
import time

import pytest

from server.gateway import ActivityEntry
from server.secrets import ACCESS_KEY_ENTRY
from tests.conftest import UPSTREAM_FIXTURES
from tests.server.settings_page.conftest import PROVIDER_KEY, openai_provider
from tests.support.fake_upstream import json_script, sse_file_script

OPENAI_STREAM = UPSTREAM_FIXTURES / "openai" / "stream-text-usage-chunk.sse"
ANTHROPIC_STREAM = UPSTREAM_FIXTURES / "anthropic" / "stream-thinking-signature-text.sse"


def config_with(url: str) -> dict:
    return {"providers": {"up": openai_provider(url)}, "routes": {"main": {"default": "up/m1"}},
            "active_route": "main"}


def no_key_anywhere(api, server, key: str = PROVIDER_KEY) -> None:
    for r in api.responses:
        assert key not in r.text
    if server.settings.config_path.exists():
        assert key not in server.settings.config_path.read_text()


# -- providers ---------------------------------------------------------------------

def test_add_provider_from_preset_keeps_key_in_keyring_only(make_server, signed_in):
    server = make_server({})
    api = signed_in(server)
    r = api.call("POST", "providers", {"preset": "openai", "api_key": PROVIDER_KEY})
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    assert pid == "openai"
    saved = json.loads(server.settings.config_path.read_text())
    assert saved["providers"]["openai"]["api_key"] == "keyring"
    assert saved["providers"]["openai"]["base_url"] == "https://api.openai.com/v1"
    assert saved["providers"]["openai"]["profile"] == "openai"
    assert saved["providers"]["openai"]["models"]  # the preset's suggestions
    # A first provider gets a route, so Claude Code works right away.
    assert saved["active_route"] == "main"
    assert saved["routes"]["main"]["default"].startswith("openai/")
    assert server.secrets.get("openai") == PROVIDER_KEY
    state = api.get("state")
    (row,) = state["providers"]
    assert row["key"] == {"source": "keyring", "set": True, "masked": "sk-…3210"}
    assert server.gateway.config.providers["openai"].api_key == "keyring"
    no_key_anywhere(api, server)


def test_second_provider_of_same_preset_gets_unique_id(make_server, signed_in):
    server = make_server({})
    api = signed_in(server)
    assert api.call("POST", "providers", {"preset": "groq", "api_key": "k1"}).json()["id"] == "groq"
    assert api.call("POST", "providers", {"preset": "groq", "api_key": "k2"}).json()["id"] == "groq-2"
    assert server.secrets.get("groq") == "k1" and server.secrets.get("groq-2") == "k2"


def test_keyless_local_preset_has_empty_key_reference(make_server, signed_in):
    server = make_server({})
    api = signed_in(server)
    r = api.call("POST", "providers", {"preset": "ollama", "models": ["qwen3:8b"]})
    assert r.status_code == 201
    saved = json.loads(server.settings.config_path.read_text())
    assert saved["providers"]["ollama"]["api_key"] == ""
    assert saved["providers"]["ollama"]["models"] == ["qwen3:8b"]
    row = api.get("state")["providers"][0]
    assert row["keyless"] is True and row["local_app"] == "Ollama"


def test_edit_keeps_key_when_empty_and_replaces_or_clears(make_server, signed_in, upstream):
    server = make_server(config_with(upstream.url))
    server.secrets.set("up", "old-key-0000000000")
    api = signed_in(server)
    r = api.call("PUT", "providers/up", {"name": "Renamed", "models": ["m1", "m3"]})
    assert r.status_code == 200, r.text
    cfg = server.gateway.config.providers["up"]
    assert cfg.name == "Renamed" and cfg.models == ("m1", "m3") and cfg.api_key == "keyring"
    assert server.secrets.get("up") == "old-key-0000000000"
    api.call("PUT", "providers/up", {"api_key": PROVIDER_KEY})
    assert server.secrets.get("up") == PROVIDER_KEY
    api.call("PUT", "providers/up", {"clear_key": True})
    assert server.secrets.get("up") is None
    assert server.gateway.config.providers["up"].api_key == ""
    no_key_anywhere(api, server)


def test_delete_provider_refused_while_a_route_uses_it(make_server, signed_in, upstream):
    server = make_server(config_with(upstream.url))
    api = signed_in(server)
    r = api.call("DELETE", "providers/up")
    assert r.status_code == 409
    assert r.json()["error"]["details"] == {"code": "provider_in_use", "params": {"routes": "main"}}
    assert "up" in server.gateway.config.providers


def test_delete_unused_provider_removes_its_key(make_server, signed_in, upstream):
    cfg = config_with(upstream.url)
    cfg["providers"]["spare"] = openai_provider(upstream.url)
    server = make_server(cfg)
    server.secrets.set("spare", "spare-key-123456789")
    api = signed_in(server)
    assert api.call("DELETE", "providers/spare").status_code == 200
    assert "spare" not in server.gateway.config.providers
    assert "spare" not in json.loads(server.settings.config_path.read_text())["providers"]
    assert server.secrets.get("spare") is None
    assert api.call("DELETE", "providers/spare").status_code == 400


def test_invalid_edits_name_the_field(make_server, signed_in):
    server = make_server({})
    api = signed_in(server)
    r = api.call("POST", "providers", {"preset": "custom-openai", "base_url": "ftp://x"})
    assert r.status_code == 400
    assert r.json()["error"]["details"]["code"] == "bad_url"
    r = api.call("POST", "providers", {"preset": "no-such-preset"})
    assert r.json()["error"]["details"]["code"] == "unknown_preset"
    assert not server.settings.config_path.exists()


def test_unknown_config_fields_survive_an_edit(make_server, signed_in, upstream):
    cfg = config_with(upstream.url)
    cfg["providers"]["up"]["headers"] = {"x-team": "blue"}
    cfg["future_field"] = {"keep": True}
    server = make_server(cfg)
    api = signed_in(server)
    api.call("PUT", "providers/up", {"name": "X"})
    saved = json.loads(server.settings.config_path.read_text())
    assert saved["future_field"] == {"keep": True}
    assert saved["providers"]["up"]["headers"] == {"x-team": "blue"}


# -- test connection ---------------------------------------------------------------------

def test_connection_ok_through_real_provider_path(make_server, signed_in, upstream):
    server = make_server(config_with(upstream.url))
    server.secrets.set("up", PROVIDER_KEY)
    api = signed_in(server)
    upstream.queue(sse_file_script(OPENAI_STREAM, delay_between_parts=0.05, split=200))
    r = api.call("POST", "test", {"id": "up", "model": "m2"})
    result = r.json()
    assert result["ok"] is True, result
    assert result["model"] == "m2"
    assert 0 <= result["latency_ms"] <= result["ttft_ms"] <= result["total_ms"]
    assert result["total_ms"] >= 50  # the stream was read to its end
    sent = upstream.requests[-1]
    assert sent.path == "/v1/chat/completions"
    assert sent.json["stream"] is True and sent.json["model"] == "m2"
    assert sent.headers["authorization"] == f"Bearer {PROVIDER_KEY}"
    assert result["path"] == "direct"
    no_key_anywhere(api, server)


def test_connection_names_the_proxy_and_its_failures(make_server, signed_in, upstream):
    from tests.support.proxies import HttpProxy

    proxy = HttpProxy("alice", "right")
    try:
        config = config_with(f"http://upstream.example:{upstream.port}")
        config["network"] = {"proxy": proxy.url.replace("://", "://alice@")}
        server = make_server(config)
        server.secrets.set("up", PROVIDER_KEY)
        server.secrets.set(f"proxy:127.0.0.1:{proxy.port}", "wrong")
        api = signed_in(server)
        result = api.call("POST", "test", {"id": "up", "model": "m2"}).json()
        assert result["ok"] is False and result["problem"] == "proxy_auth", result
        assert result["path"] == f"via proxy http://127.0.0.1:{proxy.port}"
        assert "wrong" not in json.dumps(result)
    finally:
        proxy.close()


@pytest.mark.parametrize("status,body,problem", [
    (401, {"error": {"message": f"Incorrect API key provided: {PROVIDER_KEY}", "type": "invalid_request_error",
                     "code": "invalid_api_key"}}, "key_rejected"),
    (404, {"error": {"message": "The model `m9` does not exist or you do not have access to it.",
                     "code": "model_not_found"}}, "model_not_found"),
    (429, {"error": {"message": "Rate limit reached"}}, "rate_limited"),
    (503, {"error": {"message": "upstream overloaded"}}, "server_error"),
])
def test_connection_errors_in_plain_words(make_server, signed_in, upstream, status, body, problem):
    server = make_server(config_with(upstream.url))
    server.secrets.set("up", PROVIDER_KEY)
    api = signed_in(server)
    upstream.queue(json_script(body, status=status))
    result = api.call("POST", "test", {"id": "up", "model": "m9"}).json()
    assert result["ok"] is False
    assert result["problem"] == problem
    assert result["params"]["provider"] == "Up One"
    assert PROVIDER_KEY not in json.dumps(result)
    no_key_anywhere(api, server)


def test_draft_test_uses_pasted_key_without_saving(make_server, signed_in, upstream):
    server = make_server({})
    api = signed_in(server)
    upstream.queue(sse_file_script(OPENAI_STREAM))
    result = api.call("POST", "test", {"preset": "custom-openai", "base_url": upstream.url + "/v1",
                                       "api_key": PROVIDER_KEY, "model": "gpt-x"}).json()
    assert result["ok"] is True, result
    assert upstream.requests[-1].headers["authorization"] == f"Bearer {PROVIDER_KEY}"
    assert not server.settings.config_path.exists()
    assert server.secrets.get("draft") is None


def test_unnamed_custom_server_is_named_by_its_address_in_test_results(make_server, signed_in):
    from tests.support.live_server import free_port

    server = make_server({})
    api = signed_in(server)
    port = free_port()
    result = api.call("POST", "test", {"preset": "custom-openai", "base_url": f"http://127.0.0.1:{port}/v1",
                                       "model": "m"}).json()
    assert result["ok"] is False
    assert result["params"]["provider"] == f"127.0.0.1:{port}"
    assert "Custom" not in json.dumps(result)
    # Saved without a name, it keeps that name.
    pid = api.call("POST", "providers", {"preset": "custom-openai", "base_url": f"http://127.0.0.1:{port}/v1",
                                         "models": ["m"]}).json()["id"]
    assert json.loads(server.settings.config_path.read_text())["providers"][pid]["name"] == f"127.0.0.1:{port}"


def test_unreachable_local_app_is_named(make_server, signed_in):
    from tests.support.live_server import free_port

    server = make_server({})
    api = signed_in(server)
    result = api.call("POST", "test", {"preset": "ollama", "base_url": f"http://127.0.0.1:{free_port()}/v1",
                                       "model": "llama3"}).json()
    assert result["ok"] is False
    assert result["problem"] == "unreachable_local"
    assert result["params"]["app"] == "Ollama"


def test_anthropic_passthrough_stream_is_read(make_server, signed_in, upstream):
    server = make_server({"providers": {"ant": {"type": "anthropic", "base_url": upstream.url,
                                                "api_key": "keyring", "models": ["claude-x"]}}})
    server.secrets.set("ant", PROVIDER_KEY)
    api = signed_in(server)
    upstream.queue(sse_file_script(ANTHROPIC_STREAM))
    result = api.call("POST", "test", {"id": "ant"}).json()
    assert result["ok"] is True, result
    assert upstream.requests[-1].path == "/v1/messages"
    assert upstream.requests[-1].headers["x-api-key"] == PROVIDER_KEY


def test_missing_key_is_explained(make_server, signed_in, upstream):
    server = make_server(config_with(upstream.url))  # "keyring" but nothing stored
    api = signed_in(server)
    result = api.call("POST", "test", {"id": "up"}).json()
    assert result == {"ok": False, "problem": "no_key", "params": result["params"], "detail": ""}
    assert upstream.requests == []


# -- model lists ------------------------------------------------------------------------------

def test_fetch_models_openai_compatible(make_server, signed_in, upstream):
    server = make_server(config_with(upstream.url))
    server.secrets.set("up", PROVIDER_KEY)
    api = signed_in(server)
    upstream.queue(json_script({"object": "list", "data": [{"id": "zeta"}, {"id": "alpha"}, {"id": "alpha"}]}))
    result = api.call("POST", "models", {"id": "up"}).json()
    assert result == {"ok": True, "models": ["alpha", "zeta"]}
    req = upstream.requests[-1]
    assert (req.method, req.path) == ("GET", "/v1/models")
    assert req.headers["authorization"] == f"Bearer {PROVIDER_KEY}"


def test_fetch_models_gemini(make_server, signed_in, upstream):
    server = make_server({})
    api = signed_in(server)
    upstream.queue(json_script({"models": [
        {"name": "models/gemini-2.5-pro", "supportedGenerationMethods": ["generateContent", "countTokens"]},
        {"name": "models/text-embedding-004", "supportedGenerationMethods": ["embedContent"]}]}))
    result = api.call("POST", "models", {"preset": "gemini", "base_url": upstream.url, "api_key": "g-key"}).json()
    assert result == {"ok": True, "models": ["gemini-2.5-pro"]}
    req = upstream.requests[-1]
    assert req.path.startswith("/v1beta/models")
    assert req.headers["x-goog-api-key"] == "g-key"


def test_fetch_models_anthropic(make_server, signed_in, upstream):
    server = make_server({})
    api = signed_in(server)
    upstream.queue(json_script({"data": [{"id": "claude-sonnet-4-5", "type": "model"}], "has_more": False}))
    result = api.call("POST", "models", {"preset": "custom-anthropic", "base_url": upstream.url,
                                         "api_key": "a-key"}).json()
    assert result == {"ok": True, "models": ["claude-sonnet-4-5"]}
    req = upstream.requests[-1]
    assert req.path.startswith("/v1/models")
    assert req.headers["x-api-key"] == "a-key" and req.headers["anthropic-version"]


def test_fetch_models_not_offered(make_server, signed_in, upstream):
    server = make_server({})
    api = signed_in(server)
    upstream.queue(json_script({"error": "not found"}, status=404))
    result = api.call("POST", "models", {"preset": "custom-openai", "base_url": upstream.url + "/v1"}).json()
    assert result["ok"] is False and result["problem"] == "no_model_list"


# -- routes -------------------------------------------------------------------------------------

def test_routes_create_activate_delete_and_notify(make_server, signed_in, upstream):
    server = make_server(config_with(upstream.url))
    seen: list[str] = []
    server.gateway.listeners.append(seen.append)
    api = signed_in(server)
    r = api.call("PUT", "routes/fast", {"name": "Fast", "default": "up/m2", "haiku": "up/m1",
                                         "think": None, "fallback": ["up/m1"], "long_context_threshold": 90000})
    assert r.status_code == 200, r.text
    route = server.gateway.config.routes["fast"]
    assert route.name == "Fast" and route.default == ("up/m2",)
    assert route.targets["haiku"] == ("up/m1",) and route.targets["fallback"] == ("up/m1",)
    assert route.long_context_threshold == 90000
    assert server.gateway.config.active_route == "main"
    assert api.call("POST", "active-route", {"id": "fast"}).status_code == 200
    assert server.gateway.config.active_route == "fast"
    assert json.loads(server.settings.config_path.read_text())["active_route"] == "fast"
    assert seen.count("config") == 2
    assert api.call("DELETE", "routes/fast").status_code == 200
    assert server.gateway.config.active_route == "main"
    r = api.call("PUT", "routes/bad", {"default": "nobody/m1"})
    assert r.status_code == 400 and r.json()["error"]["details"]["code"] == "config_invalid"
    r = api.call("PUT", "routes/bad", {"name": "no default"})
    assert r.json()["error"]["details"]["code"] == "default_required"
    assert api.call("POST", "active-route", {"id": "nope"}).status_code == 400


# -- activity ---------------------------------------------------------------------------------------

def test_activity_lists_requests_and_totals_today(make_server, signed_in, upstream):
    server = make_server(config_with(upstream.url))
    gw = server.gateway
    now = time.time()
    gw.record(ActivityEntry(now - 86400 * 2, "main", "up", "m1", 200, 100.0, 5, 5))  # not today
    gw.record(ActivityEntry(now - 1, "main", "up", "m1", 200, 300.0, 10, 20))
    gw.record(ActivityEntry(now, "main", "up", "m2", 429, 100.0, None, None))
    api = signed_in(server)
    data = api.get("activity")
    assert [e["status"] for e in data["entries"]] == [429, 200, 200]  # newest first
    assert data["entries"][0]["provider_name"] == "Up One"
    assert set(data["entries"][0]) == {"time", "route", "route_name", "provider", "provider_name", "model", "status",
                                       "latency_ms", "input_tokens", "output_tokens", "error", "reason", "reason_params", "key"}
    (today,) = data["today"]
    assert today["requests"] == 2 and today["errors"] == 1
    assert today["input_tokens"] == 10 and today["output_tokens"] == 20
    assert today["avg_latency_ms"] == 200


def test_activity_records_real_requests(make_server, signed_in, upstream):
    server = make_server(config_with(upstream.url))
    server.secrets.set("up", PROVIDER_KEY)
    upstream.queue(sse_file_script(OPENAI_STREAM))
    r = server.post("/v1/messages", {"model": "claude-sonnet-4-5", "max_tokens": 20, "stream": True,
                                     "messages": [{"role": "user", "content": "hi"}]})
    assert r.status_code == 200
    api = signed_in(server)
    entries = api.get("activity")["entries"]
    assert entries and entries[0]["provider"] == "up" and entries[0]["model"] == "m1"


# -- Claude Code ----------------------------------------------------------------------------------------

def test_claude_code_connect_disconnect(make_server, signed_in, claude_code):
    server = make_server({})
    api = signed_in(server)
    info = api.get("claude-code")
    assert info["available"] is True and info["connected"] is False
    assert info["base_url"] == server.url
    assert info["access_key"] == server.gateway.access_key()
    assert api.call("POST", "claude-code/connect").json() == {"ok": True, "connected": True}
    assert claude_code.calls[-1] == ("connect", server.url, server.gateway.access_key())
    assert api.get("claude-code")["connected"] is True
    assert api.call("POST", "claude-code/disconnect").json()["ok"] is True
    assert claude_code.state is None
    assert api.call("POST", "claude-code/explode").status_code == 404


def test_claude_code_absent_hides_button(make_server, signed_in, no_claude_code):
    server = make_server({})
    api = signed_in(server)
    assert api.get("claude-code")["available"] is False
    assert api.get("state")["claude_code"]["available"] is False
    assert api.call("POST", "claude-code/connect").status_code == 404


def test_regenerate_access_key_updates_keyring_and_claude_code(make_server, signed_in, claude_code):
    server = make_server({}, environ={"SWITCHBOARD_API_KEY": ""})
    api = signed_in(server)
    old = server.gateway.access_key()
    api.call("POST", "claude-code/connect")
    r = api.call("POST", "access-key/regenerate").json()
    assert r["ok"] is True and r["reconnected"] is True
    new = r["access_key"]
    assert new != old and new.startswith("sk-swb-")
    assert server.secrets.get(ACCESS_KEY_ENTRY) == new
    assert server.gateway.access_key() == new
    assert claude_code.state == {"ANTHROPIC_BASE_URL": server.url, "ANTHROPIC_AUTH_TOKEN": new}
    # The old key no longer opens the API; the new one does.
    assert server.post("/v1/messages/count_tokens", {"model": "x", "messages": []},
                       headers={"x-api-key": old}).status_code == 401


def test_regenerate_reports_env_override(make_server, signed_in):
    server = make_server({})  # SWITCHBOARD_API_KEY is set by LiveServer
    api = signed_in(server)
    r = api.call("POST", "access-key/regenerate").json()
    assert r["ok"] is False and r["env_override"] is True


# -- first run -----------------------------------------------------------------------------------------

def test_setup_saves_provider_and_active_route(make_server, signed_in, upstream):
    server = make_server({})
    api = signed_in(server)
    r = api.call("POST", "setup", {"preset": "deepseek", "api_key": PROVIDER_KEY, "model": "deepseek-chat"})
    assert r.status_code == 201, r.text
    cfg = server.gateway.config
    assert cfg.active_route == "main"
    assert cfg.routes["main"].default == ("deepseek/deepseek-chat",)
    assert cfg.providers["deepseek"].type == "anthropic"
    assert "deepseek-chat" in cfg.providers["deepseek"].models
    assert server.secrets.get("deepseek") == PROVIDER_KEY
    no_key_anywhere(api, server)


def test_real_tray_module_writes_claude_settings(make_server, signed_in, monkeypatch, tmp_path):
    """With the real server/claude_code.py, in a temporary home folder."""
    home = tmp_path / "user-home"
    (home / ".claude").mkdir(parents=True)
    (home / ".claude" / "settings.json").write_text(json.dumps({"theme": "dark"}))
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("SWITCHBOARD_CLAUDE_CODE")
    server = make_server({})
    api = signed_in(server)
    assert api.get("claude-code")["connected"] is False
    assert api.call("POST", "claude-code/connect").json()["ok"] is True
    data = json.loads((home / ".claude" / "settings.json").read_text())
    assert data["theme"] == "dark"
    assert data["env"] == {"ANTHROPIC_BASE_URL": server.url, "ANTHROPIC_AUTH_TOKEN": server.gateway.access_key()}
    assert api.get("claude-code")["connected"] is True
    assert api.call("POST", "claude-code/disconnect").json()["ok"] is True
    assert json.loads((home / ".claude" / "settings.json").read_text()) == {"theme": "dark"}


def test_state_says_when_other_computers_can_reach_switchboard(make_server, signed_in):
    server = make_server({})
    api = signed_in(server)
    assert api.get("state")["exposed_host"] is None  # 127.0.0.1: this computer only
    server.gateway.set_serving_address("0.0.0.0", server.port)
    assert api.get("state")["exposed_host"] == "0.0.0.0"
