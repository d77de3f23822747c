"""Issue 14: stored keys stay with the URL they were saved for (14.2), hand
edits of switchboard.json survive a save from the page (14.6), and saves and
keyring calls keep off the event loop — all over real HTTP on 127.0.0.1."""
from __future__ import annotations

import json
import os
import stat
import threading
import time

import httpx
import pytest

from server.secrets import MemoryKeyring
from tests.server.settings_page.conftest import PROVIDER_KEY, openai_provider
from tests.support.fake_upstream import FakeUpstream, json_script, sse_file_script
from tests.conftest import UPSTREAM_FIXTURES

OPENAI_STREAM = UPSTREAM_FIXTURES / "openai" / "stream-text-usage-chunk.sse"
MODELS = {"object": "list", "data": [{"id": "m1"}]}
NEW_KEY = "sk-new-TYPED-AGAIN-0123456789"


@pytest.fixture
def attacker():
    fake = FakeUpstream()
    yield fake
    fake.close()


def saved(server) -> dict:
    return json.loads(server.settings.config_path.read_text())


def everything_sent(fake: FakeUpstream) -> str:
    return "\n".join(json.dumps(r.headers) + r.path + r.body.decode("utf-8", "replace") for r in fake.requests)


def key_needed(r: httpx.Response) -> None:
    assert r.status_code == 400, r.text
    error = r.json()
    assert error["type"] == "error"
    assert error["error"]["details"]["code"] == "key_needed"
    assert error["error"]["details"]["field"] == "api_key"


# -- 14.2: a stored key goes only to the base URL it was saved with -----------------------

@pytest.fixture(params=["keyring", "env", "file"])
def keyed_server(request, make_server, upstream):
    """A provider at ``upstream`` whose key is stored in the keyring, named
    by an env: reference, or written literally in the file."""
    ref = {"keyring": "keyring", "env": "env:UP_KEY", "file": PROVIDER_KEY}[request.param]
    cfg = {"providers": {"up": openai_provider(upstream.url, api_key=ref)},
           "routes": {"main": {"default": "up/m1"}}, "active_route": "main"}
    server = make_server(cfg, environ={"UP_KEY": PROVIDER_KEY})
    server.secrets.set("up", PROVIDER_KEY)
    return server


def test_stored_key_never_reaches_another_url(keyed_server, signed_in, upstream, attacker):
    server = keyed_server
    api = signed_in(server)
    before = server.settings.config_path.read_bytes() if server.settings.config_path.exists() else None
    evil = attacker.url + "/v1"
    for other in (evil, attacker.url, upstream.url + "/v2", upstream.url.replace("http:", "https:") + "/v1"):
        key_needed(api.call("POST", "models", {"id": "up", "base_url": other}))
        key_needed(api.call("POST", "test", {"id": "up", "base_url": other, "model": "m1"}))
        key_needed(api.call("PUT", "providers/up", {"base_url": other}))
    # With other draft fields too (type, preset, name): still refused.
    key_needed(api.call("POST", "models", {"id": "up", "base_url": evil, "type": "anthropic"}))
    key_needed(api.call("POST", "test", {"id": "up", "base_url": evil, "preset": "custom-openai", "model": "m1"}))
    key_needed(api.call("PUT", "providers/up", {"base_url": evil, "name": "Renamed", "models": ["m1"]}))
    key_needed(api.call("PUT", "providers/up", {"base_url": evil, "api_key": ""}))
    assert attacker.requests == []
    assert upstream.requests == []
    # Nothing was saved: the provider still points home, with its key.
    after = server.settings.config_path.read_bytes() if server.settings.config_path.exists() else None
    assert after == before
    assert server.gateway.config.providers["up"].base_url == upstream.url + "/v1"
    # And real traffic still goes home with the stored key.
    upstream.queue(json_script({"id": "c", "choices": [{"index": 0, "finish_reason": "stop",
                                                        "message": {"role": "assistant", "content": "hi"}}]}))
    r = server.post("/v1/messages", {"model": "claude-sonnet-5", "max_tokens": 5,
                                     "messages": [{"role": "user", "content": "hi"}]})
    assert r.status_code == 200, r.text
    assert upstream.requests[-1].headers["authorization"] == f"Bearer {PROVIDER_KEY}"
    assert PROVIDER_KEY not in everything_sent(attacker)


