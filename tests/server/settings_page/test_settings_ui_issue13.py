"""Issue 13, the settings page's confusing parts (items 6-17, 19 and the
stored-key message), in a real headless Chromium against a live Switchboard
and fake upstreams on 127.0.0.1.

Screenshots of the screens these change go to build/screenshots/settings-*.png.
"""
from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest

from tests.server.settings_page.conftest import PROVIDER_KEY, openai_provider
from tests.server.settings_page.test_settings_browser import (  # noqa: F401  (fixtures)
    CHROMIUM, OPENAI_STREAM, expect, messages, new_page, shot)
from tests.support.fake_upstream import json_script, sse_file_script
from tests.support.live_server import free_port

pytestmark = pytest.mark.skipif(not __import__("pathlib").Path(CHROMIUM).exists(), reason="no Chromium")

FAST = 1500  # "within a second", with a little room for a loaded test machine


def saved_config(server) -> dict[str, Any]:
    return json.loads(server.settings.config_path.read_text())


def wizard_to_step_2(page, preset: str) -> None:
    page.get_by_role("link", name="Setup guide").click()
    page.get_by_label(preset, exact=True).check()
    page.get_by_role("button", name="Continue").click()


def primary_buttons(page) -> int:
    return page.locator("main button.primary:visible").count()


# -- 6: the setup guide again reuses what exists, and asks before switching ------------

def test_setup_guide_again_reuses_provider_and_route_and_asks(make_server, upstream, new_page):
    server = make_server({"providers": {"lab": {"type": "openai", "base_url": upstream.url + "/v1",
                                                "name": "Lab", "models": ["gpt-test"]}},
                          "routes": {"main": {"name": "Main", "default": "lab/gpt-test"}},
                          "active_route": "main"})
    page = new_page(server)
    expect(page.get_by_role("heading", name="Providers", exact=True)).to_be_visible()

    # Same service, same address, same model: nothing new is made.
    wizard_to_step_2(page, "Custom (OpenAI-compatible)")
    page.get_by_label("Server address (base URL)").fill(upstream.url + "/v1/")
    page.get_by_label("Model name").fill("gpt-test")
    upstream.queue(sse_file_script(OPENAI_STREAM))
    page.get_by_role("button", name="Test and continue").click()
    expect(page.locator(".steps li[aria-current=step]")).to_have_text("Connect Claude Code")
    expect(page.get_by_text("Lab was already set up: Switchboard updated it instead of adding a copy.")).to_be_visible()
    expect(page.get_by_text("The route “Main” already sends requests there")).to_be_visible()
    data = saved_config(server)
    assert list(data["providers"]) == ["lab"]
    assert list(data["routes"]) == ["main"] and data["active_route"] == "main"

    page.get_by_role("button", name="Finish", exact=True).click()
    page.get_by_role("button", name="Go to the Claude Code screen").click()

    # Another model of the same provider: a new route named for where it goes,
    # not a second "Main", and not made active without asking.
    wizard_to_step_2(page, "Custom (OpenAI-compatible)")
    page.get_by_label("Server address (base URL)").fill(upstream.url + "/v1")
    page.get_by_label("Model name").fill("gpt-other")
    upstream.queue(sse_file_script(OPENAI_STREAM))
    page.get_by_role("button", name="Test and continue").click()
    choice = page.locator("#setup-route-choice")
    expect(choice).to_contain_text("Requests still go to your active route “Main”")
    shot(page, "setup-3-again")
    data = saved_config(server)
    assert list(data["providers"]) == ["lab"]
    assert data["providers"]["lab"]["models"] == ["gpt-test", "gpt-other"]
    assert len(data["routes"]) == 2 and data["active_route"] == "main"
    new_rid = next(r for r in data["routes"] if r != "main")
    assert data["routes"][new_rid] == {"name": "Lab · gpt-other", "default": "lab/gpt-other"}
    assert [r.name for r in server.gateway.config.routes.values()].count("Main") == 1

    choice.get_by_role("button", name="Use “Lab · gpt-other” from now on").click()
    expect(page.locator("#route-pill")).to_have_text("Active route: Lab · gpt-other")
    assert server.gateway.config.active_route == new_rid
    assert page.js_errors == []


