"""A client that goes away mid-stream makes the real server stop generating
(translation.md §A.7): llama-server's GET /slots shows the slot idle within
2 s, and its log names the task it cancelled because its client left."""
from __future__ import annotations

import time

import anthropic
import pytest

from tests.e2e.conftest import CHAT_ANTHROPIC, CHAT_OPENAI, model
from tests.e2e.helpers import T0
from tests.e2e.llama import LlamaServer

pytestmark = pytest.mark.e2e

MAX_TOKENS = 3000  # ~40-60 s of generation: it cannot finish by itself in the window
# At temperature 0 SmolLM2 never ends this essay (it falls into a loop), so
# only a cancel can stop it early.
ESSAY = [{"role": "user", "content": "Write a very long essay about the history of Rome."}]


def _remaining(slot: dict) -> int:
    nxt = slot.get("next_token")
    nxt = nxt[0] if isinstance(nxt, list) else nxt
    return int((nxt or {}).get("n_remain", -1))


@pytest.mark.parametrize("provider", [CHAT_OPENAI, CHAT_ANTHROPIC])
def test_disconnect_stops_generation(client: anthropic.Anthropic, llama_chat: LlamaServer,
                                     provider: str) -> None:
    assert llama_chat.wait_idle(30) is not None, "a previous test left the server busy"
    deltas = 0
    with client.messages.stream(model=model(provider), max_tokens=MAX_TOKENS, **T0,
                                messages=ESSAY) as stream:
        for event in stream:
            if event.type == "content_block_delta":
                deltas += 1
                if deltas == 5:
                    break
        busy = llama_chat.busy_slots()
        assert len(busy) == 1, busy
        task = busy[0]["id_task"]
        assert _remaining(busy[0]) > MAX_TOKENS // 2, "generation should be far from finished"
    # Leaving the block closed the HTTP response: the client is gone.
    closed = time.monotonic()
    waited = llama_chat.wait_idle(2.0)
    assert waited is not None, (f"llama-server still generating 2 s after the client left: "
                                f"{llama_chat.busy_slots()}")
    # It stopped because it was cancelled, not because it finished.
    while task not in llama_chat.cancelled_tasks() and time.monotonic() - closed < 2.0:
        time.sleep(0.05)
    assert task in llama_chat.cancelled_tasks(), llama_chat.log_tail()