def test_same_url_keeps_using_the_stored_key(keyed_server, signed_in, upstream):
    server = keyed_server
    api = signed_in(server)
    # The same place with a trailing slash is the same URL.
    for url in (upstream.url + "/v1/", upstream.url + "/v1"):
        upstream.queue(json_script(MODELS))
        r = api.call("POST", "models", {"id": "up", "base_url": url})
        assert r.json() == {"ok": True, "models": ["m1"]}, r.text
        assert upstream.requests[-1].headers["authorization"] == f"Bearer {PROVIDER_KEY}"
    upstream.queue(sse_file_script(OPENAI_STREAM))
    r = api.call("POST", "test", {"id": "up", "base_url": upstream.url + "/v1/", "model": "m1"})
    assert r.json()["ok"] is True, r.text
    assert upstream.requests[-1].headers["authorization"] == f"Bearer {PROVIDER_KEY}"
    r = api.call("PUT", "providers/up", {"base_url": upstream.url + "/v1/", "name": "Same place"})
    assert r.status_code == 200, r.text
    assert server.gateway.config.providers["up"].name == "Same place"


@pytest.mark.parametrize("a,b,same", [
    ("https://api.example.com/v1", "HTTPS://API.Example.com:443/v1/", True),
    ("http://127.0.0.1:11434/v1", "http://127.0.0.1:11434/v1/", True),
    ("http://example.com/v1", "http://example.com:80/v1", True),
    ("https://api.example.com/v1", "http://api.example.com/v1", False),
    ("https://api.example.com/v1", "https://api.example.com:8443/v1", False),
    ("https://api.example.com/v1", "https://api.example.com/v1/evil", False),
    ("https://api.example.com/v1", "https://api.example.com.evil.test/v1", False),
    ("https://api.example.com/v1", "https://evil.test/v1", False),
    ("https://api.example.com/v1", "not a url", False),
])
def test_what_counts_as_the_same_base_url(a, b, same):
    from server.settings_page.edits import same_base_url

    assert same_base_url(a, b) is same and same_base_url(b, a) is same


def test_a_new_key_may_go_to_a_new_url(keyed_server, signed_in, upstream, attacker):
    server = keyed_server
    api = signed_in(server)
    attacker.queue(json_script(MODELS), sse_file_script(OPENAI_STREAM))
    moved = attacker.url + "/v1"
    r = api.call("POST", "models", {"id": "up", "base_url": moved, "api_key": NEW_KEY})
    assert r.json() == {"ok": True, "models": ["m1"]}, r.text
    r = api.call("POST", "test", {"id": "up", "base_url": moved, "api_key": NEW_KEY, "model": "m1"})
    assert r.json()["ok"] is True, r.text
    assert [q.headers["authorization"] for q in attacker.requests] == [f"Bearer {NEW_KEY}"] * 2
    r = api.call("PUT", "providers/up", {"base_url": moved, "api_key": NEW_KEY})
    assert r.status_code == 200, r.text
    assert saved(server)["providers"]["up"] == {**saved(server)["providers"]["up"],
                                                "base_url": moved, "api_key": "keyring"}
    assert server.secrets.get("up") == NEW_KEY
    assert PROVIDER_KEY not in everything_sent(attacker)
    assert NEW_KEY not in server.settings.config_path.read_text()


def test_clearing_the_key_may_change_the_url(keyed_server, signed_in, attacker):
    server = keyed_server
    api = signed_in(server)
    r = api.call("PUT", "providers/up", {"base_url": attacker.url + "/v1", "clear_key": True})
    assert r.status_code == 200, r.text
    assert server.gateway.config.providers["up"].api_key == ""
    assert PROVIDER_KEY not in server.settings.config_path.read_text()


def test_keyless_provider_url_changes_freely(make_server, signed_in, upstream, attacker):
    server = make_server({"providers": {"local": openai_provider(upstream.url, api_key="")}})
    api = signed_in(server)
    attacker.queue(json_script(MODELS))
    r = api.call("POST", "models", {"id": "local", "base_url": attacker.url + "/v1"})
    assert r.json() == {"ok": True, "models": ["m1"]}, r.text
    assert "authorization" not in attacker.requests[-1].headers
    r = api.call("PUT", "providers/local", {"base_url": attacker.url + "/v1"})
    assert r.status_code == 200, r.text
    assert saved(server)["providers"]["local"]["base_url"] == attacker.url + "/v1"


# -- 14.6: hand edits survive a save from the page ---------------------------------------

def base_config(url: str) -> dict:
    return {"providers": {"up": openai_provider(url, api_key="")},
            "routes": {"main": {"default": "up/m1"}}, "active_route": "main"}


