"""The real Claude Code CLI (npm, pinned, cached by provision_claude_code.sh)
against Switchboard in front of a scripted upstream, both provider types
(issue 21 §5). Claude Code reaches nothing but 127.0.0.1: a temp HOME and
the variables that turn off its telemetry and auto-update.

Checked: what Claude Code printed, and what the upstream received — the
billing line and the subagent marker removed, the tool result intact.
"""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support.fake_upstream import FakeUpstream, Recorded, Script, json_script, sse_script
from tests.support.live_server import ACCESS_KEY, LiveServer

pytestmark = pytest.mark.e2e
HERE = Path(__file__).resolve().parent
SECRET_LINE = "The secret word is periwinkle."


@pytest.fixture(scope="module")
def claude_bin() -> str:
    if os.environ.get("SWITCHBOARD_SKIP_E2E") == "1":
        pytest.skip("SWITCHBOARD_SKIP_E2E=1")
    proc = subprocess.run(["bash", str(HERE / "provision_claude_code.sh")], capture_output=True, text=True,
                          timeout=900)
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    if proc.returncode != 0 or not lines:
        pytest.fail(f"Claude Code CLI is not available: {proc.stderr[-2000:]}", pytrace=False)
    return lines[-1]


# -- the scripted upstream: a tool call first, the final answer once the result is back --

def _has_tool_result(rec: Recorded, kind: str) -> bool:
    body = rec.json
    if kind == "openai":
        return any(m.get("role") == "tool" for m in body["messages"])
    return any(isinstance(m.get("content"), list) and any(b.get("type") == "tool_result" for b in m["content"])
               for m in body["messages"])


def _wants_tool(rec: Recorded) -> bool:
    names = [t.get("name") or t.get("function", {}).get("name") for t in rec.json.get("tools") or []]
    return "Read" in names and "read the file" in json.dumps(rec.json["messages"])


def openai_frames(text: str | None = None, tool: dict[str, Any] | None = None) -> list[bytes]:
    delta: dict[str, Any] = {"role": "assistant"}
    if tool is not None:
        delta["tool_calls"] = [{"index": 0, "id": "call_read_1", "type": "function",
                                "function": {"name": "Read", "arguments": json.dumps(tool)}}]
    else:
        delta["content"] = text
    chunks = [{"id": "c1", "object": "chat.completion.chunk", "model": "m1",
               "choices": [{"index": 0, "delta": delta, "finish_reason": None}]},
              {"id": "c1", "object": "chat.completion.chunk", "model": "m1",
               "choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls" if tool else "stop"}]},
              {"id": "c1", "object": "chat.completion.chunk", "model": "m1", "choices": [],
               "usage": {"prompt_tokens": 50, "completion_tokens": 7, "total_tokens": 57}}]
    return [b"data: " + json.dumps(c).encode() + b"\n\n" for c in chunks] + [b"data: [DONE]\n\n"]


def anthropic_frames(text: str | None = None, tool: dict[str, Any] | None = None) -> list[bytes]:
    def ev(data: dict[str, Any]) -> bytes:
        return f"event: {data['type']}\ndata: {json.dumps(data)}\n\n".encode()
    if tool is not None:
        block = {"type": "tool_use", "id": "toolu_read_1", "name": "Read", "input": {}}
        delta = {"type": "input_json_delta", "partial_json": json.dumps(tool)}
    else:
        block, delta = {"type": "text", "text": ""}, {"type": "text_delta", "text": text}
    return [
        ev({"type": "message_start", "message": {"id": "msg_1", "type": "message", "role": "assistant",
                                                 "model": "m1", "content": [], "stop_reason": None,
                                                 "stop_sequence": None,
                                                 "usage": {"input_tokens": 50, "output_tokens": 1}}}),
        ev({"type": "content_block_start", "index": 0, "content_block": block}),
        ev({"type": "content_block_delta", "index": 0, "delta": delta}),
        ev({"type": "content_block_stop", "index": 0}),
        ev({"type": "message_delta", "delta": {"stop_reason": "tool_use" if tool else "end_turn",
                                               "stop_sequence": None}, "usage": {"output_tokens": 7}}),
        ev({"type": "message_stop"}),
    ]