def test_setup_api_reuses_and_keeps_the_active_route(make_server, signed_in, upstream):
    server = make_server({})
    api = signed_in(server)
    body = {"preset": "custom-openai", "type": "openai", "base_url": upstream.url + "/v1", "model": "m1"}
    first = api.call("POST", "setup", body).json()
    assert first["active"] is True and first["route_name"] == "Main"
    again = api.call("POST", "setup", body).json()
    assert (again["id"], again["route"], again["reused_provider"], again["reused_route"]) == \
        (first["id"], first["route"], True, True)
    other = api.call("POST", "setup", {**body, "model": "m2"}).json()
    assert other["active"] is False and other["active_route"] == first["route"]
    data = saved_config(server)
    assert len(data["providers"]) == 1 and len(data["routes"]) == 2
    asked = api.call("POST", "setup", {**body, "model": "m3", "activate": True}).json()
    assert asked["active"] is True and saved_config(server)["active_route"] == asked["route"]

    # Ollama twice: still one "ollama" (no "ollama-2"), and one route to it.
    ollama = {"preset": "ollama", "type": "openai", "base_url": "http://127.0.0.1:11434/v1", "model": "llama3.2"}
    one = api.call("POST", "setup", ollama).json()
    two = api.call("POST", "setup", ollama).json()
    assert one["id"] == two["id"] == "ollama" and one["route"] == two["route"]
    data = saved_config(server)
    assert [p for p in data["providers"] if p.startswith("ollama")] == ["ollama"]
    names = [r["name"] for r in data["routes"].values()]
    assert len(names) == len(set(names)) == 4


# -- 7: the page follows changes made elsewhere within a second -------------------------

def two_routes(upstream) -> dict[str, Any]:
    return {"providers": {"up": openai_provider(upstream.url, models=["m1", "m2"])},
            "routes": {"main": {"name": "Main", "default": "up/m1"},
                       "cheap": {"name": "Cheap", "default": "up/m2"}},
            "active_route": "main"}


def test_tray_route_switch_reaches_an_open_page(make_server, upstream, new_page):
    server = make_server(two_routes(upstream))
    server.secrets.set("up", PROVIDER_KEY)
    page = new_page(server)
    page.get_by_role("link", name="Routes").click()
    expect(page.locator("#route-pill")).to_have_text("Active route: Main")
    page.wait_for_timeout(300)  # the event stream is open

    # The tray's path: Gateway.switch_route from another thread than the server's loop.
    server.gateway.switch_route("cheap")
    expect(page.locator("#route-pill")).to_have_text("Active route: Cheap", timeout=FAST)
    expect(page.get_by_role("radio", name=re.compile("^Cheap"))).to_be_checked(timeout=FAST)
    expect(page.locator("article[data-route=cheap] .badge.active")).to_be_visible(timeout=FAST)

    # On the Activity screen too: the pill and the new rows, without waiting for the 5 s timer.
    page.get_by_role("link", name="Activity").click()
    expect(page.get_by_text("No requests yet.", exact=False)).to_be_visible()
    upstream.queue(sse_file_script(OPENAI_STREAM))
    assert messages(server).status_code == 200
    expect(page.locator("table.activity tbody tr")).to_have_count(1, timeout=FAST)
    expect(page.locator("table.activity tbody tr").first).to_contain_text("Cheap")
    server.gateway.switch_route("main")
    expect(page.locator("#route-pill")).to_have_text("Active route: Main", timeout=FAST)
    assert page.js_errors == []


def test_without_the_event_stream_a_short_poll_keeps_up(make_server, upstream, new_page):
    server = make_server(two_routes(upstream))
    page = new_page(server)
    page.route("**/settings/api/events", lambda route: route.fulfill(status=403, body="{}",
                                                                      content_type="application/json"))
    page.reload()
    expect(page.locator("#route-pill")).to_have_text("Active route: Main")
    page.wait_for_timeout(1200)  # the poll has its first answer
    server.gateway.switch_route("cheap")
    expect(page.locator("#route-pill")).to_have_text("Active route: Cheap", timeout=2500)


