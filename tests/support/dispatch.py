"""What the dispatch tests share: a Messages request to Switchboard, an
OpenAI completion for a fake upstream to answer, and an injected clock
whose sleep only moves time on."""
from __future__ import annotations

from typing import Any

import httpx

from tests.support.live_server import ACCESS_KEY

HEADERS = {"x-api-key": ACCESS_KEY}
BODY = {"model": "claude-sonnet-5", "max_tokens": 50, "messages": [{"role": "user", "content": "hi"}]}


def completion(text: str) -> dict[str, Any]:
    return {"id": "c", "object": "chat.completion", "created": 1, "model": "m",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}}


def post(srv: Any, body: dict[str, Any] = BODY) -> httpx.Response:
    return httpx.post(srv.url + "/v1/messages", json=body, headers=HEADERS, timeout=10)


class Clock:
    """Time that stands still until the code under test sleeps."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
