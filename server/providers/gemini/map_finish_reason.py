"""Gemini ``finishReason`` -> Anthropic ``stop_reason`` (translation.md §E.21).

Values from https://ai.google.dev/api/generate-content#FinishReason.
Gemini says ``STOP`` both for a plain answer and for a turn that ended with
function calls, so ``saw_tool_use`` decides between ``end_turn`` and
``tool_use``. Reasons meaning "the model could not produce a valid turn"
raise :class:`GeminiFinishError`; the translator turns that into an ``error``
event, never into a fake ``end_turn`` (§A.9).
"""
from __future__ import annotations

from server.errors import UpstreamProtocolError

# Content blocked by a filter: Anthropic's closest meaning is "refusal".
_REFUSAL = frozenset({
    "SAFETY", "RECITATION", "LANGUAGE", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII",
    "IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION",
})

# The turn is unusable: the client must see a failure it can act on.
_ERRORS = {
    "MALFORMED_FUNCTION_CALL": "the model generated a malformed function call",
    "UNEXPECTED_TOOL_CALL": "the model called a tool that was not enabled",
    "TOO_MANY_TOOL_CALLS": "the model made too many tool calls in a row",
    "MISSING_THOUGHT_SIGNATURE": "the request was missing a thought signature",
    "MALFORMED_RESPONSE": "the model produced a malformed response",
}


class GeminiFinishError(UpstreamProtocolError):
    """Gemini ended the candidate with a reason that is an error for the client."""

    def __init__(self, provider: str, reason: str, detail: str = "") -> None:
        text = f"{provider}: {_ERRORS.get(reason, 'the model stopped abnormally')} (finishReason {reason})"
        if detail:
            text += f": {detail}"
        super().__init__(text)
        self.reason = reason


def is_error_reason(reason: str) -> bool:
    return reason in _ERRORS


def map_finish_reason(reason: str, *, saw_tool_use: bool, provider: str = "gemini",
                      detail: str = "") -> str:
    """The Anthropic stop_reason; raises GeminiFinishError for error reasons.

    ``detail`` is Gemini's ``finishMessage`` when it sent one.
    """
    if reason in _ERRORS:
        raise GeminiFinishError(provider, reason, detail)
    if reason == "MAX_TOKENS":
        return "max_tokens"
    if reason in _REFUSAL:
        return "refusal"
    # STOP, OTHER, FINISH_REASON_UNSPECIFIED and reasons added later: the
    # model did finish; whether it asked for tools decides the rest.
    return "tool_use" if saw_tool_use else "end_turn"
