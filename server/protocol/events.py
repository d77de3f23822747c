"""Well-formed Anthropic stream events, and the message they add up to.

Every translated stream is written through :class:`MessageStream`, so the
rules of translation.md §A hold for every provider by construction:
``message_start`` first with all four usage fields, one content block open at
a time, indexes without gaps, no empty text/thinking deltas, a thinking block
always closed by exactly one ``signature_delta``, exactly one
``message_delta`` then ``message_stop``, nothing after it.

Provider stream translators (``start`` / ``feed`` / ``finish``) hold a
MessageStream and decide *what* happens; this class decides *how* it looks on
the wire. The non-streaming message is derived from the same events by
:func:`accumulate`, so stream and non-stream cannot disagree.
"""
from __future__ import annotations

from typing import Any

import orjson

from server.errors import SwitchboardError, UpstreamProtocolError
from server.protocol import signatures

Event = dict[str, Any]


def usage(
    input_tokens: int = 0,
    output_tokens: int = 0,
    cache_read: int = 0,
    cache_creation: int = 0,
) -> dict[str, int]:
    return {
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "cache_creation_input_tokens": cache_creation,
        "cache_read_input_tokens": cache_read,
    }


class MessageStream:
    """Emits Anthropic events; keeps the one-open-block invariant."""

    __slots__ = (
        "model", "message_id", "signature_kind", "_index", "_open", "_has_signature",
        "_started", "_done", "_saw_tool_use",
    )

    def __init__(self, *, model: str, message_id: str, signature_kind: str = "oa") -> None:
        self.model = model
        self.message_id = message_id
        # Kind used to mint a signature for thinking the upstream did not sign.
        self.signature_kind = signature_kind
        self._index = -1
        self._open: str | None = None
        self._has_signature = False
        self._started = False
        self._done = False
        self._saw_tool_use = False

    # -- state ---------------------------------------------------------------
    @property
    def open_block(self) -> str | None:
        return self._open

    @property
    def saw_tool_use(self) -> bool:
        return self._saw_tool_use

    @property
    def done(self) -> bool:
        return self._done

    @property
    def started(self) -> bool:
        return self._started

    # -- message -------------------------------------------------------------
    def start(self, start_usage: dict[str, int] | None = None) -> list[Event]:
        self._started = True
        return [{
            "type": "message_start",
            "message": {
                "id": self.message_id,
                "type": "message",
                "role": "assistant",
                "model": self.model,
                "content": [],
                "stop_reason": None,
                "stop_sequence": None,
                "usage": start_usage or usage(),
            },
        }]

    def finish(
        self,
        stop_reason: str,
        final_usage: dict[str, int],
        stop_sequence: str | None = None,
    ) -> list[Event]:
        if self._done:
            return []
        out = self.close_block()
        self._done = True
        out.append({
            "type": "message_delta",
            "delta": {"stop_reason": stop_reason, "stop_sequence": stop_sequence},
            "usage": final_usage,
        })
        out.append({"type": "message_stop"})
        return out

    def fail(self, error: SwitchboardError) -> list[Event]:
        """Close what is open and end with an ``error`` event (§A.9)."""
        if self._done:
            return []
        out = self.close_block()
        self._done = True
        out.append(error.body())
        return out

    # -- blocks --------------------------------------------------------------
    def close_block(self) -> list[Event]:
        if self._open is None:
            return []
        out: list[Event] = []
        if self._open == "thinking" and not self._has_signature:
            out.append(self._signature_delta(signatures.mint(self.signature_kind)))
        out.append({"type": "content_block_stop", "index": self._index})
        self._open = None
        return out

    def _open_block(self, kind: str, block: dict[str, Any]) -> list[Event]:
        out = self.close_block()
        self._index += 1
        self._open = kind
        self._has_signature = False
        out.append({"type": "content_block_start", "index": self._index, "content_block": block})
        return out

    def text(self, text: str) -> list[Event]:
        if not text:
            return []
        out = [] if self._open == "text" else self._open_block("text", {"type": "text", "text": ""})
        out.append({"type": "content_block_delta", "index": self._index,
                    "delta": {"type": "text_delta", "text": text}})
        return out

    def thinking(self, text: str) -> list[Event]:
        if not text:
            return []
        if self._open == "thinking" and not self._has_signature:
            out: list[Event] = []
        else:
            out = self._open_block("thinking", {"type": "thinking", "thinking": "", "signature": ""})
        out.append({"type": "content_block_delta", "index": self._index,
                    "delta": {"type": "thinking_delta", "thinking": text}})
        return out

    def signature(self, signature: str) -> list[Event]:
        """Sign the open thinking block and close it (the delta comes last)."""
        if not signature:
            return []
        if self._open != "thinking":
            # A signature with no readable thinking (e.g. Gemini's signed empty
            # part): an empty thinking block carries it so nothing is lost.
            out = self._open_block("thinking", {"type": "thinking", "thinking": "", "signature": ""})
        else:
            out = []
        out.append(self._signature_delta(signature))
        self._has_signature = True
        out.extend(self.close_block())
        return out

    def redacted_thinking(self, data: str) -> list[Event]:
        out = self._open_block("redacted_thinking", {"type": "redacted_thinking", "data": data})
        out.extend(self.close_block())
        return out

    def tool_use(self, tool_id: str, name: str) -> list[Event]:
        self._saw_tool_use = True
        return self._open_block("tool_use", {"type": "tool_use", "id": tool_id, "name": name, "input": {}})

    def tool_input(self, partial_json: str) -> list[Event]:
        if not partial_json or self._open != "tool_use":
            return []
        return [{"type": "content_block_delta", "index": self._index,
                 "delta": {"type": "input_json_delta", "partial_json": partial_json}}]

    def _signature_delta(self, signature: str) -> Event:
        return {"type": "content_block_delta", "index": self._index,
                "delta": {"type": "signature_delta", "signature": signature}}


