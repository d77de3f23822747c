"""A provider's several keys on the settings page (issue 18 §1): the API
over real HTTP, and adding a second key in Chromium."""
from __future__ import annotations

import json
from typing import Any, Iterator

import pytest

from tests.server.settings_page.conftest import PROVIDER_KEY, open_settings, openai_provider
from tests.support.fake_upstream import Script, sse_script

SECOND = "sk-second-KEY-0a1b2c3d4e5f6789"
THIRD = "sk-third-KEY-99887766554433221"


def ok_stream() -> Script:
    return sse_script([b'data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,'
                       b'"delta":{"role":"assistant","content":"hi"}}]}\n\n',
                       b'data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,'
                       b'"delta":{},"finish_reason":"stop"}]}\n\n', b"data: [DONE]\n\n"])


def saved(server) -> dict[str, Any]:
    return json.loads(server.settings.config_path.read_text())["providers"]["up"]


def no_values(client, server) -> None:
    text = "".join(r.text for r in client.responses) + server.settings.config_path.read_text()
    for value in (PROVIDER_KEY, SECOND, THIRD):
        assert value not in text and value[-10:] not in text


def test_add_name_reorder_remove(server, signed_in, upstream):
    c = signed_in(server)
    r = c.call("POST", "providers/up/keys", {"name": "personal", "api_key": SECOND})
    assert r.status_code == 201 and r.json()["index"] == 1
    assert saved(server)["api_keys"] == ["keyring", {"ref": "keyring#2", "name": "personal"}]
    assert server.secrets.get("up#2") == SECOND
    c.call("POST", "providers/up/keys", {"name": "spare", "api_key": THIRD})
    view = c.get("providers/up/keys")
    assert [(k["label"], k["masked"], k["source"]) for k in view["keys"]] == [
        ("key 1", "sk-…3210", "keyring"), ("personal", "sk-…6789", "keyring"), ("spare", "sk-…3221", "keyring")]
    # rename the first, put 'spare' first, take turns
    r = c.call("PUT", "providers/up/keys", {"keys": [{"index": 2}, {"index": 0, "name": "work"}, {"index": 1}],
                                            "order": "round_robin"})
    assert r.status_code == 200, r.text
    assert saved(server)["api_keys"] == [{"ref": "keyring#3", "name": "spare"}, {"ref": "keyring", "name": "work"},
                                         {"ref": "keyring#2", "name": "personal"}]
    assert saved(server)["key_order"] == "round_robin"
    assert server.gateway.config.providers["up"].api_key == "keyring#3"
    # every key once, or nothing changes
    assert c.call("PUT", "providers/up/keys", {"keys": [{"index": 0}, {"index": 0}, {"index": 1}]}).status_code == 400
    assert c.call("POST", "providers/up/keys", {"name": "x"}).json()["error"]["details"]["code"] == "key_required"
    # requests go through the pool in turn
    upstream.default = Script(handler=lambda rec: ok_stream())
    for _ in range(3):
        assert server.post("/v1/messages", {"model": "claude-sonnet-4-5", "max_tokens": 5, "stream": True,
                                            "messages": [{"role": "user", "content": "hi"}]}).status_code == 200
    assert [r.headers["authorization"][-4:] for r in upstream.requests] == ["3221", "3210", "6789"]
    assert [e.key for e in server.gateway.activity] == ["spare", "work", "personal"]
    # remove 'spare': its keyring entry goes too
    assert c.call("DELETE", "providers/up/keys/0").status_code == 200
    assert server.secrets.get("up#3") is None
    assert [k["label"] for k in c.get("providers/up/keys")["keys"]] == ["work", "personal"]
    assert c.call("DELETE", "providers/up/keys/7").status_code == 400
    no_values(c, server)


def test_a_key_is_tested_on_its_own_and_a_resting_key_comes_back(server, signed_in, upstream):
    c = signed_in(server)
    c.call("POST", "providers/up/keys", {"name": "personal", "api_key": SECOND})
    pconf = server.gateway.config.providers["up"]
    pool = server.gateway.keys.pool(pconf)
    pool.cool(pool.slots[1], "refused")
    assert c.get("providers/up/keys")["keys"][1]["resting"] == "refused"
    upstream.queue(ok_stream())
    r = c.call("POST", "providers/up/keys/1/test", {})
    assert r.json()["ok"] is True, r.text
    assert upstream.requests[-1].headers["authorization"] == f"Bearer {SECOND}"
    assert c.get("providers/up/keys")["keys"][1]["resting"] == ""
    pool.cool(pool.slots[0], "out_of_quota")
    assert c.call("POST", "providers/up/keys/0/reset", {}).status_code == 200
    assert c.get("providers/up/keys")["keys"][0]["resting"] == ""
    no_values(c, server)


