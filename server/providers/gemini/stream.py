"""Gemini ``streamGenerateContent`` chunks -> Anthropic stream events.

Each SSE ``data:`` payload of ``streamGenerateContent?alt=sse`` is a whole
``GenerateContentResponse`` (https://ai.google.dev/api/generate-content#v1beta.GenerateContentResponse);
a non-streaming ``generateContent`` body has the same shape, so the
non-stream path is ``start() + feed(body) + finish()`` then
``events.accumulate`` (see :func:`translate_response`).

States: ``new`` -> ``started`` (after :meth:`start`) -> ``done`` (after
:meth:`finish` / :meth:`fail`, or an error chunk). Part handling:

* ``thought: true`` parts -> a thinking block (thought summaries).
* ``text`` parts -> a text block; ``functionCall`` parts -> one ``tool_use``
  block each (Gemini sends whole calls, no ids: a ``toolu_`` id is minted and
  the args sent as one ``input_json_delta``). Parallel calls are
  consecutive blocks.
* Calls whose arguments stream in pieces (Vertex AI
  ``streamFunctionCallArguments``: ``partialArgs`` / ``willContinue``) are
  gathered by :class:`~server.providers.gemini.partial_calls.PartialCalls`
  and emitted as one ``tool_use`` each once complete; pieces that cannot be
  assembled end the stream with an ``error`` event. A ``tool_use`` never
  goes out without a name.

Thought signatures (https://ai.google.dev/gemini-api/docs/thought-signatures):
Gemini attaches an opaque ``thoughtSignature`` to *some* part (the first
functionCall of a step, or a text part - in streams often a final empty
text part) and requires it back on that very part next turn. Anthropic
content has no place for it on text or tool_use blocks, but thinking blocks
carry a signature the client must echo verbatim. So:

* signature on a thought part -> that thinking block is signed
  ``signatures.mint("gemini", thoughtSignature)``;
* signature on any other part -> any open thinking block is closed first,
  then an *empty* thinking block signed the same way is emitted immediately
  before the part's own block (``MessageStream.signature``).

convert_request undoes this: an empty gemini-signed thinking block puts its
signature on the next part (or on a trailing empty text part when it was
last, exactly as Gemini sent it); a non-empty one becomes a signed thought
part. Thinking Gemini did not sign closes with ``swb1.gemini.`` and an empty
payload, which convert_request treats as "no signature". Anthropic never sees
these: ``swb1.`` signatures are stripped before any Anthropic upstream.
"""
from __future__ import annotations

from typing import Any

import orjson

from server.errors import SwitchboardError, UpstreamProtocolError
from server.protocol import ids, signatures
from server.protocol.events import Event, MessageStream, accumulate, usage
from server.providers.gemini.convert_usage import convert_usage
from server.providers.gemini.errors import error_from_object
from server.providers.gemini.map_finish_reason import GeminiFinishError, map_finish_reason
from server.providers.gemini.partial_calls import AssembledCall, CallAssemblyError, PartialCalls, is_piece

SIGNATURE_KIND = "gemini"