def test_claude_code_connection_changed_outside_reaches_the_page(make_server, upstream, claude_code, new_page):
    server = make_server(two_routes(upstream))
    page = new_page(server)
    page.get_by_role("link", name="Claude Code").click()
    expect(page.get_by_text("Claude Code is not connected.")).to_be_visible()
    page.wait_for_timeout(300)
    # Claude Code's settings file changed by someone else (the tray, a hand edit).
    claude_code.state = {"ANTHROPIC_BASE_URL": server.url, "ANTHROPIC_AUTH_TOKEN": server.gateway.access_key()}
    expect(page.get_by_text("Claude Code is connected to Switchboard.")).to_be_visible(timeout=3500)
    expect(page.get_by_role("button", name="Disconnect")).to_be_visible()
    claude_code.state = None
    expect(page.get_by_text("Claude Code is not connected.")).to_be_visible(timeout=3500)
    assert page.js_errors == []


def custom_provider_tested(page, upstream) -> None:
    """The setup guide's first two steps: a custom OpenAI-compatible provider
    on ``upstream``, tested (the upstream answers the test), on to step 3."""
    page.get_by_label("Custom (OpenAI-compatible)", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Server address (base URL)").fill(upstream.url + "/v1")
    page.get_by_label("Model name").fill("gpt-test")
    upstream.queue(sse_file_script(OPENAI_STREAM))
    page.get_by_role("button", name="Test and continue").click()


def test_connect_in_the_wizard_and_the_claude_screen_agree(make_server, upstream, claude_code, new_page):
    server = make_server({})
    page = new_page(server)
    page.get_by_label("OpenAI", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".steps li[aria-current=step]")).to_have_text("Paste your key")
    # The OpenAI preset talks to api.openai.com: point it at the fake upstream through a custom URL instead.
    page.get_by_role("button", name="Back").click()
    custom_provider_tested(page, upstream)
    page.get_by_role("button", name="Connect Claude Code").click()
    expect(page.locator("#claude-status")).to_have_text("Claude Code is connected to Switchboard.")
    page.get_by_role("button", name="Finish", exact=True).click()
    page.get_by_role("button", name="Open settings").click()
    page.get_by_role("link", name="Claude Code").click()
    expect(page.get_by_role("heading", name="Claude Code", exact=True)).to_be_visible()
    expect(page.locator("#claude-status")).to_have_text("Claude Code is connected to Switchboard.")
    expect(page.get_by_role("button", name="Disconnect")).to_be_visible()
    assert claude_code.state and claude_code.state["ANTHROPIC_BASE_URL"] == server.url


# -- 8: the test result in the provider dialog comes into view ------------------------------

def test_dialog_test_result_is_scrolled_into_view(make_server, upstream, new_page, browser):
    server = make_server({"providers": {"up": openai_provider(upstream.url, models=[f"model-{i}" for i in range(40)])},
                          "routes": {"main": {"default": "up/model-0"}}, "active_route": "main"})
    server.secrets.set("up", PROVIDER_KEY)
    page = new_page(server)
    page.set_viewport_size({"width": 900, "height": 560})
    page.get_by_role("button", name="Edit: Up One").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    result = dialog.locator(".result")
    upstream.queue(sse_file_script(OPENAI_STREAM))
    dialog.get_by_role("button", name="Test", exact=True).click()
    expect(result).to_contain_text("Connected.")
    expect(result).to_be_in_viewport()
    shot(page, "provider-dialog-tested")


# -- 9: wizard step 3 says what is true and keeps the next step visible ----------------------

def test_wizard_last_step_without_connecting(make_server, upstream, claude_code, new_page):
    server = make_server({})
    page = new_page(server)
    custom_provider_tested(page, upstream)
    expect(page.get_by_role("button", name="Connect Claude Code")).to_be_visible()
    assert primary_buttons(page) == 1
    page.get_by_role("button", name="Finish without connecting").click()
    expect(page.get_by_role("heading", name="Switchboard is ready")).to_be_visible()
    expect(page.get_by_text("Claude Code is not connected yet", exact=False)).to_be_visible()
    assert "You're set" not in page.inner_text("main") and "now go to" not in page.inner_text("main")
    shot(page, "setup-done-not-connected")
    page.get_by_role("button", name="Go to the Claude Code screen").click()
    expect(page.get_by_role("button", name="Connect Claude Code")).to_be_visible()


