"""Issue 16 §3: the Sessions screen in a real Chromium. Two SDK clients are
two Claude Code sessions (one names itself by header, one by
``metadata.user_id``); moving one in the page changes only that one's next
request's provider."""
from __future__ import annotations

import json
from pathlib import Path

import anthropic
import pytest

from tests.server.settings_page.conftest import openai_provider
from tests.server.settings_page.test_settings_browser import (  # noqa: F401  (fixtures)
    CHROMIUM, expect, new_page, shot)
from tests.support.fake_upstream import json_script
from tests.support.live_server import ACCESS_KEY

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no Chromium")

SESSION_A = "aaaaaaaa-1111-4000-8000-000000000001"
SESSION_B = "bbbbbbbb-2222-4000-8000-000000000002"


def completion(text: str) -> dict:
    return {"id": "c", "object": "chat.completion", "created": 1, "model": "m1",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 7, "completion_tokens": 2, "total_tokens": 9}}


def ask(client: anthropic.Anthropic, cwd: str, **kw) -> str:
    msg = client.messages.create(
        model="claude-sonnet-5", max_tokens=20, messages=[{"role": "user", "content": "hi"}],
        system=[{"type": "text", "text": f"You are Claude Code.\n<env>\nWorking directory: {cwd}\n</env>"}], **kw)
    return msg.content[0].text


def test_move_one_session_in_the_page_only_its_next_request_changes_provider(
        make_server, upstream, upstream2, new_page):
    server = make_server({
        "providers": {"one": openai_provider(upstream.url, name="First Provider", models=["m1"]),
                      "two": openai_provider(upstream2.url, name="Second Provider", models=["m2"])},
        "routes": {"r1": {"name": "Everyday", "default": "one/m1"},
                   "r2": {"name": "Careful", "default": "two/m2"}},
        "active_route": "r1"})
    server.secrets.set("one", "sk-first-000000000001")
    server.secrets.set("two", "sk-second-00000000002")
    upstream.default = json_script(completion("from one"))
    upstream2.default = json_script(completion("from two"))
    a = anthropic.Anthropic(base_url=server.url, api_key=ACCESS_KEY, max_retries=0,
                            default_headers={"x-claude-code-session-id": SESSION_A})
    b = anthropic.Anthropic(base_url=server.url, api_key=ACCESS_KEY, max_retries=0)
    b_meta = {"user_id": json.dumps({"device_id": "d", "session_id": SESSION_B})}
    assert ask(a, "/work/alpha") == "from one"
    assert ask(b, "/work/beta", metadata=b_meta) == "from one"

    page = new_page(server)
    page.get_by_role("link", name="Sessions").click()
    expect(page.get_by_role("heading", name="Sessions", exact=True)).to_be_visible()
    row_a = page.locator(f"tr[data-session='{SESSION_A}']")
    row_b = page.locator(f"tr[data-session='{SESSION_B}']")
    expect(row_a).to_contain_text("/work/alpha")
    expect(row_b).to_contain_text("/work/beta")
    expect(row_b).to_contain_text("First Provider")
    select_b = page.get_by_label("Route for the session in /work/beta")
    expect(select_b).to_have_value("")
    select_b.select_option(label="Careful")
    expect(page.locator("#toast")).to_contain_text("next request goes to Careful")
    shot(page, "sessions")

    # Only B moved: B's next request goes to the second provider, A's stays.
    assert ask(b, "/work/beta", metadata=b_meta) == "from two"
    assert ask(a, "/work/alpha") == "from one"
    assert upstream2.requests[-1].json["model"] == "m2"
    assert len(upstream2.requests) == 1
    # The page shows it live: B answered by the second provider via Careful.
    expect(row_b).to_contain_text("Second Provider")
    expect(row_b).to_contain_text("(route Careful)")
    expect(row_a).not_to_contain_text("Second Provider")
    expect(page.get_by_label("Route for the session in /work/beta")).to_have_value("r2")

    # Back to the default: B follows the active route again.
    page.get_by_label("Route for the session in /work/beta").select_option(value="")
    expect(page.locator("#toast")).to_contain_text("follows its address or the active route")
    assert ask(b, "/work/beta", metadata=b_meta) == "from one"
    assert page.js_errors == []