def hand_edit(server, change) -> dict:
    data = saved(server)
    change(data)
    # A different size and content, like any editor's save.
    server.settings.config_path.write_text(json.dumps(data, indent=4) + "\n")
    return data


def add_hand_provider(data: dict) -> None:
    data["providers"]["hand"] = {"type": "openai", "base_url": "http://127.0.0.1:9/v1", "models": ["h1"],
                                 "x-note": "written by hand"}
    data["ui"] = {"theme": "dark"}


def test_hand_edit_survives_every_kind_of_page_save(make_server, signed_in, upstream):
    server = make_server(base_config(upstream.url))
    api = signed_in(server)
    assert api.call("PUT", "routes/main", {"name": "Main"}).status_code == 200  # the file now exists
    saves = [
        ("PUT", "routes/main", {"name": "Everyday"}),
        ("PUT", "routes/spare", {"default": "up/m2"}),
        ("POST", "active-route", {"id": "spare"}),
        ("DELETE", "routes/spare", None),
        ("POST", "providers", {"preset": "custom-openai", "base_url": upstream.url + "/v9", "name": "Nine"}),
        ("PUT", "providers/up", {"models": ["m1", "m7"]}),
        ("DELETE", "providers/nine", None),
        ("PUT", "network", {"timeouts": {"connect": 7}}),
    ]
    for n, (method, path, body) in enumerate(saves):
        hand_edit(server, lambda d: d.setdefault("hand_notes", []).append(n))
        r = api.call(method, path, body)
        assert r.status_code in (200, 201), (path, r.text)
        on_disk = saved(server)
        assert on_disk["hand_notes"] == list(range(n + 1)), (path, on_disk)
        assert server.gateway.config.raw["hand_notes"] == list(range(n + 1))
    on_disk = saved(server)
    assert on_disk["routes"]["main"]["name"] == "Everyday"
    assert on_disk["providers"]["up"]["models"] == ["m1", "m7"]
    assert on_disk["network"]["timeouts"] == {"connect": 7}
    assert "nine" not in on_disk["providers"] and "spare" not in on_disk["routes"]


def test_hand_added_provider_is_kept_and_usable(make_server, signed_in, upstream):
    server = make_server(base_config(upstream.url))
    api = signed_in(server)
    assert api.call("PUT", "routes/main", {"name": "Main"}).status_code == 200
    hand_edit(server, add_hand_provider)
    # The page saves a route that uses the provider written by hand.
    r = api.call("PUT", "routes/hand-route", {"default": "hand/h1"})
    assert r.status_code == 200, r.text
    on_disk = saved(server)
    assert on_disk["providers"]["hand"]["x-note"] == "written by hand"
    assert on_disk["ui"] == {"theme": "dark"}
    assert on_disk["routes"]["hand-route"] == {"default": "hand/h1"}
    assert "hand" in server.gateway.config.providers
    assert [p["id"] for p in api.get("state")["providers"]] == ["up", "hand"]


def test_page_edit_lands_on_the_hand_edited_entry(make_server, signed_in, upstream):
    server = make_server(base_config(upstream.url))
    api = signed_in(server)
    assert api.call("PUT", "routes/main", {"name": "Main"}).status_code == 200
    hand_edit(server, lambda d: d["providers"]["up"].update(name="Named by hand", headers={"x-team": "a"}))
    r = api.call("PUT", "providers/up", {"models": ["m1", "m9"]})
    assert r.status_code == 200, r.text
    up = saved(server)["providers"]["up"]
    assert up["name"] == "Named by hand" and up["headers"] == {"x-team": "a"} and up["models"] == ["m1", "m9"]


def test_file_created_by_hand_after_start_is_kept(make_server, signed_in, upstream):
    server = make_server(base_config(upstream.url))
    assert not server.settings.config_path.exists()
    data = base_config(upstream.url)
    add_hand_provider(data)
    server.settings.config_path.write_text(json.dumps(data))
    api = signed_in(server)
    assert api.call("PUT", "routes/main", {"name": "Renamed"}).status_code == 200
    on_disk = saved(server)
    assert on_disk["providers"]["hand"]["x-note"] == "written by hand"
    assert on_disk["routes"]["main"]["name"] == "Renamed"


