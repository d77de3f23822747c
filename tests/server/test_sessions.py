"""server/sessions.py: live Claude Code sessions, bounded, with an injected clock."""
from __future__ import annotations

import json

from server.sessions import KEEP_SECONDS, Sessions, working_directory


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def claude_body(cwd: str = "/home/ana/project") -> dict:
    return {"model": "claude-sonnet-5", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}],
            "system": [{"type": "text", "text": "x-anthropic-billing-header: cc_version=2;"},
                       {"type": "text", "text": f"You are Claude Code.\n<env>\nWorking directory: {cwd}\n"
                                                "Is directory a git repo: Yes\n</env>"}]}


def test_working_directory_from_the_system_prompt():
    assert working_directory(claude_body("/srv/app")) == "/srv/app"
    assert working_directory({"system": "Working directory: C:\\Users\\ana\\proj\r\nmore"}) == "C:\\Users\\ana\\proj"
    # Newer Claude Code: an environment block as an early "system" message.
    newer = {"messages": [{"role": "user", "content": "Say hi"},
                          {"role": "system", "content": [{"type": "text", "text": "# Environment\n"
                           " - Primary working directory: /tmp/shop\n - Is a git repository: false\n"}]}]}
    assert working_directory(newer) == "/tmp/shop"
    assert working_directory({"system": "no such line"}) is None
    assert working_directory({"messages": []}) is None
    assert working_directory({"system": "Working directory: /a\x1b[31m/b"}) == "/a[31m/b"  # no control characters


def test_a_session_is_recorded_with_folder_times_route_model_and_tokens():
    clock = Clock()
    sessions = Sessions(clock)
    assert sessions.seen("s1", claude_body(), None) is None
    sessions.answered("s1", "main", "up/m1", {"input_tokens": 10, "output_tokens": 3})
    clock.now += 30
    sessions.seen("s1", {"messages": []}, "work")
    sessions.answered("s1", "work", "other/m2", {"input_tokens": 5, "output_tokens": None})
    [s] = sessions.live()
    assert (s.id, s.cwd, s.first_seen, s.last_seen) == ("s1", "/home/ana/project", 1_000_000.0, 1_000_030.0)
    assert (s.route, s.target, s.address_route) == ("work", "other/m2", "work")
    assert (s.requests, s.input_tokens, s.output_tokens) == (2, 15, 3)


def test_no_session_id_records_nothing():
    sessions = Sessions(Clock())
    assert sessions.seen(None, claude_body(), None) is None
    sessions.answered(None, "main", "up/m1", {})
    assert sessions.live() == []


def test_moving_one_session_leaves_the_others():
    sessions = Sessions(Clock())
    sessions.seen("a", claude_body("/p/a"), None)
    sessions.seen("b", claude_body("/p/b"), None)
    assert sessions.choose("a", "work") is True
    assert sessions.seen("a", {}, None) == "work"
    assert sessions.seen("b", {}, None) is None
    assert sessions.choice("a") == "work" and sessions.choice("b") is None
    assert sessions.choose("a", None) is True and sessions.choice("a") is None
    assert sessions.choose("nobody", "work") is False


def test_old_sessions_expire_and_the_list_is_bounded():
    clock = Clock()
    sessions = Sessions(clock, max_sessions=3)
    for i in range(5):
        sessions.seen(f"s{i}", {}, None)
    assert [s.id for s in sessions.live()] == ["s4", "s3", "s2"]
    sessions.choose("s4", "work")
    clock.now += KEEP_SECONDS + 1
    assert sessions.live() == []
    assert sessions.choose("s4", "work") is False
    # A session that comes back after the hours is a new one: its old choice is gone.
    assert sessions.seen("s4", {}, None) is None


def test_recording_is_cheap_for_a_large_claude_code_request():
    import time

    sessions = Sessions()
    body = claude_body()
    body["system"][1]["text"] = "x" * 60_000 + body["system"][1]["text"]
    body["messages"] = [{"role": "user", "content": "y" * 1000}] * 50
    started = time.perf_counter()
    for i in range(2000):
        sessions.seen(f"s{i % 20}", body, None)
        sessions.answered(f"s{i % 20}", "main", "up/m1", {"input_tokens": 1, "output_tokens": 1})
    per_request = (time.perf_counter() - started) / 2000
    assert per_request < 0.0005, per_request  # well under a millisecond per request
    assert json.dumps([s.cwd for s in sessions.live()]).count("/home/ana/project") == 20