def two_routes(make_server, upstream, upstream2):
    """Route r1 (active) to provider "one" on ``upstream``, which answers
    "from one"; route r2 to "two" on ``upstream2``, which answers "from two"."""
    server = make_server({
        "providers": {"one": openai_provider(upstream.url, models=["m1"]),
                      "two": openai_provider(upstream2.url, models=["m2"])},
        "routes": {"r1": {"default": "one/m1"}, "r2": {"default": "two/m2"}},
        "active_route": "r1"})
    server.secrets.set("one", "sk-first-000000000001")
    server.secrets.set("two", "sk-second-00000000002")
    upstream.default = json_script(completion("from one"))
    upstream2.default = json_script(completion("from two"))
    return server


def test_a_session_choice_beats_its_route_address(make_server, upstream, upstream2, signed_in):
    """Precedence: the session's own choice > the route address it came in on
    > the active route; an explicit provider/model still wins over all."""
    server = two_routes(make_server, upstream, upstream2)
    client = anthropic.Anthropic(base_url=server.url + "/r/r2", api_key=ACCESS_KEY, max_retries=0,
                                 default_headers={"x-claude-code-session-id": SESSION_A})
    assert ask(client, "/p") == "from two"          # the route address beats the active route
    page = signed_in(server)
    r = page.call("POST", f"sessions/{SESSION_A}/route", {"route": "r1"})
    assert r.status_code == 200, r.text
    assert ask(client, "/p") == "from one"          # the session's choice beats the address
    msg = client.messages.create(model="two/m2", max_tokens=5, messages=[{"role": "user", "content": "x"}])
    assert msg.content[0].text == "from two"        # explicit provider/model beats all
    listed = page.get("sessions")
    [s] = listed["sessions"]
    assert (s["chosen_route"], s["address_route"], s["requests"]) == ("r1", "r2", 3)
    # Unknown route or session: refused in plain words, nothing changes.
    r = page.call("POST", f"sessions/{SESSION_A}/route", {"route": "nope"})
    assert r.status_code == 400 and r.json()["error"]["details"]["code"] == "no_such_route"
    r = page.call("POST", "sessions/not-a-session/route", {"route": "r2"})
    assert r.status_code == 400 and r.json()["error"]["details"]["code"] == "no_such_session"
    assert page.get("sessions")["sessions"][0]["chosen_route"] == "r1"


def test_the_tray_opens_the_page_on_a_screen(make_server, browser):
    """The tray's "Use a route for a project…" opens the launch file with a
    screen: the page signs in and shows that screen (no token in the address
    the browser is given)."""
    from server.settings_page.launch import login_file

    server = make_server({})
    path = login_file(server.app, server.port, server.settings.home, screen="claude")
    assert "token" not in path.as_uri()
    ctx = browser.new_context()
    try:
        page = ctx.new_page()
        page.goto(path.as_uri())
        expect(page.get_by_role("heading", name="A route for a project")).to_be_visible()
        assert page.url.endswith("/settings/#claude")
    finally:
        ctx.close()


def test_a_session_whose_chosen_route_was_deleted_follows_the_active_route(make_server, upstream, upstream2,
                                                                          signed_in):
    server = two_routes(make_server, upstream, upstream2)
    client = anthropic.Anthropic(base_url=server.url, api_key=ACCESS_KEY, max_retries=0,
                                 default_headers={"x-claude-code-session-id": SESSION_A})
    assert ask(client, "/p") == "from one"
    page = signed_in(server)
    assert page.call("POST", f"sessions/{SESSION_A}/route", {"route": "r2"}).status_code == 200
    assert ask(client, "/p") == "from two"
    assert page.call("DELETE", "routes/r2").status_code == 200
    assert ask(client, "/p") == "from one"
    assert client.messages.count_tokens(model="claude-sonnet-5", messages=[{"role": "user", "content": "x"}]).input_tokens
    assert page.get("sessions")["sessions"][0]["chosen_route"] is None