def test_extra_keys_do_not_follow_a_new_address(server, signed_in, upstream2):
    c = signed_in(server)
    c.call("POST", "providers/up/keys", {"name": "personal", "api_key": SECOND})
    # Another address without the key again: refused (the stored keys stay where they were).
    r = c.call("PUT", "providers/up", {"base_url": upstream2.url + "/v1"})
    assert r.json()["error"]["details"]["code"] == "key_needed"
    assert server.secrets.get("up#2") == SECOND
    # Same place, other spelling: the keys stay.
    assert c.call("PUT", "providers/up", {"base_url": saved(server)["base_url"] + "/"}).status_code == 200
    assert len(saved(server)["api_keys"]) == 2
    # A new address with a new key: the extra key is dropped and deleted.
    r = c.call("PUT", "providers/up", {"base_url": upstream2.url + "/v1", "api_key": THIRD})
    assert r.status_code == 200, r.text
    assert "api_keys" not in saved(server) and saved(server)["api_key"] == "keyring"
    assert server.secrets.get("up#2") is None and server.secrets.get("up") == THIRD
    no_values(c, server)


def test_deleting_a_provider_deletes_all_its_keys(make_server, signed_in, upstream):
    server = make_server({"providers": {"up": openai_provider(upstream.url)}})
    server.secrets.set("up", PROVIDER_KEY)
    c = signed_in(server)
    c.call("POST", "providers/up/keys", {"name": "personal", "api_key": SECOND})
    assert c.call("DELETE", "providers/up").status_code == 200
    assert server.secrets.get("up") is None and server.secrets.get("up#2") is None


# -- in Chromium ----------------------------------------------------------------------------

playwright_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture
def page_for(browser) -> Iterator[Any]:
    contexts: list[Any] = []

    def make(server: Any) -> Any:
        contexts.append(browser.new_context(viewport={"width": 1240, "height": 860}))
        return open_settings(contexts[-1], server)

    yield make
    for ctx in contexts:
        ctx.close()


def test_add_a_second_key_in_the_page(server, page_for, upstream):
    expect = playwright_api.expect
    page = page_for(server)
    card = page.locator("article[data-provider=up]")
    card.get_by_role("button", name="Keys: Up One").click()
    dialog = page.get_by_role("dialog", name="Keys for “Up One”")
    expect(dialog.locator("li[data-key='key 1']")).to_contain_text("sk-…3210")
    dialog.get_by_label("Name", exact=True).last.fill("personal")
    dialog.get_by_label("API key", exact=True).fill(SECOND)
    dialog.get_by_role("button", name="Add key").click()
    row = dialog.locator("li[data-key='personal']")
    expect(row).to_contain_text("sk-…6789")
    assert server.secrets.get("up#2") == SECOND
    assert saved(server)["api_keys"] == ["keyring", {"ref": "keyring#2", "name": "personal"}]
    # test the new key alone, then move it first and take turns
    upstream.queue(ok_stream())
    row.get_by_role("button", name="Test connection: personal").click()
    expect(row.get_by_text("Connected", exact=False)).to_be_visible()
    assert upstream.requests[-1].headers["authorization"] == f"Bearer {SECOND}"
    row.get_by_role("button", name="Move up: personal").click()
    expect(dialog.locator("li").first).to_have_attribute("data-key", "personal")
    assert saved(server)["api_keys"][0] == {"ref": "keyring#2", "name": "personal"}
    dialog.get_by_label("Which key to use").select_option("round_robin")
    expect(page.locator("#toast")).to_have_text("Saved")
    for _ in range(50):
        if saved(server).get("key_order") == "round_robin":
            break
        page.wait_for_timeout(100)
    assert saved(server)["key_order"] == "round_robin"
    # nothing shows a key's value
    html = page.content()
    values = page.eval_on_selector_all("input", "els => els.map(e => e.value)")
    assert SECOND not in html and PROVIDER_KEY not in html
    assert all(SECOND not in v and PROVIDER_KEY not in v for v in values)
    # unnamed keys are named by position: the old first key is "key 2" now
    dialog.get_by_role("button", name="Remove: key 2").click()
    expect(dialog.locator("li[data-key='key 2']")).to_have_count(0)
    assert server.secrets.get("up") is None
    assert page.js_errors == []
