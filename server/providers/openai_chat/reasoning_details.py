"""Carry OpenRouter ``reasoning_details`` items through the client and back.

OpenRouter returns reasoning as typed items (``reasoning.text`` with an
optional ``signature``, ``reasoning.summary``, ``reasoning.encrypted``) and
asks for them back, unmodified and in order, on the next request so the model
keeps its reasoning across tool calls
(https://openrouter.ai/docs/use-cases/reasoning-tokens#preserving-reasoning-blocks).

Anthropic clients only echo ``thinking`` / ``redacted_thinking`` blocks, so
items that cannot be expressed as one of those verbatim are wrapped in a
Switchboard value ``swb1.or.<base64 JSON list of items>`` (server/protocol/signatures.py):

* ``reasoning.encrypted`` (e.g. openai/o3, fixture
  openrouter/stream-o3-encrypted-reasoning-details.sse) has no readable text:
  it becomes a ``redacted_thinking`` block whose ``data`` is the wrapper
  (never an empty thinking block, §D.17);
* a ``reasoning.text`` signature in a format other than ``anthropic-claude-v1``
  (e.g. Gemini's) becomes the wrapped thinking signature, so a request later
  routed to Anthropic can recognise and strip it (§D.18).

Real ``anthropic-claude-v1`` signatures are passed through unwrapped.
convert_messages.py undoes all of this for ``profile["reasoning_details"]``.
"""
from __future__ import annotations

from typing import Any

import orjson

from server.protocol import signatures

KIND = "or"
ANTHROPIC_FORMAT = "anthropic-claude-v1"


def wrap(items: list[dict[str, Any]]) -> str:
    return signatures.mint(KIND, orjson.dumps(items))


def unwrap(value: object) -> list[dict[str, Any]] | None:
    """The items inside a Switchboard ``or`` wrapper, None for anything else."""
    payload = signatures.payload_of(value, KIND)
    if payload is None:
        return None
    try:
        items = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(items, list):
        return None
    return [i for i in items if isinstance(i, dict)]
