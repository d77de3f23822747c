"""Session fixtures for the end-to-end tests: real llama-server instances and
one real Switchboard in front of them.

The tests FAIL (never skip) when llama-server cannot be provisioned or
started, so CI cannot pass without running them; set SWITCHBOARD_SKIP_E2E=1
to skip them on purpose.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterator

import anthropic
import pytest

from tests.e2e.llama import MODEL_ALIAS, LlamaServer, LlamaUnavailable, provision
from tests.support.live_server import ACCESS_KEY, LiveServer

SKIP_E2E = os.environ.get("SWITCHBOARD_SKIP_E2E") == "1"

# Provider ids in the gateway config: the plain instance and the tool-calling
# instance, each reached through translation (OpenAI Chat Completions) and
# through passthrough (its own /v1/messages).
CHAT_OPENAI, CHAT_ANTHROPIC = "local-openai", "local-anthropic"
TOOLS_OPENAI, TOOLS_ANTHROPIC = "tools-openai", "tools-anthropic"


def model(provider_id: str) -> str:
    return f"{provider_id}/{MODEL_ALIAS}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not SKIP_E2E:
        return
    skip = pytest.mark.skip(reason="SWITCHBOARD_SKIP_E2E=1")
    for item in items:
        if "e2e" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def llama_cache() -> Path:
    try:
        return provision()
    except LlamaUnavailable as exc:
        pytest.fail(f"llama-server is not available (set SWITCHBOARD_SKIP_E2E=1 to skip): {exc}",
                    pytrace=False)


def _start(cache: Path, args: list[str], name: str, log_dir: Path) -> LlamaServer:
    try:
        return LlamaServer(cache, args, name=name, log_dir=log_dir).start()
    except LlamaUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="session")
def llama_chat(llama_cache: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    """SmolLM2 with its own template; 4 slots sharing one 4096-token KV cache
    (-kvu), so 4 streams run at once and each may use the whole context."""
    server = _start(llama_cache, ["-np", "4", "-kvu"], "chat", tmp_path_factory.mktemp("llama"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def llama_tools(llama_cache: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    """The tool-calling instance: Llama 3.2's template and a logit bias on the
    token ``{"`` make the 135M model answer tool_choice "required" with real
    tool calls."""
    args = ["-np", "1", "--jinja", "--chat-template-file", str(llama_cache / "llama-3.2.jinja"),
            "-l", "39428+8"]
    server = _start(llama_cache, args, "tools", tmp_path_factory.mktemp("llama"))
    yield server
    server.stop()


def e2e_config(chat: LlamaServer, tools: LlamaServer) -> dict[str, Any]:
    """The config a user writes for a local server: base_url, type, empty api_key."""
    return {
        "providers": {
            CHAT_OPENAI: {"type": "openai", "base_url": chat.url + "/v1", "api_key": ""},
            CHAT_ANTHROPIC: {"type": "anthropic", "base_url": chat.url, "api_key": ""},
            TOOLS_OPENAI: {"type": "openai", "base_url": tools.url + "/v1", "api_key": ""},
            TOOLS_ANTHROPIC: {"type": "anthropic", "base_url": tools.url, "api_key": ""},
        },
        "routes": {"main": {"default": model(CHAT_OPENAI)}},
        "active_route": "main",
    }


@pytest.fixture(scope="session")
def gateway(llama_chat: LlamaServer, llama_tools: LlamaServer,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = LiveServer(tmp_path_factory.mktemp("switchboard"), e2e_config(llama_chat, llama_tools)).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def client(gateway: LiveServer) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=gateway.url, api_key=ACCESS_KEY, max_retries=0, timeout=120)


@pytest.fixture(scope="session")
def async_client_factory(gateway: LiveServer):
    def make() -> anthropic.AsyncAnthropic:
        return anthropic.AsyncAnthropic(base_url=gateway.url, api_key=ACCESS_KEY, max_retries=0, timeout=120)
    return make
