"""The page draws its first screen only once every screen's script is in.

core.js is a deferred script: it runs while document.readyState is already
"interactive" but before the later scripts (setup.js, usage.js …) have run.
Treating "interactive" as "all loaded" drew the first screen too early on a
busy machine ("VIEWS[view] is not a function", a page stuck on "Loading…").
Here setup.js arrives late on purpose.
"""
from __future__ import annotations

import time

import pytest

from server.settings_page import login_url
from tests.server.settings_page.conftest import CHROMIUM
from tests.server.settings_page.test_settings_browser import expect

pytestmark = pytest.mark.skipif(not __import__("pathlib").Path(CHROMIUM).exists(), reason="no Chromium")


def test_first_screen_waits_for_a_slow_screen_script(make_server, browser):
    server = make_server({})  # no provider yet: the first screen is the setup guide (setup.js)
    ctx = browser.new_context(viewport={"width": 1240, "height": 860})
    try:
        page = ctx.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        delayed: list[str] = []

        def slow(route):
            delayed.append(route.request.url)
            time.sleep(1.5)  # the page's own API calls go on meanwhile (they are not routed here)
            route.continue_()

        page.route("**/static/setup.js", slow)
        page.goto(login_url(server.app, server.port))
        expect(page.get_by_label("Custom (OpenAI-compatible)", exact=True)).to_be_visible(timeout=15000)
        assert delayed, "setup.js was not delayed: the test proved nothing"
        assert errors == []
    finally:
        ctx.close()