def test_wizard_last_step_after_connecting_keeps_restart_visible(make_server, upstream, claude_code, new_page):
    server = make_server({})
    page = new_page(server)
    custom_provider_tested(page, upstream)
    page.get_by_role("button", name="Connect Claude Code").click()
    restart = page.locator("#claude-restart")
    expect(restart).to_contain_text("restart Claude Code")
    assert primary_buttons(page) == 1
    expect(page.get_by_role("button", name="Finish", exact=True)).to_have_class(re.compile("primary"))
    page.wait_for_timeout(4000)  # longer than a toast lives, and past a live redraw
    expect(restart).to_be_visible()
    shot(page, "setup-3-connected")
    page.get_by_role("button", name="Finish", exact=True).click()
    expect(page.get_by_role("heading", name="You're set")).to_be_visible()
    expect(page.get_by_text(re.compile(r"now go to .*\(gpt-test\)"))).to_be_visible()
    expect(page.locator("#done-restart")).to_be_visible()
    assert page.js_errors == []


# -- 10, 13, 14: test results in plain words --------------------------------------------------

def test_test_result_says_connection_not_route(make_server, upstream, new_page):
    server = make_server({"providers": {"up": openai_provider(upstream.url)},
                          "routes": {"main": {"default": "up/m1"}}, "active_route": "main"})
    server.secrets.set("up", PROVIDER_KEY)
    page = new_page(server)
    card = page.locator("article[data-provider=up]")
    upstream.queue(sse_file_script(OPENAI_STREAM))
    card.get_by_role("button", name="Test connection: Up One").click()
    expect(card.locator(".result")).to_contain_text("Connection: direct")
    assert "Route:" not in card.locator(".result").inner_text()


def test_local_server_not_running_gets_a_next_step(make_server, new_page):
    port = free_port()  # nothing listens here
    server = make_server({"providers": {
        "box": {"type": "openai", "base_url": f"http://127.0.0.1:{port}/v1", "name": "Box", "models": ["m"]},
        "ollama": {"type": "openai", "base_url": f"http://127.0.0.1:{port}/v1", "profile": "ollama",
                   "name": "Ollama", "models": ["llama3"]}},
        "routes": {"main": {"default": "box/m"}}, "active_route": "main"})
    page = new_page(server)
    box = page.locator("article[data-provider=box]")
    box.get_by_role("button", name="Test connection: Box").click()
    expect(box.locator(".result strong")).to_have_text(
        f"✗ Nothing is answering at 127.0.0.1:{port} on this computer. Is that server program running? Check the address too.")
    assert "internet" not in box.inner_text()
    ollama = page.locator("article[data-provider=ollama]")
    ollama.get_by_role("button", name="Test connection: Ollama").click()
    expect(ollama.locator(".result strong")).to_contain_text("Is Ollama running?")
    assert "internet" not in ollama.inner_text()
    shot(page, "provider-local-down")

    # The same words on the Activity screen when a request could not get through.
    assert messages(server).status_code >= 500
    page.get_by_role("link", name="Activity").click()
    expect(page.locator("tr.why")).to_contain_text(f"Nothing is answering at 127.0.0.1:{port} on this computer")
    assert "internet" not in page.locator("tr.why").inner_text()


def test_after_quit_the_page_says_switchboard_is_not_answering(make_server, upstream, new_page):
    server = make_server({"providers": {"up": openai_provider(upstream.url)},
                          "routes": {"main": {"default": "up/m1"}}, "active_route": "main"})
    page = new_page(server)
    card = page.locator("article[data-provider=up]")
    expect(card).to_be_visible()
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 6
    card.get_by_role("button", name="Test connection: Up One").click()
    expect(card.locator(".result strong")).to_have_text("✗ Switchboard is not answering. Is it still running?")
    expect(card.locator(".result details")).to_have_count(0)
    expect(page.locator("#offline")).to_contain_text("Switchboard is not answering. Is it still running?", timeout=5000)
    shot(page, "not-answering")


# -- 12: activity in plain words --------------------------------------------------------------

