"""Thinking signatures minted or wrapped by Switchboard.

Anthropic signs thinking blocks; clients send them back verbatim on the next
turn. Where an upstream gives no signature (DeepSeek ``reasoning_content``,
Ollama ``reasoning``) or a foreign one (Gemini ``thoughtSignature``), we put a
recognisable Switchboard signature on the block so that

* the next request to the same kind of provider can restore what the provider
  needs (translation.md §D.18-19), and
* a request routed to Anthropic can strip these blocks: Anthropic rejects
  signatures it did not issue (§D.18, §H.35).

Format: ``swb1.<kind>.<payload>`` where payload is URL-safe base64 (may be
empty). Real Anthropic signatures are long base64 strings with no dots in the
first five characters, so the prefix cannot collide.
"""
from __future__ import annotations

import base64

PREFIX = "swb1."


def mint(kind: str, payload: bytes | str = b"") -> str:
    """A Switchboard signature of ``kind`` carrying ``payload``."""
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    encoded = base64.urlsafe_b64encode(payload).decode("ascii").rstrip("=")
    return f"{PREFIX}{kind}.{encoded}"


def is_minted(signature: object) -> bool:
    return isinstance(signature, str) and signature.startswith(PREFIX)


def parse(signature: object) -> tuple[str, bytes] | None:
    """(kind, payload) for a Switchboard signature, None for anything else."""
    if not is_minted(signature):
        return None
    rest = signature[len(PREFIX):]  # type: ignore[index]
    kind, _, encoded = rest.partition(".")
    try:
        payload = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except (ValueError, TypeError):
        return None
    return kind, payload


def payload_of(signature: object, kind: str) -> bytes | None:
    """The payload of a Switchboard signature of exactly ``kind``."""
    parsed = parse(signature)
    if parsed is None or parsed[0] != kind:
        return None
    return parsed[1]