def scripted(kind: str, file_path: Path) -> Script:
    frames = openai_frames if kind == "openai" else anthropic_frames

    def answer(rec: Recorded) -> Script:
        if not rec.json.get("stream"):
            return json_script({"error": {"message": "this fake streams only"}}, status=400)
        if _wants_tool(rec) and not _has_tool_result(rec, kind):
            return sse_script(frames(tool={"file_path": str(file_path)}))
        if _has_tool_result(rec, kind):
            return sse_script(frames(text="The file says: periwinkle."))
        return sse_script(frames(text="Hello from the fake upstream."))
    return Script(handler=answer)


def config(upstream: FakeUpstream, kind: str) -> dict[str, Any]:
    base = upstream.url + ("/v1" if kind == "openai" else "")
    return {"providers": {"up": {"type": kind, "base_url": base, "api_key": "upstream-key-0123456789",
                                 "models": ["m1", "m2"]}},
            "routes": {"main": {"default": "up/m1"}}, "active_route": "main"}


def run_claude(claude_bin: str, server: LiveServer, home: Path, prompt: str, *extra: str) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "CLAUDE_"))}
    env.update(HOME=str(home), ANTHROPIC_BASE_URL=server.url, ANTHROPIC_AUTH_TOKEN=ACCESS_KEY,
               CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC="1", DISABLE_TELEMETRY="1",
               DISABLE_AUTOUPDATER="1", DISABLE_ERROR_REPORTING="1")
    proc = subprocess.run([claude_bin, "-p", prompt, "--output-format", "json", *extra],
                          env=env, cwd=home, capture_output=True, text=True, timeout=180,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, f"claude exited {proc.returncode}:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
    result = json.loads(proc.stdout)
    assert result["is_error"] is False, result
    return result


@pytest.fixture(params=["openai", "anthropic"])
def kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def setup(kind: str, tmp_path: Path):
    upstream = FakeUpstream()
    project = tmp_path / "project"
    project.mkdir()
    notes = project / "notes.txt"
    notes.write_text(SECRET_LINE + "\n", encoding="utf-8")
    upstream.default = scripted(kind, notes)
    server = LiveServer(tmp_path / "switchboard", config(upstream, kind)).start()
    yield upstream, server, project, notes
    server.stop()
    upstream.close()


def model_calls(upstream: FakeUpstream) -> list[Recorded]:
    return [r for r in upstream.requests if r.path.endswith(("/chat/completions", "/v1/messages"))]


def test_a_streamed_answer(claude_bin, kind, setup):
    upstream, server, project, _ = setup
    result = run_claude(claude_bin, server, project, "Say hi")
    assert result["result"] == "Hello from the fake upstream."
    calls = model_calls(upstream)
    assert calls, "Claude Code sent nothing upstream"
    for rec in calls:
        assert b"x-anthropic-billing-header" not in rec.body  # removed for every non-Anthropic target
        assert rec.json["model"] == "m1"
        assert rec.headers.get("authorization", rec.headers.get("x-api-key", "")).endswith("upstream-key-0123456789")


def test_a_tool_turn_reads_a_file_and_sends_the_result_back(claude_bin, kind, setup):
    upstream, server, project, notes = setup
    result = run_claude(claude_bin, server, project, f"Please read the file {notes} and tell me what it says.",
                        "--allowedTools", "Read")
    assert result["result"] == "The file says: periwinkle."
    final = [r for r in model_calls(upstream) if _has_tool_result(r, kind)]
    assert final, [r.json["messages"][-1] for r in model_calls(upstream)]
    sent = json.dumps(final[-1].json)
    assert "periwinkle" in sent  # the tool result arrived intact (the file's content)
    if kind == "openai":
        tool_msgs = [m for m in final[-1].json["messages"] if m["role"] == "tool"]
        assert tool_msgs and tool_msgs[0]["tool_call_id"] == "call_read_1"
    else:
        blocks = [b for m in final[-1].json["messages"] if isinstance(m["content"], list)
                  for b in m["content"] if b.get("type") == "tool_result"]
        assert blocks and blocks[0]["tool_use_id"] == "toolu_read_1"


def test_the_subagent_marker_chooses_and_never_reaches_the_provider(claude_bin, kind, setup):
    upstream, server, project, _ = setup
    result = run_claude(claude_bin, server, project, "<CCR-SUBAGENT-MODEL>up,m2</CCR-SUBAGENT-MODEL>Say hi")
    assert result["result"] == "Hello from the fake upstream."
    calls = model_calls(upstream)
    assert any(r.json["model"] == "m2" for r in calls)
    assert not any(b"CCR-SUBAGENT-MODEL" in r.body for r in calls)