class GeminiStreamTranslator:
    """Explicit state machine over parsed Gemini response chunks."""

    def __init__(self, *, model: str, message_id: str, provider: str,
                 input_tokens_estimate: int = 0, name_map: dict[str, str] | None = None) -> None:
        self.provider = provider
        self._ms = MessageStream(model=model, message_id=message_id, signature_kind=SIGNATURE_KIND)
        self._estimate = input_tokens_estimate
        self._names = dict(name_map or {})
        self._state = "new"
        self._usage_meta: dict[str, Any] | None = None
        self._finish_reason: str | None = None
        self._finish_message = ""
        self._blocked: str | None = None  # promptFeedback.blockReason
        self._partial = PartialCalls(provider)

    # -- lifecycle -------------------------------------------------------------
    def start(self) -> list[Event]:
        if self._state != "new":
            return []
        self._state = "started"
        return self._ms.start(usage(input_tokens=self._estimate))

    def feed(self, chunk: dict[str, Any]) -> list[Event]:
        out = self.start() if self._state == "new" else []
        if self._state != "started" or not isinstance(chunk, dict):
            return out
        if isinstance(chunk.get("error"), dict):
            # An error object inside a 200 stream (§A.9).
            out.extend(self.fail(error_from_object(self.provider, int(chunk["error"].get("code") or 500),
                                                   chunk["error"])))
            return out
        if isinstance(chunk.get("usageMetadata"), dict):
            self._usage_meta = chunk["usageMetadata"]  # cumulative: last wins
        feedback = chunk.get("promptFeedback")
        if isinstance(feedback, dict) and feedback.get("blockReason"):
            self._blocked = str(feedback["blockReason"])
        candidates = chunk.get("candidates") or []
        # Switchboard never asks for candidateCount > 1; index 0 is the answer.
        candidate = next((c for c in candidates if isinstance(c, dict) and c.get("index", 0) == 0), None)
        if candidate is None:
            return out
        content = candidate.get("content") or {}
        for part in content.get("parts") or []:
            if isinstance(part, dict):
                try:
                    out.extend(self._part(part))
                except CallAssemblyError as exc:
                    out.extend(self.fail(exc))
                    return out
        if candidate.get("finishReason"):
            self._finish_reason = str(candidate["finishReason"])
            self._finish_message = str(candidate.get("finishMessage") or "")
        return out

    def finish(self) -> list[Event]:
        """End of the upstream body: the only place the message is closed."""
        out = self.start() if self._state == "new" else []
        if self._state != "started":
            return out
        reason = self._finish_reason
        if reason is None and self._blocked is not None:
            reason = "SAFETY"  # the prompt itself was blocked: no candidate at all
        if reason is None:
            out.extend(self.fail(UpstreamProtocolError(
                f"{self.provider}: the stream ended without a finish reason")))
            return out
        if self._partial.unfinished:
            out.extend(self.fail(CallAssemblyError(
                f"{self.provider}: the stream ended while a function call's arguments were still arriving")))
            return out
        try:
            stop = map_finish_reason(reason, saw_tool_use=self._ms.saw_tool_use,
                                     provider=self.provider, detail=self._finish_message)
        except GeminiFinishError as exc:
            out.extend(self.fail(exc))
            return out
        self._state = "done"
        out.extend(self._ms.finish(stop, self.final_usage))
        return out

    def fail(self, error: SwitchboardError) -> list[Event]:
        out = self.start() if self._state == "new" else []
        self._state = "done"
        out.extend(self._ms.fail(error))
        return out

    @property
    def final_usage(self) -> dict[str, int]:
        """Usage from the last usageMetadata seen (the estimate before any)."""
        if self._usage_meta is None:
            return usage(input_tokens=self._estimate)
        return convert_usage(self._usage_meta)

    @property
    def done(self) -> bool:
        return self._state == "done"

    # -- parts -----------------------------------------------------------------
    def _part(self, part: dict[str, Any]) -> list[Event]:
        sig = part.get("thoughtSignature")
        sig = sig if isinstance(sig, str) and sig else None
        call = part.get("functionCall")
        if "functionCall" in part and not isinstance(call, dict):
            call = {}  # functionCall: null - an empty piece, never a nameless call
        if call is not None and is_piece(call):
            done = self._partial.feed(call, sig)
            return self._assembled(done) if done is not None else []
        signed = signatures.mint(SIGNATURE_KIND, sig) if sig else None
        out: list[Event] = []
        if part.get("thought"):
            out.extend(self._ms.thinking(part.get("text") or ""))
            if signed:
                out.extend(self._ms.signature(signed))
            return out
        if signed:
            # The signature belongs to this part, not to thought text before it.
            if self._ms.open_block == "thinking":
                out.extend(self._ms.close_block())
            out.extend(self._ms.signature(signed))
        if call is not None:
            name = str(call["name"])  # a whole call: is_piece() sent nameless ones away
            out.extend(self._ms.tool_use(ids.new_tool_id(), self._names.get(name, name)))
            out.extend(self._ms.tool_input(dumps_args(call.get("args"))))
        elif isinstance(part.get("text"), str):
            out.extend(self._ms.text(part["text"]))
        # Other parts (executableCode, inlineData output ...) are not
        # requested by Switchboard; nothing to show.
        return out

    def _assembled(self, call: AssembledCall) -> list[Event]:
        """A streamed call, complete: its signature (if any), then one tool_use."""
        out: list[Event] = []
        if call.signature:
            if self._ms.open_block == "thinking":
                out.extend(self._ms.close_block())
            out.extend(self._ms.signature(signatures.mint(SIGNATURE_KIND, call.signature)))
        out.extend(self._ms.tool_use(ids.new_tool_id(), self._names.get(call.name, call.name)))
        out.extend(self._ms.tool_input(dumps_args(call.args)))
        return out


def dumps_args(args: Any) -> str:
    """Function-call args as the JSON of one input_json_delta ("" for none)."""
    if not args:
        return ""
    return orjson.dumps(args).decode("utf-8")


def translate_response(body: dict[str, Any], *, model: str, message_id: str, provider: str,
                       name_map: dict[str, str] | None = None) -> dict[str, Any]:
    """A non-streaming generateContent body -> an Anthropic Message."""
    t = GeminiStreamTranslator(model=model, message_id=message_id, provider=provider, name_map=name_map)
    return accumulate(t.start() + t.feed(body) + t.finish())
