"""``switchboard check`` against the real llama-server of the end-to-end
suite (SmolLM2-135M behind llama.cpp, a 4096-token context), as a real
``python -m server check`` process (issue 18 §2)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import CHAT_OPENAI, TOOLS_OPENAI, e2e_config
from tests.e2e.llama import MODEL_ALIAS

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[2]


def run_check(home: Path, target: str, *args: str) -> tuple[subprocess.CompletedProcess, dict]:
    proc = subprocess.run([sys.executable, "-m", "server", "check", target, "--json", "--yes", *args],
                          env={**os.environ, "SWITCHBOARD_HOME": str(home), "PYTHONPATH": str(REPO)},
                          capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
    assert proc.stdout, proc.stderr
    return proc, json.loads(proc.stdout)


def test_check_smollm2_through_llama_server(llama_chat, llama_tools, tmp_path):
    (tmp_path / "switchboard.json").write_text(json.dumps(e2e_config(llama_chat, llama_tools)))
    proc, result = run_check(tmp_path, f"{CHAT_OPENAI}/{MODEL_ALIAS}", "--no-vision", "--context-window", "4096")
    cards = {c["id"]: c for c in result["cards"]}
    print(json.dumps({k: [c["status"], c["explanation"], c["advice"]] for k, c in cards.items()}, indent=1))
    assert list(cards) == ["stream", "tool_call", "parallel_tools", "tool_error", "tool_choice", "thinking",
                           "images", "context", "count_tokens"]
    assert cards["stream"]["status"] == "pass"
    assert cards["images"]["status"] == "skipped" and "no images" in cards["images"]["explanation"]
    # 90 % of the stated 4096-token window fits in llama.cpp's context
    ctx = cards["context"]
    assert ctx["status"] == "pass" and ctx["detail"] == {"largest_accepted": 3686, "refused": None}
    # llama-server reports prompt tokens: our count is compared with them
    assert cards["count_tokens"]["status"] in ("pass", "fail")
    assert cards["count_tokens"]["detail"]["provider"] > 0
    assert 0 < result["used_tokens"]["total"] <= result["estimate_tokens"]
    assert proc.returncode == (1 if any(c["status"] == "fail" for c in cards.values()) else 0)
    kept = json.loads((tmp_path / "checks.json").read_text())
    assert kept[f"{CHAT_OPENAI}/{MODEL_ALIAS}"]["cards"] == result["cards"]


def test_the_real_context_limit_is_found(llama_chat, llama_tools, tmp_path):
    """A stated window larger than the server's: llama.cpp refuses the long
    prompt, the probe halves it until it fits, and says what to do."""
    (tmp_path / "switchboard.json").write_text(json.dumps(e2e_config(llama_chat, llama_tools)))
    proc, result = run_check(tmp_path, f"{CHAT_OPENAI}/{MODEL_ALIAS}", "--no-vision", "--no-reasoning",
                             "--context-window", "8192")
    ctx = {c["id"]: c for c in result["cards"]}["context"]
    assert ctx["status"] == "fail" and proc.returncode == 1
    assert ctx["detail"] == {"refused": 7372, "largest_accepted": 3686}
    assert "long-context threshold below 3,686 tokens" in ctx["advice"]