def accumulate(events: list[Event]) -> dict[str, Any]:
    """The non-streaming Message that a complete event sequence describes.

    Raises the stream's own error if it ended with an ``error`` event.
    """
    message: dict[str, Any] | None = None
    partial: dict[int, list[str]] = {}
    for ev in events:
        kind = ev["type"]
        if kind == "message_start":
            message = dict(ev["message"])
            message["content"] = []
        elif kind == "content_block_start":
            block = dict(ev["content_block"])
            assert message is not None
            message["content"].append(block)
            partial[ev["index"]] = []
        elif kind == "content_block_delta":
            assert message is not None
            block = message["content"][ev["index"]]
            delta = ev["delta"]
            dtype = delta["type"]
            if dtype == "text_delta":
                block["text"] += delta["text"]
            elif dtype == "thinking_delta":
                block["thinking"] += delta["thinking"]
            elif dtype == "signature_delta":
                block["signature"] = delta["signature"]
            elif dtype == "input_json_delta":
                partial[ev["index"]].append(delta["partial_json"])
        elif kind == "content_block_stop":
            assert message is not None
            block = message["content"][ev["index"]]
            if block["type"] == "tool_use":
                raw = "".join(partial.get(ev["index"], []))
                block["input"] = _parse_tool_input(raw)
        elif kind == "message_delta":
            assert message is not None
            message["stop_reason"] = ev["delta"].get("stop_reason")
            message["stop_sequence"] = ev["delta"].get("stop_sequence")
            if ev.get("usage"):
                message["usage"] = {**message["usage"], **ev["usage"]}
        elif kind == "error":
            err = ev["error"]
            raise SwitchboardError(err["message"], error_type=err["type"],
                                   status=_status_for_type(err["type"]))
    if message is None:
        raise UpstreamProtocolError("The provider returned no message")
    return message


def _parse_tool_input(raw: str) -> Any:
    if not raw.strip():
        return {}
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        # Keep what the model wrote rather than lose it (§Standards: never lost data).
        return {"_raw_arguments": raw}


_STATUS_BY_TYPE = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "api_error": 500,
    "overloaded_error": 529,
}


def _status_for_type(error_type: str) -> int:
    return _STATUS_BY_TYPE.get(error_type, 500)
