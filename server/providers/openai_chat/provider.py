"""I/O for OpenAI Chat Completions-compatible upstreams.

All translation is in the pure converters beside this file; this class only
sends the request and pumps the response through ChatStreamTranslator. The
non-streaming answer goes through the same translator (one synthetic chunk),
so stream and non-stream results cannot disagree (docs/architecture.md).
"""
from __future__ import annotations

from typing import Any, AsyncIterator

import httpx
import orjson

from server.protocol.events import accumulate
from server.protocol.ids import message_id
from server.providers import http
from server.providers.base import Call, Event, Provider, Reply
from server.providers.translate import once, parse_json_object, pump
from server.providers.openai_chat.convert_request import convert_request, resolve_profile
from server.providers.openai_chat.errors import chunk_error, map_error
from server.providers.openai_chat.stream import ChatStreamTranslator, message_to_chunk


class OpenAIChatProvider(Provider):
    kind = "openai"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.profile = resolve_profile(self.profile)
        # switchboard.json's per-provider "think_tags" overrides the preset's.
        if getattr(self.settings, "think_tags", None) is not None:
            self.profile["think_tags"] = bool(self.settings.think_tags)
        self.url = http.join_url(self.settings.base_url, "/chat/completions")

    def headers(self, stream: bool) -> dict[str, str]:
        headers = {"content-type": "application/json",
                   "accept": "text/event-stream" if stream else "application/json"}
        if self._api_key:
            headers["authorization"] = f"Bearer {self._api_key}"
        headers.update(dict(self.settings.headers or ()))
        return headers

    def translator(self, call: Call) -> ChatStreamTranslator:
        return ChatStreamTranslator(model=call.requested_model, message_id=message_id(),
                                    provider=self.display_name, think_tags=self.profile["think_tags"],
                                    reasoning_tokens_outside=self.profile["reasoning_tokens_outside"])

    async def send(self, call: Call) -> Reply:
        body = convert_request(self.hub_request(call), model=call.model, stream=call.stream, profile=self.profile)
        response = await http.open_stream(
            self.client, self.display_name, self.url,
            headers=self.headers(call.stream), content=orjson.dumps(body), map_error=map_error, secret=self._api_key,
            first_byte=http.first_byte_limit(self.settings.network, call.stream),
        )
        translator = self.translator(call)
        if call.stream and response.headers.get("content-type", "").startswith("text/event-stream"):
            return Reply(events=self._events(response, translator, call), aclose=response.aclose)
        parsed = parse_json_object(await http.read_body(response, self.display_name, self.settings.network.idle), self.display_name)
        if "error" in parsed and "choices" not in parsed:
            raise chunk_error(self.display_name, parsed)
        events = translator.start() + translator.feed(message_to_chunk(parsed)) + translator.finish()
        if call.stream:
            return Reply(events=once(events))
        return Reply(message=accumulate(events))

    def _events(self, response: httpx.Response, t: ChatStreamTranslator, call: Call) -> AsyncIterator[list[Event]]:
        def on_payload(event: str | None, payload: dict[str, Any]) -> list[Event]:
            # Groq sends `event: error` frames; others an {"error": ...} chunk.
            if "choices" not in payload and (event == "error" or "error" in payload):
                return t.fail(chunk_error(self.display_name, payload))
            return t.feed(payload)

        return pump(response, t, self.display_name, on_payload, self.settings.network.idle,
                    call.ping_interval)
