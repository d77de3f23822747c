"""Chat Completions chunks -> Anthropic stream events (translation.md §A-E).

Chunk format: https://platform.openai.com/docs/api-reference/chat-streaming
The translator is an explicit state machine over one MessageStream (which
owns the wire rules of §A):

    NEW --start()--> STREAMING --feed(finish_reason)--> FINISHING --finish()--> DONE
                         |  \\____ feed(error chunk) / fail() / finish() without
                         |        a finish_reason ______________________________> DONE (error event)

* FINISHING still accepts chunks: usage often arrives after the finish chunk
  (OpenAI's ``choices: []`` usage chunk, OpenRouter), and finish reasons can
  repeat (openrouter/stream-annotations-duplicate-finish.sse). So the single
  ``message_delta`` is emitted by :meth:`finish` only, when usage is known.
* Odd chunks are tolerated (§B.11): empty ``choices``, ``usage: null``, extra
  fields, empty strings, a leading prompt-filter chunk.
* Tool calls (§C.12-13) correlate by ``index`` then ``id``; an empty ``id`` or
  ``name`` on a continuation is a continuation. Argument fragments stream as
  ``input_json_delta``; they are buffered only until the call's name is known.
  Limitation: a fragment for a call whose block was already closed (calls
  interleaved with each other or with text) cannot be appended in Anthropic's
  format; no provider in the fixtures does this.
* Thinking (§D.17): ``reasoning_content`` (DeepSeek), ``reasoning`` (Ollama,
  Groq, OpenRouter) and ``reasoning_details`` (OpenRouter). When a chunk's
  ``reasoning_details`` has readable items, ``reasoning`` duplicates them
  (openrouter/stream-claude-reasoning-details-signature.sse) and is ignored;
  ``reasoning_content`` wins over ``reasoning`` when a server sends both.
  Signatures and encrypted items: see reasoning_details.py.
* A leading ``<think>…</think>`` in ``content`` (reasoning models served
  without a reasoning parser) is thinking too: think_tags.py, unless the
  provider's profile says ``think_tags: false``. The splitter is dropped as
  soon as the answer text has started (or a reasoning field shows the server
  parses reasoning itself), so other streams pay one ``is None`` check.
  Thinking from tags is signed like ``reasoning_content``: a minted ``oa``
  signature when the block closes.
"""
from __future__ import annotations

from typing import Any

import orjson

from server.errors import StreamInterrupted, SwitchboardError, UpstreamError
from server.protocol import ids
from server.protocol.events import Event, MessageStream
from server.protocol.events import usage as anthropic_usage
from server.providers.openai_chat import reasoning_details
from server.providers.openai_chat.convert_usage import convert_usage, find_usage
from server.providers.openai_chat.errors import chunk_error
from server.providers.openai_chat.map_finish_reason import map_finish_reason
from server.providers.openai_chat.think_tags import ThinkTagSplitter

SIGNATURE_KIND = "oa"  # minted on thinking the upstream did not sign


class _ToolCall:
    __slots__ = ("index", "upstream_id", "name", "pending", "started")

    def __init__(self, index: int | None, upstream_id: str | None) -> None:
        self.index = index
        self.upstream_id = upstream_id
        self.name: str | None = None
        self.pending: list[str] = []
        self.started = False


