"""Which provider and model answer a request (issue 4).

Precedence (first match wins; documented in README):
  explicit ``provider/model`` (or claude-code-router's ``provider,model``)
  > ``long_context`` > subagent marker > ``web_search`` > ``image``
  > ``think`` > tier (``fable`` / ``opus`` / ``sonnet`` / ``haiku``; ``fable``
  uses ``opus`` when the route has no ``fable`` slot) > ``default``.
Which route's rules apply (issue 16): a session's own choice (server/
sessions.py) > the route address the request came in on (``/r/<route>``) >
the active route; the caller passes the first two as ``route_id``.
The subagent marker is removed from the request whatever rule wins.
The chosen slot's targets come first, then the route's ``fallback`` targets.

This runs on every request, so nothing here may be expensive: the
long-context rule estimates tokens from the body's byte length (about four
bytes per cl100k token for English, code and JSON) and tokenizes exactly
only when the estimate falls near the threshold, and only when the active
route has a ``long_context`` slot at all.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from server import model_ids
from server.config import Config, RouteConfig
from server.errors import InvalidRequest, NotFound
from server.providers.base import Target

log = logging.getLogger("switchboard")
_SUBAGENT = re.compile(r"<CCR-SUBAGENT-MODEL>\s*([^<\s]+?)\s*</CCR-SUBAGENT-MODEL>\s*")
_BYTES_PER_TOKEN = 4.0
_EXACT_BAND = (0.7, 1.4)  # estimate / threshold within this band: count exactly


@dataclass(frozen=True)
class Decision:
    targets: tuple[Target, ...]
    slot: str           # which rule chose: explicit, long_context, subagent, ..., default
    route: RouteConfig | None = None  # the route whose rules chose (None: explicit)


def split_target(text: str) -> tuple[str, str] | None:
    """``provider/model`` or ``provider,model`` -> (provider, model).

    The comma form wins when present: claude-code-router writes
    ``openrouter,anthropic/claude-sonnet-4`` with a slash inside the model.
    """
    provider, found, model = text.partition("," if "," in text else "/")
    if found and provider.strip() and model.strip():
        return provider.strip(), model.strip()
    return None


def _targets(items: tuple[str, ...] | list[str]) -> list[Target]:
    out = []
    for item in items:
        pair = split_target(item)
        if pair is not None:
            out.append(Target(*pair))
    return out


def resolve(body: dict[str, Any], config: Config, *, body_bytes: int = 0,
            route_id: str | None = None) -> Decision:
    """The ordered targets for a validated request.

    ``route_id`` replaces the active route (a route address ``/r/<route>``
    or a session's own choice: server/sessions.py); the request's own
    ``provider/model`` or ``claude-route-…``/``claude-model-…`` id still wins.
    Removes a subagent marker from ``body`` (in place) when one is found.
    """
    model = body["model"]
    # The marker is removed whatever rule wins: it must never reach a provider.
    marked = take_subagent_marker(body)
    route = config.route if route_id is None else config.routes.get(route_id)
    if route_id is not None and route is None:
        raise unknown_route(route_id, config)
    if model_ids.might_be_listed(model):
        # An id from GET /v1/models: exactly that route or provider/model.
        listed = model_ids.lookup(model, config)
        if listed is None:
            raise NotFound(f"model: {model!r} is not one of Switchboard's models; "
                           "GET /v1/models lists them (routes and provider models)")
        if listed.target is not None:
            return Decision((listed.target,), "explicit")
        return _decide(body, config.routes[listed.route or ""], body_bytes, marked, tiers=False)
    explicit = split_target(model)
    if explicit is not None:
        if explicit[0] not in config.providers:
            # provider/model naming a provider we do not have: say so rather
            # than silently answering from another one.
            raise NotFound(f"model: no provider named {explicit[0]!r} is configured")
        return Decision((Target(*explicit),), "explicit")
    if route is None:
        raise InvalidRequest("No route is configured: open Switchboard's settings and add a provider")
    return _decide(body, route, body_bytes, marked)


def unknown_route(route_id: str, config: Config) -> NotFound:
    """A route address ``/r/<route>`` naming no route: say which exist."""
    names = ", ".join(sorted(config.routes)[:50]) or "none yet (add one in Switchboard's settings)"
    return NotFound(f"No route named {route_id[:64]!r}: use /r/<route> with one of Switchboard's "
                    f"routes: {names}")


def _decide(body: dict[str, Any], route: RouteConfig, body_bytes: int, marked: Target | None,
            *, tiers: bool = True) -> Decision:
    slot, chosen = _choose(body, route, body_bytes, marked, tiers=tiers)
    fallback = [t for t in _targets(route.targets.get("fallback", ())) if t not in chosen]
    return Decision(tuple(chosen + fallback), slot, route)


def _choose(body: dict[str, Any], route: RouteConfig, body_bytes: int,
            marked: Target | None, *, tiers: bool = True) -> tuple[str, list[Target]]:
    slots = route.targets
    if "long_context" in slots and is_long_context(body, route.long_context_threshold, body_bytes):
        return "long_context", _targets(slots["long_context"])
    if marked is not None:
        return "subagent", [marked]
    if "web_search" in slots and has_web_search(body):
        return "web_search", _targets(slots["web_search"])
    if "image" in slots and last_user_turn_has_image(body):
        return "image", _targets(slots["image"])
    if "think" in slots and wants_thinking(body):
        return "think", _targets(slots["think"])
    tier = model_tier(body["model"]) if tiers else None
    for slot in TIER_FALLBACKS.get(tier or "", ()):
        if slot in slots:
            return slot, _targets(slots[slot])
    return "default", _targets(slots["default"])


# A tier asks for its own slot, then the next one down; then ``default``.
TIER_FALLBACKS = {"fable": ("fable", "opus"), "opus": ("opus",), "sonnet": ("sonnet",), "haiku": ("haiku",)}
_TIER_SHAPE = re.compile(r"^(?:anthropic[./])?claude-(?:\d+(?:[.-]\d+)*-)?([a-z]+)(?:-|$)")


def model_tier(model: str) -> str | None:
    """The Claude tier a model id asks for: ``claude-<tier>-…`` (and the
    older ``claude-3-5-<tier>-…``); a tier name Switchboard does not know yet
    degrades to ``default`` with a log line, never an error."""
    low = model.lower()
    match = _TIER_SHAPE.match(low)
    if match is not None:
        tier = match.group(1)
        if tier in TIER_FALLBACKS:
            return tier
        if tier not in _unknown_tiers_logged:
            _unknown_tiers_logged.add(tier)
            log.info("routing: unknown Claude tier %r in model %r; using the default slot", tier, model[:80])
        return None
    for tier in ("haiku", "sonnet", "opus", "fable"):
        if tier in low:
            return tier
    return None


_unknown_tiers_logged: set[str] = set()


def wants_thinking(body: dict[str, Any]) -> bool:
    thinking = body.get("thinking")
    return isinstance(thinking, dict) and thinking.get("type") in ("enabled", "adaptive")


def has_web_search(body: dict[str, Any]) -> bool:
    for tool in body.get("tools") or ():
        ttype = tool.get("type")
        if isinstance(ttype, str) and ttype.startswith("web_search"):
            return True
    return False


def last_user_turn_has_image(body: dict[str, Any]) -> bool:
    for message in reversed(body["messages"]):
        if message.get("role") != "user":
            continue
        content = message.get("content")
        if not isinstance(content, list):
            return False
        for block in content:
            if block.get("type") == "image":
                return True
            if block.get("type") == "tool_result" and isinstance(block.get("content"), list):
                if any(b.get("type") == "image" for b in block["content"] if isinstance(b, dict)):
                    return True
        return False
    return False


def is_long_context(body: dict[str, Any], threshold: int, body_bytes: int) -> bool:
    if body_bytes <= 0:
        return False
    estimate = body_bytes / _BYTES_PER_TOKEN
    low, high = _EXACT_BAND
    if estimate < threshold * low:
        return False
    if estimate > threshold * high:
        return True
    from server.tokens import count_request  # only near the threshold

    return count_request(body) >= threshold


def take_subagent_marker(body: dict[str, Any]) -> Target | None:
    """Find ``<CCR-SUBAGENT-MODEL>p,m</CCR-SUBAGENT-MODEL>`` and remove it.

    Looked for in every system block and in the first user message, as
    claude-code-router does; removed before forwarding.
    """
    system = body.get("system")
    if isinstance(system, str):
        found, body["system"] = _strip_marker(system)
        if found:
            return found
    elif isinstance(system, list):
        for i, block in enumerate(system):
            text = block.get("text", "")
            if "<CCR-SUBAGENT-MODEL>" in text:
                found, new_text = _strip_marker(text)
                if found:
                    system[i] = {**block, "text": new_text}
                    return found
    for message in body["messages"]:
        if message.get("role") != "user":
            continue
        content = message.get("content")
        if isinstance(content, str):
            found, message["content"] = _strip_marker(content)
            return found
        if isinstance(content, list):
            for i, block in enumerate(content):
                if block.get("type") == "text" and "<CCR-SUBAGENT-MODEL>" in block.get("text", ""):
                    found, new_text = _strip_marker(block["text"])
                    if found:
                        content[i] = {**block, "text": new_text}
                        return found
        return None
    return None


def _strip_marker(text: str) -> tuple[Target | None, str]:
    if "<CCR-SUBAGENT-MODEL>" not in text:
        return None, text
    match = _SUBAGENT.search(text)
    if match is None:
        return None, text
    pair = split_target(match.group(1))
    if pair is None:
        return None, text
    return Target(*pair), text[:match.start()] + text[match.end():]
