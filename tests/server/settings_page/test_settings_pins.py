"""Issue 21 §4: the Activity screen shows which Claude Code sessions stay on
a fallback, where and why — after a real fallback through the server."""
from __future__ import annotations

import pytest

from tests.server.settings_page.conftest import PROVIDER_KEY, openai_provider
from tests.server.settings_page.test_settings_browser import (  # noqa: F401  (fixtures)
    CHROMIUM, expect, new_page, shot)
from tests.support.fake_upstream import FakeUpstream, json_script

pytestmark = pytest.mark.skipif(not __import__("pathlib").Path(CHROMIUM).exists(), reason="no Chromium")

COMPLETION = {"id": "c", "object": "chat.completion", "model": "m",
              "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
              "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}


def pinned_session_server(make_server, upstream, backup, *, main: str = "Main Cloud", route: str = "Everyday"):
    """A server whose primary (``upstream``) is overloaded: one Claude Code
    request is answered by the fallback (``backup``) and its session is
    pinned there (session 5e1f77aa…)."""
    server = make_server({
        "providers": {"up": {**openai_provider(upstream.url), "name": main},
                      "spare": {**openai_provider(backup.url), "name": "Spare"}},
        "routes": {"r1": {"name": route, "default": "up/m1", "fallback": "spare/m9"}},
        "active_route": "r1"})
    server.secrets.set("up", PROVIDER_KEY)
    server.secrets.set("spare", PROVIDER_KEY)
    upstream.default = json_script({"error": {"message": "overloaded"}}, status=529, headers={"retry-after": "0"})
    backup.default = json_script(COMPLETION)
    r = server.post("/v1/messages", {"model": "claude-sonnet-4-5", "max_tokens": 5,
                                     "messages": [{"role": "user", "content": "hi"}]},
                    headers={"x-claude-code-session-id": "5e1f77aa-0000-4000"})
    assert r.status_code == 200 and r.headers["x-switchboard-target"] == "spare/m9"
    return server


def test_activity_lists_a_pinned_session_and_why(make_server, upstream, new_page):
    backup = FakeUpstream()
    try:
        server = pinned_session_server(make_server, upstream, backup)
        page = new_page(server)
        page.get_by_role("link", name="Activity").click()
        pinned = page.locator("#pinned-sessions")
        expect(pinned).to_contain_text("Claude Code session 5e1f77aa…")
        expect(pinned).to_contain_text("uses Spare · m9 on route “Everyday” instead of Main Cloud · m1")
        expect(pinned).to_contain_text("Why: up/m1 failed (529 overloaded_error); spare/m9 answered.")
        shot(page, "activity-pinned")
    finally:
        backup.close()