def test_activity_shows_reason_route_name_and_token_labels(make_server, upstream, new_page):
    server = make_server({"providers": {"up": openai_provider(upstream.url)},
                          "routes": {"r1": {"name": "Everyday", "default": "up/m1"}}, "active_route": "r1"})
    server.secrets.set("up", PROVIDER_KEY)
    upstream.queue(sse_file_script(OPENAI_STREAM))
    assert messages(server).status_code == 200
    upstream.queue(*[json_script({"error": {"message": "The server had an error processing your request"}}, status=500)
                     for _ in range(5)])
    assert messages(server).status_code >= 500
    page = new_page(server)
    page.get_by_role("link", name="Activity").click()
    table = page.locator("table.activity")
    expect(table.locator("thead")).to_contain_text("Input tokens")
    expect(table.locator("thead")).to_contain_text("Output tokens")
    rows = table.locator("tbody tr:not(.why)")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Everyday")
    assert "r1" not in rows.first.inner_text().split()
    why = table.locator("tr.why")
    expect(why).to_contain_text("Why it failed: Up One had a problem on its side")
    expect(why).to_contain_text("The server had an error processing your request")
    expect(rows.first.locator("td.status-bad")).to_have_attribute("title", re.compile("had a problem on its side"))
    expect(page.locator(".total")).to_contain_text("input tokens")
    shot(page, "activity-failed")
    dark = new_page(server, color_scheme="dark")
    dark.get_by_role("link", name="Activity").click()
    expect(dark.locator("tr.why")).to_be_visible()
    shot(dark, "activity-failed-dark")


# -- 15: the custom provider gets a name, and the address a hint ------------------------------

def test_custom_provider_name_and_url_hint_in_the_wizard(make_server, upstream, new_page):
    server = make_server({})
    page = new_page(server)
    page.get_by_label("Custom (Anthropic-compatible)", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    url = page.get_by_label("Server address (base URL)")
    expect(url).to_have_attribute("placeholder", "https://api.example.com/anthropic")
    expect(page.get_by_text("Anthropic-compatible addresses do not end in /v1", exact=False)).to_be_visible()
    page.get_by_role("button", name="Back").click()
    page.get_by_label("Custom (OpenAI-compatible)", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("OpenAI-compatible addresses usually end in /v1", exact=False)).to_be_visible()
    page.get_by_label("Name shown in Switchboard").fill("Lab box")
    url.fill(upstream.url + "/v1")
    page.get_by_label("Model name").fill("gpt-test")
    shot(page, "setup-2-custom")
    upstream.queue(sse_file_script(OPENAI_STREAM))
    page.get_by_role("button", name="Test and continue").click()
    expect(page.locator(".steps li[aria-current=step]")).to_have_text("Connect Claude Code")
    (entry,) = saved_config(server)["providers"].values()
    assert entry["name"] == "Lab box"
    page.get_by_role("button", name="Finish", exact=True).click()
    page.get_by_role("button", name="Go to the Claude Code screen").click()
    page.get_by_role("link", name="Providers").click()
    expect(page.get_by_role("heading", name="Lab box")).to_be_visible()


# -- 17: delete says what is in the way first, in the page's own dialog ----------------------

def test_delete_in_use_and_keyless_in_the_pages_dialog(make_server, upstream, upstream2, new_page):
    server = make_server({"providers": {"up": openai_provider(upstream.url),
                                        "box": {"type": "openai", "base_url": upstream2.url + "/v1",
                                                "name": "Box", "models": ["x"]}},
                          "routes": {"main": {"name": "Main", "default": "up/m1"}}, "active_route": "main"})
    server.secrets.set("up", PROVIDER_KEY)
    page = new_page(server)
    browser_dialogs: list[str] = []
    page.on("dialog", lambda d: (browser_dialogs.append(d.message), d.dismiss()))

    page.get_by_role("button", name="Delete: Up One").click()
    dialog = page.get_by_role("dialog", name="“Up One” is still used by a route")
    expect(dialog).to_contain_text("The route(s) “Main” send requests to “Up One”")
    expect(dialog.get_by_role("button", name="Delete")).to_have_count(0)
    shot(page, "provider-in-use")
    dialog.get_by_role("button", name="Go to Routes").click()
    expect(page.get_by_role("heading", name="Routes", exact=True)).to_be_visible()
    assert "up" in saved_or_initial(server)

    page.get_by_role("link", name="Providers").click()
    page.get_by_role("button", name="Delete: Box").click()
    dialog = page.get_by_role("dialog", name="Delete “Box”?")
    expect(dialog).to_be_visible()
    assert "key" not in dialog.inner_text().lower()
    dialog.get_by_role("button", name="Cancel").click()
    expect(page.locator("article[data-provider=box]")).to_be_visible()
    page.get_by_role("button", name="Delete: Box").click()
    page.get_by_role("dialog", name="Delete “Box”?").get_by_role("button", name="Delete").click()
    expect(page.locator("article[data-provider=box]")).to_have_count(0)
    assert "box" not in saved_config(server)["providers"]

    # Routes and the access key ask in the page's dialog too.
    page.get_by_role("link", name="Routes").click()
    page.get_by_role("button", name="Delete: Main").click()
    expect(page.get_by_role("dialog", name="Delete the route “Main”?")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("article[data-route=main]")).to_be_visible()
    assert browser_dialogs == []


def saved_or_initial(server) -> dict[str, Any]:
    path = server.settings.config_path
    return json.loads(path.read_text())["providers"] if path.exists() else dict(server.gateway.config.providers)


# -- 19: layout and words ----------------------------------------------------------------------

def test_narrow_window_has_no_band_under_the_nav(make_server, upstream, new_page):
    server = make_server({"providers": {"up": openai_provider(upstream.url)},
                          "routes": {"main": {"default": "up/m1"}}, "active_route": "main"})
    page = new_page(server)
    page.set_viewport_size({"width": 700, "height": 900})
    expect(page.get_by_role("heading", name="Providers", exact=True)).to_be_visible()
    nav = page.locator("#nav").bounding_box()
    heading = page.get_by_role("heading", name="Providers", exact=True).bounding_box()
    assert heading["y"] - (nav["y"] + nav["height"]) < 60, (nav, heading)
    assert nav["height"] < 90
    shot(page, "providers-narrow")


def test_preset_cards_are_even_and_keyless_step_words(make_server, new_page):
    server = make_server({})
    page = new_page(server)
    cards = page.locator(".preset-grid .radio-card")
    expect(cards.first).to_be_visible()
    heights = {round(b["height"]) for b in (cards.nth(i).bounding_box() for i in range(cards.count()))}
    assert len(heights) == 1, heights
    page.get_by_label("Ollama (this computer)", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".steps li[aria-current=step]")).to_have_text("Check the connection")
    assert "Paste your key" not in page.inner_text("main")
    shot(page, "setup-2-keyless")


