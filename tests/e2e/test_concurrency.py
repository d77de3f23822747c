"""Four concurrent streams through Switchboard to one real server (4 slots)
all complete, well-formed, and really ran at the same time."""
from __future__ import annotations

import asyncio
import time

import anthropic
import pytest

from tests.e2e.conftest import CHAT_ANTHROPIC, CHAT_OPENAI, model
from tests.e2e.helpers import T0

pytestmark = pytest.mark.e2e

TOPICS = ["cats", "the sea", "mountains", "bread"]
MAX_TOKENS = 60


async def _one(client: anthropic.AsyncAnthropic, provider: str, topic: str) -> dict:
    first = None
    async with client.messages.stream(
            model=model(provider), max_tokens=MAX_TOKENS, **T0,
            messages=[{"role": "user", "content": f"Write a short poem about {topic}."}]) as stream:
        types = []
        async for event in stream:
            types.append(event.type)
            if first is None and event.type == "content_block_delta":
                first = time.monotonic()
        final = await stream.get_final_message()
    return {"types": types, "final": final, "first": first, "end": time.monotonic()}


@pytest.mark.parametrize("provider", [CHAT_OPENAI, CHAT_ANTHROPIC])
def test_four_concurrent_streams(async_client_factory, provider: str) -> None:
    async def main() -> list[dict]:
        client = async_client_factory()
        try:
            return await asyncio.gather(*(_one(client, provider, t) for t in TOPICS))
        finally:
            await client.close()

    results = asyncio.run(main())
    assert len(results) == 4
    for r in results:
        assert r["types"][0] == "message_start" and r["types"][-1] == "message_stop"
        assert r["types"].count("message_delta") == 1
        final = r["final"]
        assert [b.type for b in final.content] == ["text"] and final.content[0].text.strip()
        assert final.stop_reason in ("end_turn", "max_tokens")
        assert 0 < final.usage.output_tokens <= MAX_TOKENS and final.usage.input_tokens > 0
    assert len({r["final"].id for r in results}) == 4
    # They overlapped: every stream had produced text before any of them ended.
    assert max(r["first"] for r in results) < min(r["end"] for r in results)
