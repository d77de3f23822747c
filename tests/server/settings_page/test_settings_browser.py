"""The settings page in a real headless Chromium against a live Switchboard
and fake OpenAI-compatible upstreams (real HTTP both ways).

Uses Debian's /usr/bin/chromium through Playwright (no browser download).
Screenshots of each main screen go to build/screenshots/settings-*.png.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.conftest import UPSTREAM_FIXTURES
from tests.server.settings_page.conftest import CHROMIUM, PROVIDER_KEY, SCREENSHOTS, open_settings, openai_provider
from tests.support.fake_upstream import json_script, sse_file_script

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

OPENAI_STREAM = UPSTREAM_FIXTURES / "openai" / "stream-text-usage-chunk.sse"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}")


@pytest.fixture
def new_page(browser) -> Iterator[Any]:
    contexts = []

    def make(server, *, color_scheme: str = "light") -> Any:
        ctx = browser.new_context(viewport={"width": 1240, "height": 860}, color_scheme=color_scheme,
                                  reduced_motion="reduce")
        ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
        contexts.append(ctx)
        return open_settings(ctx, server, console_errors=True)

    yield make
    for ctx in contexts:
        ctx.close()


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"settings-{name}.png"), full_page=True)


def assert_key_hidden(page, server, *, typing: bool = False) -> None:
    """The key is in no markup, no field (unless the user is still typing it
    into the password box), and not in the config file."""
    html = page.content()
    assert PROVIDER_KEY not in html
    if not typing:
        values = page.eval_on_selector_all("input", "els => els.map(e => e.value)")
        assert all(PROVIDER_KEY not in v for v in values)
    if server.settings.config_path.exists():
        assert PROVIDER_KEY not in server.settings.config_path.read_text()


def messages(server, model: str = "claude-sonnet-4-5") -> Any:
    return server.post("/v1/messages", {"model": model, "max_tokens": 30, "stream": True,
                                        "messages": [{"role": "user", "content": "hello"}]})


def test_first_run_flow(make_server, upstream, claude_code, new_page):
    server = make_server({})
    page = new_page(server)
    expect(page.get_by_role("heading", name="Welcome to Switchboard")).to_be_visible()
    expect(page.locator(".steps li[aria-current=step]")).to_have_text("Choose a provider")
    for name in ("Anthropic", "OpenAI", "Google Gemini", "DeepSeek", "OpenRouter", "Groq", "Moonshot Kimi",
                 "Zhipu GLM (z.ai)", "Zhipu GLM (bigmodel.cn)", "Qwen (DashScope)", "MiniMax", "SiliconFlow",
                 "xAI Grok", "Mistral", "Ollama (this computer)", "LM Studio (this computer)",
                 "Custom (OpenAI-compatible)", "Custom (Anthropic-compatible)"):
        expect(page.get_by_label(name, exact=True)).to_be_visible()
    shot(page, "setup-1-choose")

    page.get_by_label("Custom (OpenAI-compatible)", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".steps li[aria-current=step]")).to_have_text("Address and key")
    page.get_by_label("Server address (base URL)").fill(upstream.url + "/v1")
    page.get_by_label("API key (optional)", exact=True).fill("sk-wrong-key-000000000")
    page.get_by_label("Model name").fill("gpt-test")

    # A rejected key is explained, and nothing is saved.
    upstream.queue(json_script({"error": {"message": "Incorrect API key provided: sk-wron***0000",
                                          "code": "invalid_api_key"}}, status=401))
    page.get_by_role("button", name="Test and continue").click()
    expect(page.get_by_text(re.compile("The key was rejected by"))).to_be_visible()
    assert not server.settings.config_path.exists()

    page.get_by_label("API key (optional)", exact=True).fill(PROVIDER_KEY)
    shot(page, "setup-2-key")
    upstream.queue(sse_file_script(OPENAI_STREAM))
    page.get_by_role("button", name="Test and continue").click()
    expect(page.locator(".steps li[aria-current=step]")).to_have_text("Connect Claude Code")
    assert upstream.requests[-1].headers["authorization"] == f"Bearer {PROVIDER_KEY}"
    assert upstream.requests[-1].json["stream"] is True
    expect(page.get_by_role("button", name="Connect Claude Code")).to_be_visible()
    shot(page, "setup-3-connect")

    page.get_by_role("button", name="Connect Claude Code").click()
    expect(page.get_by_text("Claude Code is connected to Switchboard.")).to_be_visible()
    assert claude_code.calls == [("connect", server.url, server.gateway.access_key())]
    page.get_by_role("button", name="Finish").click()
    expect(page.get_by_role("heading", name="You're set")).to_be_visible()
    expect(page.get_by_text(re.compile(r"now go to .*\(gpt-test\)"))).to_be_visible()
    shot(page, "setup-done")
    assert_key_hidden(page, server)

    saved = json.loads(server.settings.config_path.read_text())
    (pid,) = saved["providers"]
    assert saved["providers"][pid]["api_key"] == "keyring"
    assert server.secrets.get(pid) == PROVIDER_KEY
    assert saved["routes"][saved["active_route"]]["default"] == f"{pid}/gpt-test"

    # Claude Code's requests now reach the chosen provider and model.
    upstream.queue(sse_file_script(OPENAI_STREAM))
    r = messages(server)
    assert r.status_code == 200 and "message_stop" in r.text
    assert upstream.requests[-1].json["model"] == "gpt-test"

    page.get_by_role("button", name="Open settings").click()
    expect(page.get_by_role("heading", name="Providers", exact=True)).to_be_visible()
    assert page.js_errors == []


def test_add_test_and_delete_a_provider(make_server, upstream, upstream2, new_page):
    server = make_server({"providers": {"up": openai_provider(upstream.url)},
                          "routes": {"main": {"default": "up/m1"}}, "active_route": "main"})
    server.secrets.set("up", "sk-other-key-1234567890")
    page = new_page(server)
    expect(page.get_by_role("heading", name="Providers", exact=True)).to_be_visible()
    expect(page.locator("#route-pill")).to_have_text("Active route: main")
    shot(page, "providers")

    page.get_by_role("button", name="Add provider").click()
    dialog = page.get_by_role("dialog", name="Add a provider")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Service").select_option(label="Custom (OpenAI-compatible)")
    dialog.get_by_label("Name shown in Switchboard").fill("Lab server")
    dialog.get_by_label("Server address (base URL)").fill(upstream2.url + "/v1")
    dialog.get_by_label("API key", exact=True).fill(PROVIDER_KEY)
    upstream2.queue(json_script({"object": "list", "data": [{"id": "lab-a"}, {"id": "lab-b"}]}))
    dialog.get_by_role("button", name="Fetch models").click()
    expect(dialog.get_by_text("2 models found.")).to_be_visible()
    assert upstream2.requests[-1].path == "/v1/models"
    dialog.get_by_label("lab-b").check()
    shot(page, "provider-dialog")
    assert_key_hidden(page, server, typing=True)
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    assert_key_hidden(page, server)

    card = page.locator("article[data-provider=lab-server]")
    expect(card.get_by_role("heading", name="Lab server")).to_be_visible()
    expect(card).to_contain_text("Key saved: sk-…3210")
    expect(card).to_contain_text("lab-b")
    saved = json.loads(server.settings.config_path.read_text())
    assert saved["providers"]["lab-server"]["models"] == ["lab-b"]
    assert saved["providers"]["lab-server"]["api_key"] == "keyring"
    assert server.secrets.get("lab-server") == PROVIDER_KEY

    upstream2.queue(sse_file_script(OPENAI_STREAM))
    card.get_by_role("button", name="Test connection: Lab server").click()
    expect(card.get_by_text(re.compile(r"Connected\. lab-b answered in \d+ ms"))).to_be_visible()
    assert upstream2.requests[-1].json["model"] == "lab-b"

    upstream2.queue(json_script({"error": {"message": "Incorrect API key provided"}}, status=401))
    card.get_by_role("button", name="Test connection: Lab server").click()
    expect(card.get_by_text("✗ The key was rejected by Lab server. Check that you copied the whole key.")).to_be_visible()
    shot(page, "provider-tested")
    assert_key_hidden(page, server)

    card.get_by_role("button", name="Delete: Lab server").click()
    confirm = page.get_by_role("dialog", name="Delete “Lab server”?")
    expect(confirm).to_contain_text("Its saved key is removed")
    confirm.get_by_role("button", name="Delete").click()
    expect(card).to_have_count(0)
    assert "lab-server" not in json.loads(server.settings.config_path.read_text())["providers"]
    assert server.secrets.get("lab-server") is None

    # A provider a route uses cannot be deleted; the page says why.
    used = page.locator("article[data-provider=up]")
    used.get_by_role("button", name="Delete: Up One").click()
    expect(page.get_by_role("dialog")).to_contain_text("The route(s) “main” send requests to “Up One”")
    assert page.js_errors == []


def test_build_a_route_activate_it_and_requests_follow(make_server, upstream, upstream2, new_page):
    server = make_server({
        "providers": {"a": openai_provider(upstream.url, name="Alpha", models=["m1"]),
                      "b": openai_provider(upstream2.url, name="Beta", models=["b1", "b2"])},
        "routes": {"main": {"name": "Main", "default": "a/m1"}}, "active_route": "main"})
    server.secrets.set("a", "sk-alpha-key-000000001")
    server.secrets.set("b", PROVIDER_KEY)
    page = new_page(server)
    page.get_by_role("link", name="Routes").click()
    expect(page.get_by_role("heading", name="Routes", exact=True)).to_be_visible()

    page.get_by_role("button", name="New route").click()
    dialog = page.get_by_role("dialog", name="New route")
    dialog.get_by_label("Route name").fill("Cheap")
    dialog.get_by_label("Default model").select_option("b/b2")
    dialog.get_by_label("Haiku requests (background tasks)").select_option("b/b1")
    dialog.get_by_role("button", name="Add a fallback").click()
    dialog.get_by_label("Fallback 1", exact=True).select_option("a/m1")
    expect(dialog.get_by_label("Make this the active route")).to_be_checked()
    shot(page, "route-dialog")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#route-pill")).to_have_text("Active route: Cheap")
    card = page.locator("article[data-route=cheap]")
    expect(card).to_contain_text("Beta · b2")
    expect(card).to_contain_text("Alpha · m1")
    shot(page, "routes")

    cfg = server.gateway.config
    assert cfg.active_route == "cheap"
    assert cfg.routes["cheap"].targets == {"default": ("b/b2",), "haiku": ("b/b1",), "fallback": ("a/m1",)}

    upstream2.queue(sse_file_script(OPENAI_STREAM))
    r = messages(server)
    assert r.status_code == 200
    assert r.headers["x-switchboard-target"] == "b/b2"
    assert upstream2.requests[-1].json["model"] == "b2"
    assert upstream.requests == []

    # Switch back from the page; the next request follows at once.
    page.get_by_role("radio", name=re.compile("^Main")).check()
    expect(page.locator("#route-pill")).to_have_text("Active route: Main")
    assert server.gateway.config.active_route == "main"
    upstream.queue(sse_file_script(OPENAI_STREAM))
    assert messages(server).headers["x-switchboard-target"] == "a/m1"
    assert page.js_errors == []


def test_claude_code_activity_and_dark_theme(make_server, upstream, claude_code, new_page):
    server = make_server({"providers": {"up": openai_provider(upstream.url)},
                          "routes": {"main": {"name": "Main", "default": "up/m1"}}, "active_route": "main"})
    server.secrets.set("up", PROVIDER_KEY)
    for _ in range(3):
        upstream.queue(sse_file_script(OPENAI_STREAM))
        assert messages(server).status_code == 200
    upstream.queue(json_script({"error": {"message": "Invalid 'max_tokens'"}}, status=400))
    assert messages(server).status_code == 400

    page = new_page(server)
    page.get_by_role("link", name="Claude Code").click()
    key_box = page.get_by_label("Access key", exact=True)
    expect(key_box).to_have_attribute("type", "password")
    expect(page.get_by_label("Base URL", exact=True)).to_have_value(server.url)
    page.get_by_role("button", name="Copy: Base URL").click()
    assert page.evaluate("navigator.clipboard.readText()") == server.url
    page.get_by_role("button", name="Show").click()
    expect(key_box).to_have_attribute("type", "text")
    expect(key_box).to_have_value(server.gateway.access_key())
    page.get_by_role("button", name="Hide").click()
    expect(page.get_by_role("button", name="Connect Claude Code")).to_be_visible()
    shot(page, "claude-code")

    page.get_by_role("link", name="Activity").click()
    expect(page.get_by_role("heading", name="Activity", exact=True)).to_be_visible()
    rows = page.locator("table.activity tbody tr:not(.why)")
    expect(rows).to_have_count(4)
    expect(rows.first).to_contain_text("Failed (400)")
    expect(page.locator(".total")).to_contain_text("4 requests")
    expect(page.locator(".total")).to_contain_text("1 failed")
    shot(page, "activity")
    assert_key_hidden(page, server)

    dark = new_page(server, color_scheme="dark")
    expect(dark.get_by_role("heading", name="Providers", exact=True)).to_be_visible()
    bg = dark.evaluate("getComputedStyle(document.body).backgroundColor")
    assert bg == "rgb(17, 19, 25)"
    shot(dark, "providers-dark")
    dark.get_by_role("link", name="Routes").click()
    shot(dark, "routes-dark")
    assert page.js_errors == [] and dark.js_errors == []


def test_keyboard_only_navigation(make_server, upstream, new_page):
    server = make_server({"providers": {"up": openai_provider(upstream.url)},
                          "routes": {"main": {"default": "up/m1"}}, "active_route": "main"})
    page = new_page(server)
    expect(page.get_by_role("heading", name="Providers", exact=True)).to_be_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#providers"
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Routes", exact=True)).to_be_visible()
    page.get_by_role("button", name="Edit: main").focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    assert page.evaluate("document.activeElement.id") == "route-name"
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    # Every form control has an accessible name.
    page.get_by_role("link", name="Providers").click()
    page.get_by_role("button", name="Add provider").click()
    unnamed = page.evaluate("""() => [...document.querySelectorAll('dialog input, dialog select, main input, main select')]
        .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).map(e => e.outerHTML)""")
    assert unnamed == []


def test_signed_out_page(make_server, browser):
    server = make_server({})
    ctx = browser.new_context(viewport={"width": 1000, "height": 600})
    try:
        page = ctx.new_page()
        page.goto(server.url + "/settings/login?token=not-a-real-token")
        expect(page.get_by_role("heading", name="Open Switchboard settings from the app")).to_be_visible()
        shot(page, "signed-out")
        page.goto(server.url + "/settings/")
        expect(page.get_by_role("heading", name="Open Switchboard settings from the app")).to_be_visible()
    finally:
        ctx.close()


def test_network_screen(make_server, upstream, new_page, tmp_path):
    server = make_server({"providers": {"up": openai_provider(upstream.url)},
                          "routes": {"main": {"default": "up/m1"}}, "active_route": "main"})
    pem = tmp_path / "company-root.pem"
    pytest.importorskip("trustme").CA().cert_pem.write_to_path(str(pem))  # a real CA: it is loaded on save
    password = "pr0xy-SECRET-pa55word-77"
    page = new_page(server)
    page.get_by_role("link", name="Network").click()
    expect(page.get_by_role("heading", name="Network", exact=True)).to_be_visible()
    expect(page.get_by_label("Use system settings")).to_be_checked()
    expect(page.get_by_label("Proxy address")).to_be_hidden()
    expect(page.get_by_label("Connect timeout")).to_have_attribute("placeholder", "10")
    expect(page.get_by_label("First answer timeout")).to_have_attribute("placeholder", "120")

    # Errors come back in plain words and nothing is saved.
    page.get_by_label("Custom proxy").check()
    page.get_by_label("Proxy address").fill("ftp://proxy.corp.example:21")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#network-error")).to_contain_text("Please check “Proxy address”")
    assert not server.settings.config_path.exists()

    page.get_by_label("Proxy address").fill("http://proxy.corp.example:3128")
    page.get_by_label("User name (optional)").fill("alice")
    page.get_by_label("Password (optional)").fill(password)
    page.get_by_label("Certificate file (PEM) (optional)").fill(str(pem))
    page.get_by_label("First answer timeout").fill("300")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("A password is saved.", exact=False)).to_be_visible()
    expect(page.get_by_label("Password (optional)")).to_have_value("")

    saved = json.loads(server.settings.config_path.read_text())
    assert saved["network"] == {"proxy": "http://alice@proxy.corp.example:3128", "ca_file": str(pem),
                                "timeouts": {"first_byte": 300}}
    assert server.secrets.get("proxy:proxy.corp.example:3128") == password
    assert server.gateway.config.network.first_byte == 300.0
    assert password not in page.content() and password not in server.settings.config_path.read_text()
    expect(page.get_by_label("Proxy address")).to_have_value("http://proxy.corp.example:3128")
    expect(page.get_by_label("User name (optional)")).to_have_value("alice")
    shot(page, "network")

    # Keyboard: a timeout that is not a number is caught before saving.
    page.get_by_label("Connect timeout").fill("0")
    page.get_by_label("Connect timeout").press("Enter")
    expect(page.locator("#network-error")).to_contain_text("“Connect timeout” must be a number of seconds")
    page.get_by_label("Connect timeout").fill("")
    page.get_by_label("No proxy").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_label("No proxy")).to_be_checked()
    expect(page.get_by_label("Proxy address")).to_be_hidden()
    # The radio is checked at the click; the save answers a moment later.
    for _ in range(100):
        if server.gateway.config.network.proxy == "none":
            break
        page.wait_for_timeout(50)
    assert server.gateway.config.network.proxy == "none"
    unnamed = page.evaluate("""() => [...document.querySelectorAll('main input, main select')]
        .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).map(e => e.outerHTML)""")
    assert unnamed == []

    dark = new_page(server, color_scheme="dark")
    dark.get_by_role("link", name="Network").click()
    expect(dark.get_by_role("heading", name="Network", exact=True)).to_be_visible()
    shot(dark, "network-dark")
    assert page.js_errors == [] and dark.js_errors == []
