"""I/O for Anthropic-compatible upstreams (Anthropic, DeepSeek /anthropic,
Kimi, GLM, Qwen, MiniMax, OpenRouter, Ollama >= 0.14, llama.cpp, LM Studio).

The request goes through with the model rewritten and auth swapped; the
response comes back byte for byte, an upstream ``event: error`` included
(translation.md §H.35).
"""
from __future__ import annotations

import orjson

from server.providers import http
from server.providers.anthropic.convert_request import convert_request
from server.providers.anthropic.errors import map_error
from server.providers.anthropic.stream_errors import normalize_errors
from server.providers.base import Call, Provider, Reply

# Versions every Anthropic-compatible server knows; newer SDKs send
# 2026-10-21, which only Anthropic itself is sure to accept (clients.md).
_SAFE_VERSION = "2023-06-01"


class AnthropicProvider(Provider):
    kind = "anthropic"

    def headers(self, call: Call) -> dict[str, str]:
        profile = self.profile
        headers = {"content-type": "application/json", "accept": "application/json"}
        if call.stream:
            headers["accept"] = "text/event-stream"
        native = profile.get("native_anthropic", False)
        headers["anthropic-version"] = call.anthropic_version if native else _SAFE_VERSION
        if call.betas:
            headers["anthropic-beta"] = ",".join(call.betas)
        if self._api_key:
            if profile.get("auth") == "bearer":
                headers["authorization"] = f"Bearer {self._api_key}"
            else:
                headers["x-api-key"] = self._api_key
        headers.update(dict(getattr(self.settings, "headers", ()) or ()))
        return headers

    async def send(self, call: Call) -> Reply:
        body = convert_request(self.hub_request(call), model=call.model)
        url = http.join_url(self.settings.base_url, "/v1/messages")
        response = await http.open_stream(
            self.client, self.display_name, url,
            headers=self.headers(call), content=orjson.dumps(body), map_error=map_error, secret=self._api_key,
            first_byte=http.first_byte_limit(self.settings.network, call.stream),
        )
        if call.stream and response.headers.get("content-type", "").startswith("text/event-stream"):
            chunks = http.iter_bytes(response, self.display_name, self.settings.network.idle,
                                     call.ping_interval)
            return Reply(raw=normalize_errors(chunks, self.display_name), aclose=response.aclose)
        data = await http.read_body(response, self.display_name, self.settings.network.idle)
        if call.stream:
            # The upstream ignored stream=true: replay its message as events.
            from server.protocol.replay import message_to_events

            return Reply(events=message_to_events(orjson.loads(data)))
        return Reply(body=data)
