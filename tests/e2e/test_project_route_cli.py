"""Issue 16 §2/§5 with the real Claude Code CLI: two project folders pinned
to two routes; Claude Code started in each (no ANTHROPIC_* in its
environment: only the folder's .claude/settings.local.json) reaches that
folder's route, both at once, whatever the active route is. Offline: Claude
Code talks only to Switchboard on 127.0.0.1, in front of scripted upstreams
(see test_claude_code_cli.py)."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from server.project_pins import settings_file
from tests.e2e.test_claude_code_cli import anthropic_frames, claude_bin, openai_frames  # noqa: F401  (fixture)
from tests.support.fake_upstream import FakeUpstream, Recorded, Script, json_script, sse_script
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.e2e


def answering(kind: str, text: str) -> Script:
    frames = openai_frames if kind == "openai" else anthropic_frames

    def answer(rec: Recorded) -> Script:
        if not rec.json.get("stream"):
            return json_script({"error": {"message": "this fake streams only"}}, status=400)
        return sse_script(frames(text=text))
    return Script(handler=answer)


def model_calls(upstream: FakeUpstream) -> list[Recorded]:
    return [r for r in upstream.requests if r.path.endswith(("/chat/completions", "/v1/messages"))]


def start_claude(claude: str, home: Path, folder: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "CLAUDE_"))}
    env.update(HOME=str(home), CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC="1", DISABLE_TELEMETRY="1",
               DISABLE_AUTOUPDATER="1", DISABLE_ERROR_REPORTING="1")
    return subprocess.Popen([claude, "-p", "Say hi", "--output-format", "json"], env=env, cwd=folder,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)


def finish(proc: subprocess.Popen) -> dict:
    out, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, f"claude exited {proc.returncode}:\n{out[-2000:]}\n{err[-2000:]}"
    result = json.loads(out)
    assert result["is_error"] is False, result
    return result


def test_two_pinned_projects_use_two_providers_at_once(claude_bin, tmp_path):  # noqa: F811
    translated, passthrough = FakeUpstream(), FakeUpstream()
    translated.default = answering("openai", "Hello from the translated route.")
    passthrough.default = answering("anthropic", "Hello from the passthrough route.")
    config = {"providers": {
                  "oa": {"type": "openai", "base_url": translated.url + "/v1", "api_key": "k-openai-0123456789",
                         "models": ["m1"]},
                  "an": {"type": "anthropic", "base_url": passthrough.url, "api_key": "k-anthropic-0123456789",
                         "models": ["a1"]}},
              "routes": {"everyday": {"default": "oa/m1"}, "careful": {"default": "an/a1"}},
              "active_route": "everyday"}
    server = LiveServer(tmp_path / "switchboard", config).start()
    try:
        home = tmp_path / "home"
        home.mkdir()
        shop, blog = tmp_path / "shop", tmp_path / "blog"
        for folder in (shop, blog):
            (folder / ".claude").mkdir(parents=True)
            settings_file(folder).write_text('{"permissions": {"allow": []}}\n')
        before = settings_file(shop).read_bytes()
        server.gateway.pin_project(str(shop), "careful")     # not the active route
        server.gateway.pin_project(str(blog), "everyday")

        procs = [start_claude(claude_bin, home, shop), start_claude(claude_bin, home, blog)]
        shop_result, blog_result = [finish(p) for p in procs]
        assert shop_result["result"] == "Hello from the passthrough route."
        assert blog_result["result"] == "Hello from the translated route."
        assert model_calls(passthrough) and model_calls(translated)
        assert all(r.json["model"] == "a1" for r in model_calls(passthrough))
        assert all(r.json["model"] == "m1" for r in model_calls(translated))
        # Switchboard saw the two sessions, each with its folder and route.
        seen = {s.cwd: s.route for s in server.gateway.sessions.live() if s.cwd}
        assert seen.get(str(shop)) == "careful" and seen.get(str(blog)) == "everyday", seen

        # Unpinned, the folder follows the active route again, and its file is as it was.
        server.gateway.unpin_project(str(shop))
        assert settings_file(shop).read_bytes() == before
    finally:
        server.stop()
        translated.close()
        passthrough.close()
