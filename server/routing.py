"""Which provider and model answer a request.

For now (issue 2): an explicit ``provider/model`` (or claude-code-router's
``provider,model``) in the request's ``model`` selects that provider; any
other model name goes to the active route's ``default``. Route rules (tiers,
long context, fallback chains; issue 4) plug in at :func:`resolve` and must
stay cheap: this runs on every request.
"""
from __future__ import annotations

from server.config import Config
from server.errors import InvalidRequest, NotFound
from server.providers.base import Target


def split_target(text: str) -> tuple[str, str] | None:
    """``provider/model`` or ``provider,model`` -> (provider, model)."""
    for sep in ("/", ","):
        provider, found, model = text.partition(sep)
        if found and provider and model:
            return provider.strip(), model.strip()
    return None


def resolve(model: str, config: Config) -> list[Target]:
    """The ordered targets for a request asking for ``model``."""
    explicit = split_target(model)
    if explicit is not None and explicit[0] in config.providers:
        return [Target(*explicit)]
    if explicit is not None:
        # provider/model naming a provider we do not have: say so, rather
        # than silently answering from another one.
        raise NotFound(f"model: no provider named {explicit[0]!r} is configured")
    route = config.route
    if route is None:
        raise InvalidRequest(
            "No route is configured: open Switchboard's settings and add a provider"
        )
    return [Target(*split_target(t)) for t in route.default]  # type: ignore[misc]