class ChatStreamTranslator:
    NEW, STREAMING, FINISHING, DONE = "new", "streaming", "finishing", "done"

    def __init__(self, *, model: str, message_id: str, provider: str, input_tokens_estimate: int = 0,
                 think_tags: bool = True, reasoning_tokens_outside: bool = False) -> None:
        self.provider = provider
        self.input_tokens_estimate = input_tokens_estimate
        self.ms = MessageStream(model=model, message_id=message_id, signature_kind=SIGNATURE_KIND)
        self.state = self.NEW
        self.finish_reason: str | None = None
        self.upstream_usage: dict[str, Any] | None = None
        self.refusal = False
        self._calls: list[_ToolCall] = []
        self._current: _ToolCall | None = None
        # Leading <think>…</think> in content; None once it cannot matter.
        self._tags: ThinkTagSplitter | None = ThinkTagSplitter() if think_tags else None
        # xAI: completion_tokens_details.reasoning_tokens not in completion_tokens.
        self.reasoning_tokens_outside = reasoning_tokens_outside

    @property
    def done(self) -> bool:
        """True once the stream ended (message_stop or error): feed nothing more."""
        return self.state == self.DONE

    # -- lifecycle ---------------------------------------------------------
    def start(self) -> list[Event]:
        if self.state != self.NEW:
            return []
        self.state = self.STREAMING
        return self.ms.start(anthropic_usage(input_tokens=self.input_tokens_estimate))

    def feed(self, chunk: dict[str, Any]) -> list[Event]:
        out = self.start()
        if self.state == self.DONE or not isinstance(chunk, dict):
            return out
        if chunk.get("error"):
            return out + self.fail(chunk_error(self.provider, chunk))
        found = find_usage(chunk)
        if found is not None:
            self.upstream_usage = found
        choices = chunk.get("choices")
        if not isinstance(choices, list) or not choices:
            return out
        # n > 1 is never requested; follow choice 0 only.
        dicts = [c for c in choices if isinstance(c, dict)]
        choice = next((c for c in dicts if c.get("index", 0) == 0), dicts[0] if dicts else None)
        if choice is None:
            return out
        delta = choice.get("delta") or choice.get("message") or {}
        if isinstance(delta, dict):
            out += self._reasoning(delta)
            if isinstance(delta.get("content"), str):
                out += self._content(delta["content"]) if self._tags is not None else self._text(delta["content"])
            if isinstance(delta.get("refusal"), str) and delta["refusal"]:
                self.refusal = True
                out += self._text(delta["refusal"])
            if isinstance(delta.get("tool_calls"), list):
                for tc in delta["tool_calls"]:
                    if isinstance(tc, dict):
                        out += self._tool_call(tc)
        reason = choice.get("finish_reason")
        if reason:
            if reason == "error":
                # OpenRouter: a provider failure mid-generation (§A.9).
                return out + self.fail(UpstreamError(self.provider, 502, "the provider stopped with an error"))
            self.finish_reason = reason
            self.state = self.FINISHING
        return out

    def finish(self) -> list[Event]:
        """The upstream stream ended ([DONE] or EOF)."""
        out = self.start()
        if self.state == self.DONE:
            return out
        if self.finish_reason is None:
            return out + self.fail(StreamInterrupted(
                f"{self.provider}: the stream ended before the response was complete"))
        out += self._flush_tags()
        out += self._flush_unnamed_calls()
        stop_reason = "refusal" if self.refusal else map_finish_reason(
            self.finish_reason, saw_tool_use=self.ms.saw_tool_use)
        if self.upstream_usage is not None:
            final = convert_usage(self.upstream_usage, reasoning_outside=self.reasoning_tokens_outside)
        else:
            final = anthropic_usage(input_tokens=self.input_tokens_estimate)
        self.state = self.DONE
        return out + self.ms.finish(stop_reason, final)

    def fail(self, error: SwitchboardError) -> list[Event]:
        if self.state == self.DONE:
            return []
        self.state = self.DONE
        return self.ms.fail(error)

    # -- content -------------------------------------------------------------
    def _text(self, text: str) -> list[Event]:
        if not text:
            return []
        self._current = None
        return self.ms.text(text)

    def _content(self, text: str) -> list[Event]:
        """Answer text while a leading think section is still possible."""
        tags = self._tags
        assert tags is not None
        out: list[Event] = []
        for kind, piece in tags.feed(text):
            out += self._thinking(piece) if kind == "thinking" else self._text(piece)
        if tags.passing:
            self._tags = None
        return out

    def _flush_tags(self) -> list[Event]:
        if self._tags is None:
            return []
        out: list[Event] = []
        for kind, piece in self._tags.flush():
            out += self._thinking(piece) if kind == "thinking" else self._text(piece)
        return out

    def _reasoning(self, delta: dict[str, Any]) -> list[Event]:
        out: list[Event] = []
        details = delta.get("reasoning_details")
        readable = False
        if isinstance(details, list):
            for item in details:
                if not isinstance(item, dict):
                    continue
                kind = item.get("type")
                if kind in ("reasoning.text", "reasoning.summary"):
                    readable = True
                    out += self._thinking(item.get("text") if kind == "reasoning.text" else item.get("summary"))
                    signature = item.get("signature")
                    if isinstance(signature, str) and signature:
                        fmt = item.get("format")
                        if fmt not in (None, reasoning_details.ANTHROPIC_FORMAT):
                            signature = reasoning_details.wrap(
                                [{"type": "reasoning.text", "signature": signature, "format": fmt}])
                        self._current = None
                        out += self.ms.signature(signature)
                elif kind == "reasoning.encrypted" and item.get("data"):
                    self._current = None
                    out += self.ms.redacted_thinking(reasoning_details.wrap([item]))
        if not readable:
            text = delta.get("reasoning_content") or delta.get("reasoning")
            if text and self._tags is not None:
                # The server parses reasoning itself: content is the answer
                # (a stray leading "<think>" it left in content is dropped).
                self._tags = None
            out += self._thinking(text)
        elif self._tags is not None:
            self._tags = None
        return out

    def _thinking(self, text: Any) -> list[Event]:
        if not isinstance(text, str) or not text:
            return []
        self._current = None
        return self.ms.thinking(text)

    # -- tool calls ------------------------------------------------------------
    def _find_call(self, index: Any, upstream_id: str | None) -> _ToolCall | None:
        if isinstance(index, int):
            for call in reversed(self._calls):
                if call.index == index:
                    if upstream_id and call.upstream_id and upstream_id != call.upstream_id:
                        return None  # same index reused with a new id: a new call
                    return call
            return None
        if upstream_id:
            return next((c for c in reversed(self._calls) if c.upstream_id == upstream_id), None)
        # No index, no id: continues the latest call.
        return self._calls[-1] if self._calls else None

    def _tool_call(self, tc: dict[str, Any]) -> list[Event]:
        out: list[Event] = []
        if self._tags is not None:  # a tool call ends any leading think section
            out += self._flush_tags()
            self._tags = None
        index = tc.get("index")
        upstream_id = tc.get("id") or None
        function = tc.get("function") if isinstance(tc.get("function"), dict) else {}
        name = function.get("name") or None
        arguments = function.get("arguments")
        if not isinstance(arguments, str):
            # Some servers send already-parsed arguments objects.
            arguments = "" if arguments is None else _json(arguments)
        call = self._find_call(index, upstream_id)
        if call is None:
            call = _ToolCall(index if isinstance(index, int) else None, upstream_id)
            self._calls.append(call)
        elif upstream_id and not call.upstream_id:
            call.upstream_id = upstream_id
        if name and not call.name:
            call.name = name
        if call.started:
            if call is self._current:
                out += self.ms.tool_input(arguments)
            # else: see the module docstring's limitation.
            return out
        if arguments:
            call.pending.append(arguments)
        if call.name:
            out += self._open_call(call)
        return out

    def _open_call(self, call: _ToolCall) -> list[Event]:
        call.started = True
        self._current = call
        out = self.ms.tool_use(ids.to_client_tool_id(call.upstream_id), call.name or "unknown")
        out += self.ms.tool_input("".join(call.pending))
        call.pending = []
        return out

    def _flush_unnamed_calls(self) -> list[Event]:
        """Calls whose name never came: still shown, never silently lost."""
        out: list[Event] = []
        for call in self._calls:
            if not call.started:
                out += self._open_call(call)
        return out


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