def test_network_intro_matches_the_save_button(make_server, upstream, new_page):
    server = make_server({"providers": {"up": openai_provider(upstream.url)},
                          "routes": {"main": {"default": "up/m1"}}, "active_route": "main"})
    page = new_page(server)
    page.get_by_role("link", name="Network").click()
    intro = page.locator(".view-head p")
    expect(intro).to_contain_text("when you press Save")
    assert "Changes apply at once" not in page.inner_text("main")


# -- stored keys: a changed address needs the key again ---------------------------------------

def key_needed(route) -> None:
    route.fulfill(status=400, content_type="application/json", body=json.dumps({
        "type": "error", "error": {"type": "invalid_request_error", "message": "key_needed: api_key",
                                   "details": {"code": "key_needed", "field": "api_key", "params": {}}}}))


def test_changed_address_asks_for_the_key_again(make_server, upstream, new_page):
    server = make_server({"providers": {"up": openai_provider(upstream.url)},
                          "routes": {"main": {"default": "up/m1"}}, "active_route": "main"})
    server.secrets.set("up", PROVIDER_KEY)
    page = new_page(server)
    page.route("**/settings/api/providers/up", lambda route: key_needed(route) if route.request.method == "PUT"
               else route.continue_())
    page.route("**/settings/api/test", key_needed)
    page.get_by_role("button", name="Edit: Up One").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Server address (base URL)").fill("http://127.0.0.1:9/v1")
    dialog.get_by_role("button", name="Save").click()
    message = "Enter the key again: a saved key is only sent to the address it was saved with."
    expect(dialog.get_by_role("alert")).to_have_text(message)
    expect(dialog.get_by_label("API key", exact=True)).to_be_focused()
    expect(dialog.get_by_label("API key", exact=True)).to_have_attribute("aria-invalid", "true")
    # Right under the field too, instead of "leave this empty to keep it".
    expect(dialog.locator("#provider-key + .hint")).to_have_text(message)
    shot(page, "provider-key-needed")

    dialog.get_by_label("Name shown in Switchboard").focus()
    dialog.get_by_role("button", name="Test", exact=True).click()
    expect(dialog.locator(".result")).to_contain_text(message)
    expect(dialog.get_by_label("API key", exact=True)).to_be_focused()

    page.route("**/settings/api/models", key_needed)
    dialog.get_by_label("Name shown in Switchboard").focus()
    dialog.get_by_role("button", name="Fetch models").click()
    expect(dialog.locator(".model-status")).to_have_text(message)
    expect(dialog.get_by_label("API key", exact=True)).to_be_focused()