@pytest.mark.parametrize("broken,problem", [
    ('{"providers": {,}', "not valid JSON (line 1, column 16"),
    (json.dumps({"providers": {}, "routes": {"main": {"default": "gone/m1"}}}), "no provider named 'gone'"),
])
def test_invalid_hand_edit_refuses_the_save(make_server, signed_in, upstream, broken, problem):
    server = make_server(base_config(upstream.url))
    api = signed_in(server)
    assert api.call("PUT", "routes/main", {"name": "Main"}).status_code == 200
    path = server.settings.config_path
    path.write_text(broken)
    r = api.call("PUT", "routes/main", {"name": "From the page"})
    assert r.status_code == 409, r.text
    error = r.json()["error"]
    assert error["details"]["code"] == "config_changed"
    assert str(path) in error["message"] and problem in error["message"]
    assert "Nothing was saved" in error["message"]
    assert path.read_text() == broken  # the person's edit is untouched
    assert not list(path.parent.glob("switchboard.json.corrupt-*"))
    # The running config is the last good one.
    assert server.gateway.config.routes["main"].default == ("up/m1",)
    # Once fixed by hand, saving works again and keeps the fix.
    hand = base_config(upstream.url)
    add_hand_provider(hand)
    path.write_text(json.dumps(hand))
    assert api.call("PUT", "routes/main", {"name": "From the page"}).status_code == 200
    assert saved(server)["providers"]["hand"]["x-note"] == "written by hand"


def test_backups_keep_the_last_five_versions_privately(make_server, signed_in, upstream):
    server = make_server(base_config(upstream.url))
    api = signed_in(server)
    versions = []
    for n in range(8):
        assert api.call("PUT", "routes/main", {"name": f"Name {n}"}).status_code == 200
        versions.append(server.settings.config_path.read_bytes())
    folder = server.settings.home / "backups"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    kept = sorted(folder.iterdir(), key=lambda p: p.stat().st_mtime_ns)
    assert len(kept) == 5
    assert all(p.name.startswith("switchboard.json.") for p in kept)
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in kept)
    # Each backup is a version that was replaced: the 5 before the current one.
    assert [p.read_bytes() for p in kept] == versions[2:7]


def test_config_file_is_private_even_if_made_public_by_hand(make_server, signed_in, upstream):
    server = make_server(base_config(upstream.url))
    api = signed_in(server)
    path = server.settings.config_path
    assert api.call("PUT", "routes/main", {"name": "A"}).status_code == 200
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    os.chmod(path, 0o644)
    assert api.call("PUT", "routes/main", {"name": "B"}).status_code == 200
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


# -- off the event loop -------------------------------------------------------------

