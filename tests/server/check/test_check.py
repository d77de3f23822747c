"""``switchboard check`` against fake OpenAI-compatible models, each broken in
one way (issue 18 §2): the broken capability is the failing card, with the
right advice; the rest pass or are skipped."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from server import tokens
from server.check import cli, run
from tests.support.fake_upstream import FakeUpstream, Recorded, Script, json_script, sse_script

REPO = Path(__file__).resolve().parents[3]


def _texts(messages: list[dict[str, Any]]) -> str:
    out = []
    for m in messages:
        c = m.get("content")
        if isinstance(c, str):
            out.append(c)
        elif isinstance(c, list):
            out += [p.get("text", "") for p in c if isinstance(p, dict)]
        for tc in m.get("tool_calls") or []:
            out.append(tc["function"]["name"] + tc["function"]["arguments"])
    return "\n".join(out)


class FakeModel:
    """A tiny OpenAI-compatible 'model': calls Read/Bash when tools are
    offered, answers in text otherwise; ``breaks`` switches one capability off."""

    def __init__(self, *breaks: str) -> None:
        self.breaks = set(breaks)

    def __call__(self, rec: Recorded) -> Script:
        req = rec.json
        msgs = req["messages"]
        raw = json.dumps(msgs)
        prompt = tokens.count_text(_texts(msgs)) + sum(
            tokens.count_text(json.dumps(t)) for t in req.get("tools") or [])
        if "cut_context_8k" in self.breaks and prompt > 8192:
            return self.error(f"This model's maximum context length is 8192 tokens. However, your messages "
                              f"resulted in {prompt} tokens. Please reduce the length of the messages.")
        if "reject_images" in self.breaks and "image_url" in raw:
            return self.error("Invalid content type. image_url is only supported by certain models.")
        if "reject_tool_role" in self.breaks and any(m["role"] == "tool" for m in msgs):
            return self.error("Unexpected message role: tool")
        usage = {"prompt_tokens": prompt, "completion_tokens": 5, "total_tokens": prompt + 5}
        last = msgs[-1]
        choice = req.get("tool_choice")
        if req.get("tools") and last["role"] == "user" and choice != "none":
            if isinstance(choice, dict):
                names = [choice["function"]["name"]]
            elif "both" in _texts([last]):
                names = ["Read", "Read"]
            else:
                names = ["Read"]
            calls = [{"index": i, "id": f"call_{i}", "type": "function",
                      "function": {"name": n, "arguments": json.dumps(
                          {"command": "ls /tmp"} if n == "Bash" else {"file_path": f"/tmp/{i}.txt"})}}
                     for i, n in enumerate(names)]
            return self.reply(req, None, calls, usage)
        return self.reply(req, "Hello there, all fine.", None, usage)

    def error(self, message: str) -> Script:
        return json_script({"error": {"message": message, "type": "invalid_request_error"}}, status=400)

    def reply(self, req: dict[str, Any], text: str | None, calls: list[dict[str, Any]] | None,
              usage: dict[str, int]) -> Script:
        finish = "tool_calls" if calls else "stop"
        if not req.get("stream"):
            message: dict[str, Any] = {"role": "assistant", "content": text}
            if calls:
                message["tool_calls"] = [{k: v for k, v in c.items() if k != "index"} for c in calls]
            return json_script({"id": "c", "object": "chat.completion", "model": "m", "created": 1,
                                "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                                "usage": usage})
        chunks: list[dict[str, Any]] = []
        if text:
            chunks.append({"index": 0, "delta": {"role": "assistant", "content": text}})
        for c in calls or []:
            c = json.loads(json.dumps(c))
            if "drop_stream_tool_args" in self.breaks:
                c["function"]["arguments"] = ""
            chunks.append({"index": 0, "delta": {"tool_calls": [c]}})
        chunks.append({"index": 0, "delta": {}, "finish_reason": finish})
        frames = [b"data: " + json.dumps({"id": "c", "object": "chat.completion.chunk", "choices": [ch]}).encode()
                  + b"\n\n" for ch in chunks]
        frames.append(b"data: " + json.dumps({"id": "c", "object": "chat.completion.chunk", "choices": [],
                                              "usage": usage}).encode() + b"\n\n")
        frames.append(b"data: [DONE]\n\n")
        return sse_script(frames)


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("SWITCHBOARD_HOME", str(tmp_path))
    return tmp_path


def setup_model(home: Path, *breaks: str) -> FakeUpstream:
    up = FakeUpstream()
    up.default = Script(handler=FakeModel(*breaks))
    (home / "switchboard.json").write_text(json.dumps({"providers": {
        "fake": {"type": "openai", "base_url": up.url + "/v1", "api_key": ""}}}))
    return up


def check(home: Path, *args: str) -> tuple[int, dict[str, Any]]:
    out = io.StringIO()
    code = cli.main(["fake/model-x", "--json", "--yes", *args], out=out)
    return code, json.loads(out.getvalue())


def cards(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in result["cards"]}


def statuses(result: dict[str, Any]) -> dict[str, str]:
    return {c["id"]: c["status"] for c in result["cards"]}


HEALTHY = {"stream": "pass", "tool_call": "pass", "parallel_tools": "pass", "tool_error": "pass",
           "tool_choice": "pass", "thinking": "skipped", "images": "pass", "context": "pass", "count_tokens": "pass"}


def test_a_healthy_model_passes_and_the_result_is_kept(home):
    up = setup_model(home)
    try:
        code, result = check(home, "--context-window", "16000")
    finally:
        up.close()
    assert statuses(result) == HEALTHY, result
    assert code == 0
    assert cards(result)["thinking"]["explanation"].startswith("Skipped: the model answered without thinking")
    # plain words for a person: the argument names as a list, the answer in quotes (not Python's repr)
    assert cards(result)["tool_call"]["explanation"] == "Called Read with file_path, then answered after the result."
    answered = cards(result)["stream"]["explanation"]
    assert answered.startswith("Answered: \u201c") and answered.endswith("\u201d") and "'" not in answered[:12]
    # the estimate came first and was kept to
    assert 0 < result["used_tokens"]["total"] <= result["estimate_tokens"]
    kept = json.loads((home / "checks.json").read_text())["fake/model-x"]
    assert kept["date"][:4].isdigit() and statuses(kept) == HEALTHY
    # the requests were Claude Code's shapes: its Read/Bash tools and system prompt
    first_tools = next(r.json for r in up.requests if r.json.get("tools"))
    assert [t["function"]["name"] for t in first_tools["tools"]] == ["Read", "Bash"]
    assert "You are a Claude agent" in json.dumps(first_tools["messages"][0])


@pytest.mark.parametrize("brk, failing, advice", [
    ("drop_stream_tool_args", "tool_call", "Tool calls arrive without arguments when streamed"),
    ("reject_tool_role", "tool_call", "rejects tool results"),
    ("reject_images", "images", "This model cannot take images: add an image slot to the route that uses it"),
    ("cut_context_8k", "context", "long-context threshold below"),
])
def test_each_broken_capability_is_the_failing_card(home, brk, failing, advice):
    up = setup_model(home, brk)
    try:
        code, result = check(home)
    finally:
        up.close()
    c = cards(result)
    assert code == 1
    assert c[failing]["status"] == "fail" and advice in c[failing]["advice"], c[failing]
    assert c["stream"]["status"] == "pass"
    if brk != "reject_tool_role":  # tool results sent back fail wherever they appear
        assert [k for k, v in statuses(result).items() if v == "fail"] == [failing], result
    if brk == "cut_context_8k":
        assert c["context"]["detail"]["refused"] == 60000
        assert c["context"]["detail"]["largest_accepted"] == 7500


def test_no_vision_and_stop_on_a_dead_connection(home):
    up = setup_model(home, "reject_images")
    try:
        code, result = check(home, "--no-vision", "--no-context")
    finally:
        up.close()
    assert code == 0
    assert cards(result)["images"]["status"] == "skipped"
    assert "no images" in cards(result)["images"]["explanation"]
    # a provider nobody answers for: the first step fails, the rest is not sent
    (home / "switchboard.json").write_text(json.dumps({"providers": {
        "fake": {"type": "openai", "base_url": up.url + "/v1", "api_key": ""}}}))
    code, result = check(home)
    assert code == 1
    assert statuses(result)["stream"] == "fail"
    assert set(list(statuses(result).values())[1:]) == {"skipped"}
    assert "Fix the connection first" in cards(result)["stream"]["advice"]
    assert result["used_tokens"]["total"] == 0


def test_the_estimate_bounds_every_run():
    opts = run.Options()
    assert run.plan_estimate("m", run.Options(context=False, reasoning=False, vision=False)) < 20000
    assert run.plan_estimate("m", opts) > sum(run.context_steps(opts))


def test_python_m_server_check_prints_cards(home):
    up = setup_model(home, "reject_images")
    try:
        proc = subprocess.run([sys.executable, "-m", "server", "check", "fake/model-x", "--no-context", "--yes"],
                              env={**os.environ, "SWITCHBOARD_HOME": str(home), "PYTHONPATH": str(REPO)},
                              capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    finally:
        up.close()
    assert proc.returncode == 1, proc.stderr
    out = proc.stdout
    assert out.startswith("Checking fake/model-x with Claude Code-shaped requests: at most about ")
    assert "[PASS] A tool call and its result" in out
    assert "[FAIL] Images (in a message and in a tool result)" in out
    assert "What to do: This model cannot take images: add an image slot to the route that uses it." in out
    assert "[SKIP] A long prompt" in out
    assert "Used " in out and "estimated" in out