def message_to_chunk(response: dict[str, Any]) -> dict[str, Any]:
    """A non-stream ``chat.completion`` body as one equivalent chunk (§C.16).

    The delta carries reasoning, then content, then tool calls, and the
    translator handles them in that order, so the message content is
    thinking -> text -> tool_use. Tool calls get their position as ``index``
    (non-stream responses may omit it or repeat 0). A response is complete by
    definition, so a missing finish_reason becomes ``stop``.
    """
    if response.get("error"):
        return {"error": response["error"]}
    chunk: dict[str, Any] = {k: response[k] for k in ("id", "model", "usage", "x_groq") if k in response}
    choices = response.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        chunk["choices"] = []
        return chunk
    choice = choices[0]
    message = choice.get("message") if isinstance(choice.get("message"), dict) else {}
    delta = {k: message[k] for k in ("reasoning_details", "reasoning_content", "reasoning", "content", "refusal")
             if k in message}
    calls = message.get("tool_calls")
    if isinstance(calls, list) and calls:
        delta["tool_calls"] = [{**tc, "index": i} for i, tc in enumerate(calls) if isinstance(tc, dict)]
    chunk["choices"] = [{"index": 0, "delta": delta, "finish_reason": choice.get("finish_reason") or "stop"}]
    return chunk
