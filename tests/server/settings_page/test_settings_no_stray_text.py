"""Every screen of the page, as a person sees it: no stray "null",
"undefined" or "NaN" text and no script error (a DOM call given a null
child writes the word "null" on the page — it did on the Claude Code screen)."""
from __future__ import annotations

import pytest

from tests.server.settings_page.conftest import CHROMIUM, PROVIDER_KEY, openai_provider
from tests.server.settings_page.test_settings_browser import expect, new_page  # noqa: F401  (fixture)

pytestmark = pytest.mark.skipif(not __import__("pathlib").Path(CHROMIUM).exists(), reason="no Chromium")

SCREENS = ["Providers", "Routes", "Network", "Claude Code", "Activity", "Sessions", "Usage"]
STRAY = ("null", "undefined", "NaN", "[object Object]")


def test_no_screen_shows_stray_words(make_server, upstream, claude_code, new_page):
    server = make_server({"providers": {"up": openai_provider(upstream.url)},
                          "routes": {"main": {"name": "Main", "default": "up/m1"}}, "active_route": "main"})
    server.secrets.set("up", PROVIDER_KEY)
    page = new_page(server)
    for name in SCREENS:
        page.get_by_role("link", name=name, exact=True).click()
        expect(page.locator("main h1")).to_be_visible()
        page.wait_for_timeout(300)  # screens that fetch more draw a moment later
        words = page.evaluate("""() => {
            const out = [];
            const walk = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
            while (walk.nextNode()) out.push(walk.currentNode.nodeValue.trim());
            return out;
        }""")
        stray = [w for w in words if any(w == s or w.startswith(s + " ") or w.endswith(" " + s) for s in STRAY)]
        assert not stray, f"{name}: {stray}"
    assert not page.js_errors, page.js_errors
