"""I/O for Google's Gemini API (generativelanguage.googleapis.com, v1beta).

``POST {base}/v1beta/models/{model}:generateContent`` or
``:streamGenerateContent?alt=sse``, key in ``x-goog-api-key``
(https://ai.google.dev/api/generate-content). Translation lives in the pure
converters beside this file; the stream goes through the shared pump.
"""
from __future__ import annotations

from typing import Any, AsyncIterator
from urllib.parse import quote

import httpx
import orjson

from server.protocol.ids import message_id
from server.providers import http
from server.providers.base import Call, Event, Provider, Reply
from server.providers.gemini.convert_request import convert_request
from server.providers.gemini.convert_schema import reverse_name_map
from server.providers.gemini.errors import map_error
from server.providers.gemini.stream import GeminiStreamTranslator
from server.providers.translate import once, parse_json_object, pump
from server.protocol.events import accumulate


class GeminiProvider(Provider):
    kind = "gemini"

    def url(self, model: str, stream: bool) -> str:
        base = self.settings.base_url.rstrip("/")
        if not base.endswith(("/v1beta", "/v1")):
            base += "/v1beta"
        method = "streamGenerateContent?alt=sse" if stream else "generateContent"
        return f"{base}/models/{quote(model, safe='-._~')}:{method}"

    def headers(self) -> dict[str, str]:
        headers = {"content-type": "application/json"}
        if self._api_key:
            headers["x-goog-api-key"] = self._api_key
        headers.update(dict(self.settings.headers or ()))
        return headers

    async def send(self, call: Call) -> Reply:
        body = convert_request(self.hub_request(call), model=call.model,
                               max_output_tokens=self.profile.get("max_output_tokens"))
        response = await http.open_stream(
            self.client, self.display_name, self.url(call.model, call.stream),
            headers=self.headers(), content=orjson.dumps(body), map_error=map_error, secret=self._api_key,
            first_byte=http.first_byte_limit(self.settings.network, call.stream),
        )
        t = GeminiStreamTranslator(model=call.requested_model, message_id=message_id(),
                                   provider=self.display_name, name_map=reverse_name_map(call.request))
        if call.stream and response.headers.get("content-type", "").startswith("text/event-stream"):
            return Reply(events=self._events(response, t, call), aclose=response.aclose)
        parsed = parse_json_object(await http.read_body(response, self.display_name, self.settings.network.idle), self.display_name)
        events = t.start() + t.feed(parsed) + t.finish()
        if call.stream:
            return Reply(events=once(events))
        return Reply(message=accumulate(events))

    def _events(self, response: httpx.Response, t: GeminiStreamTranslator, call: Call) -> AsyncIterator[list[Event]]:
        def on_payload(event: str | None, payload: dict[str, Any]) -> list[Event]:
            # The translator itself turns an {"error": ...} chunk into an error event.
            return t.feed(payload)

        return pump(response, t, self.display_name, on_payload, self.settings.network.idle,
                    call.ping_interval)
