"""Claude Code's billing line must not bust a local server's prompt cache
(issue 21 §1), proved against the real llama-server.

Two conversations share one long system prompt; each carries its own
billing line, as Claude Code sends them. Through Switchboard the billing
line is removed, so the second conversation reuses the prefix the first one
left in llama-server's KV cache; with ``keep_billing_header`` (the old
behaviour) the prefix differs at its first line and the whole prompt is
processed again. What llama-server processed is read from its Prometheus
counters (``--metrics``): prompt tokens and prompt seconds per request.
The figures are printed for the README.
"""
from __future__ import annotations

import re
from pathlib import Path

import anthropic
import httpx
import pytest

from tests.e2e.llama import MODEL_ALIAS, LlamaServer, LlamaUnavailable
from tests.support.live_server import ACCESS_KEY, LiveServer

pytestmark = pytest.mark.e2e

SYSTEM = "You are a careful coding assistant. " + " ".join(
    f"Rule {i}: read the file before you change it, keep the change small, and say what you did."
    for i in range(50))


@pytest.fixture(scope="module")
def llama_cached(llama_cache: Path, tmp_path_factory: pytest.TempPathFactory):
    try:
        server = LlamaServer(llama_cache, ["-np", "1", "--metrics"], name="cache",
                             log_dir=tmp_path_factory.mktemp("llama")).start()
    except LlamaUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)
    yield server
    server.stop()


def counters(llama: LlamaServer) -> tuple[float, float]:
    text = httpx.get(llama.url + "/metrics", timeout=5).text
    def value(name: str) -> float:
        match = re.search(rf"^llamacpp:{name}\s+([0-9.e+]+)$", text, re.M)
        assert match, f"{name} missing from /metrics"
        return float(match.group(1))
    return value("prompt_tokens_total"), value("prompt_seconds_total")


def conversation(client: anthropic.Anthropic, model: str, billing: str, question: str) -> tuple[float, float]:
    llama = client._switchboard_llama  # type: ignore[attr-defined]
    before = counters(llama)
    client.messages.create(
        model=model, max_tokens=4,
        system=[{"type": "text", "text": f"x-anthropic-billing-header: cc_version=2.1.332.{billing}; cc_entrypoint=sdk-cli;"},
                {"type": "text", "text": SYSTEM}],
        messages=[{"role": "user", "content": question}])
    after = counters(llama)
    return after[0] - before[0], after[1] - before[1]


@pytest.fixture(scope="module")
def client(llama_cached: LlamaServer, tmp_path_factory: pytest.TempPathFactory):
    config = {"providers": {
        "strip-openai": {"type": "openai", "base_url": llama_cached.url + "/v1", "api_key": ""},
        "strip-anthropic": {"type": "anthropic", "base_url": llama_cached.url, "api_key": ""},
        "keep-openai": {"type": "openai", "base_url": llama_cached.url + "/v1", "api_key": "",
                        "keep_billing_header": True},
        "keep-anthropic": {"type": "anthropic", "base_url": llama_cached.url, "api_key": "",
                           "keep_billing_header": True},
    }, "routes": {"main": {"default": f"strip-openai/{MODEL_ALIAS}"}}}
    server = LiveServer(tmp_path_factory.mktemp("switchboard"), config).start()
    c = anthropic.Anthropic(base_url=server.url, api_key=ACCESS_KEY, max_retries=0, timeout=120)
    c._switchboard_llama = llama_cached  # type: ignore[attr-defined]
    yield c
    server.stop()


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
def test_a_second_conversation_reuses_the_cached_system_prompt(client, kind):
    # Warm-up evicts whatever the slot held from an earlier test.
    conversation(client, f"keep-{kind}/{MODEL_ALIAS}", "warm0", "Hello there.")

    conversation(client, f"strip-{kind}/{MODEL_ALIAS}", "a1b2c", "What is a unit test?")
    stripped_tokens, stripped_seconds = conversation(client, f"strip-{kind}/{MODEL_ALIAS}", "9f8e7",
                                                     "Name one sorting algorithm.")
    conversation(client, f"keep-{kind}/{MODEL_ALIAS}", "a1b2c", "What is a unit test?")
    kept_tokens, kept_seconds = conversation(client, f"keep-{kind}/{MODEL_ALIAS}", "9f8e7",
                                             "Name one sorting algorithm.")
    print(f"\n[prompt cache, {kind}] second conversation: billing line removed -> "
          f"{stripped_tokens:.0f} prompt tokens processed in {stripped_seconds * 1000:.0f} ms; "
          f"kept -> {kept_tokens:.0f} tokens in {kept_seconds * 1000:.0f} ms")
    # Without the billing line only the new question is processed; with it,
    # the whole system prompt (~1,200 tokens) is processed again.
    assert kept_tokens > 1000
    assert stripped_tokens < 100
    assert stripped_tokens * 10 < kept_tokens