class SlowKeyring(MemoryKeyring):
    """A keyring that takes 0.5 s per call, as a locked or remote one can."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def get_password(self, service, username):
        self.calls += 1
        time.sleep(0.5)
        return super().get_password(service, username)

    def set_password(self, service, username, password):
        self.calls += 1
        time.sleep(0.5)
        super().set_password(service, username, password)

    def delete_password(self, service, username):
        self.calls += 1
        time.sleep(0.5)
        super().delete_password(service, username)


def test_health_answers_while_settings_wait_for_the_keyring(make_server, signed_in, upstream):
    keyring = SlowKeyring()
    cfg = {"providers": {"up": openai_provider(upstream.url),
                         "two": openai_provider(upstream.url, name="Two")},
           "routes": {"main": {"default": "up/m1"}}, "active_route": "main",
           # A large config (~1 MB) makes the write itself slow too.
           "notes": ["x" * 1000] * 1000}
    server = make_server(cfg, keyring=keyring)
    api = signed_in(server)
    calls = [
        ("PUT", "providers/up", {"api_key": PROVIDER_KEY}),        # keyring write + save
        ("POST", "providers", {"preset": "groq", "api_key": "k2"}),  # keyring write + save
        ("GET", "state", None),                                      # a keyring read per provider
        ("POST", "models", {"id": "two"}),                           # a keyring read
        ("PUT", "network", {"proxy": "custom", "proxy_url": "http://u@127.0.0.1:9", "proxy_password": "pw"}),
    ]
    for method, path, body in calls:
        done = threading.Event()
        result: dict = {}

        def run():
            result["r"] = api.call(method, path, body)
            done.set()

        before = keyring.calls
        started = time.monotonic()
        t = threading.Thread(target=run)
        t.start()
        latencies = []
        with httpx.Client(base_url=server.url, timeout=5) as client:
            while not done.is_set():
                t0 = time.monotonic()
                assert client.get("/health").status_code == 200
                latencies.append(time.monotonic() - t0)
                time.sleep(0.02)
        t.join()
        took = time.monotonic() - started
        assert result["r"].status_code in (200, 201), (path, result["r"].text)
        assert keyring.calls > before and took >= 0.5, (path, took)
        # Blocked, one /health would wait out a whole 0.5 s keyring call.
        assert len(latencies) >= 3, (path, latencies)
        assert max(latencies) < 0.3, (path, latencies)
    assert keyring.get_password("switchboard", "up") == PROVIDER_KEY


def test_importing_a_setup_again_never_sends_the_stored_key_to_its_new_url(make_server, signed_in, upstream,
                                                                            attacker):
    """A shared setup imported before ("lab", whose key the person then
    added on the page) comes again with another address for "lab": the
    stored key does not follow it; the key is asked for again."""
    def setup(url: str) -> dict:
        return {"format": "switchboard-setup", "version": 1,
                "providers": {"lab": {"type": "openai", "base_url": url, "api_key": "", "needs_key": True,
                                      "name": "Lab", "models": ["m1"]}},
                "routes": {"main": {"name": "Main", "default": "lab/m1"}}, "active_route": "main"}

    server = make_server({})
    api = signed_in(server)
    r = api.call("POST", "import", {"setup": setup(upstream.url + "/v1")})
    assert r.status_code == 200 and r.json()["needs_keys"] == ["lab"], r.text
    server.secrets.set("lab", PROVIDER_KEY)  # added on the page, for upstream's address
    # The same address again: the key stays and is not asked for.
    r = api.call("POST", "import", {"setup": setup(upstream.url + "/v1/")})
    assert r.status_code == 200 and r.json()["needs_keys"] == [], r.text
    assert server.secrets.get("lab") == PROVIDER_KEY

    r = api.call("POST", "import", {"setup": setup(attacker.url + "/v1")})
    assert r.status_code == 200, r.text
    assert r.json()["needs_keys"] == ["lab"]
    assert server.gateway.config.providers["lab"].base_url == attacker.url + "/v1"
    assert server.secrets.get("lab") is None
    attacker.queue(json_script({"id": "c", "choices": [{"index": 0, "finish_reason": "stop",
                                                        "message": {"role": "assistant", "content": "hi"}}]}))
    server.post("/v1/messages", {"model": "claude-sonnet-5", "max_tokens": 5,
                                 "messages": [{"role": "user", "content": "hi"}]})
    upstream.queue(json_script(MODELS))
    api.call("POST", "models", {"id": "lab"})
    assert PROVIDER_KEY not in everything_sent(attacker)


def test_a_shared_setup_never_chooses_which_local_secret_goes_where(make_server, signed_in, attacker, tmp_path):
    """A setup from someone else names this computer's environment variable
    and a local file as the keys of a provider at its own address, and asks
    Switchboard to listen on every network: none of it is taken."""
    secret_file = tmp_path / "id_rsa"
    secret_file.write_text("FILE-SECRET-VALUE")
    server = make_server({}, environ={"SOME_CLOUD_SECRET": "ENV-SECRET-VALUE"})
    api = signed_in(server)
    hostile = {"format": "switchboard-setup", "version": 1, "server": {"host": "0.0.0.0", "port": 80},
               "providers": {"lab": {"type": "openai", "base_url": attacker.url + "/v1", "name": "Lab",
                                     "api_key": "env:SOME_CLOUD_SECRET", "models": ["m1"],
                                     "api_keys": [f"file:{secret_file}", "env:SOME_CLOUD_SECRET"]}},
               "routes": {"main": {"name": "Main", "default": "lab/m1"}}, "active_route": "main"}
    r = api.call("POST", "import", {"setup": hostile})
    assert r.status_code == 200, r.text
    assert r.json()["needs_keys"] == ["lab"]
    report = "\n".join(r.json()["lines"])
    assert "reads its key from the variable SOME_CLOUD_SECRET" in report
    assert "server address" in report
    entry = saved(server)["providers"]["lab"]
    assert entry["api_key"] == "keyring" and "api_keys" not in entry
    assert "server" not in saved(server)
    attacker.queue(json_script({"id": "c", "choices": [{"index": 0, "finish_reason": "stop",
                                                        "message": {"role": "assistant", "content": "hi"}}]}))
    server.post("/v1/messages", {"model": "claude-sonnet-5", "max_tokens": 5,
                                 "messages": [{"role": "user", "content": "hi"}]})
    sent = everything_sent(attacker)
    assert "ENV-SECRET-VALUE" not in sent and "FILE-SECRET-VALUE" not in sent
