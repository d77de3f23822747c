"""Claude Code's billing line, kept away from every provider but Anthropic.

Claude Code sends a first ``system`` block such as
``x-anthropic-billing-header: cc_version=2.1.332.0b8; cc_entrypoint=sdk-cli;``
whose suffix changes between conversations (and gains ``cc_is_subagent=true;``
for subagents). Anthropic's own API ignores it for prompt caching; every other
provider caches by exact prefix, so a line that differs at byte ~60 makes each
new conversation and each subagent re-process the whole 15–30k-token system
prompt. It is removed for every target except ``api.anthropic.com``, unless
the provider sets ``"keep_billing_header": true``.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

PREFIX = "x-anthropic-billing-header:"
ANTHROPIC_HOSTS = frozenset({"api.anthropic.com"})


def is_anthropic_api(base_url: str) -> bool:
    try:
        host = (urlsplit(base_url).hostname or "").lower()
    except ValueError:
        return False
    return host in ANTHROPIC_HOSTS


def should_strip(base_url: str, keep: bool = False) -> bool:
    return not keep and not is_anthropic_api(base_url)


def _is_billing(block: Any) -> bool:
    return (isinstance(block, dict) and block.get("type") == "text"
            and isinstance(block.get("text"), str) and block["text"].lstrip().startswith(PREFIX))


def strip(request: dict[str, Any]) -> dict[str, Any]:
    """``request`` without billing-line system blocks; the same object when
    it has none (the common case costs one type check and a scan of the
    system blocks). Only blocks whose text starts with the prefix go; a
    system string is left alone."""
    system = request.get("system")
    if not isinstance(system, list) or not any(_is_billing(b) for b in system):
        return request
    kept = [b for b in system if not _is_billing(b)]
    out = dict(request)
    if kept:
        out["system"] = kept
    else:
        del out["system"]
    return out
