"""The model ids Switchboard lists to clients (``GET /v1/models``), so
routes and provider models show up in Claude Code's ``/model`` picker.

Claude Code (2.1.126 and later) offers only ids that start with ``claude``
or ``anthropic``, so every id here does:

* ``claude-route-<route id>``: that route, with all its rules, whatever the
  active route is (``display_name``: "Everyday (DeepSeek)");
* ``claude-model-<provider id>-<model>``: exactly that provider and model
  (``display_name``: "deepseek-chat · DeepSeek").

A request whose ``model`` is such an id goes exactly there (server/routing.py).
Ids are looked up in a table built from the config, never parsed, so
provider ids and model names with ``-``, ``/`` or ``:`` stay unambiguous.
"""
from __future__ import annotations

from dataclasses import dataclass

from server.config import Config
from server.providers.base import Target

ROUTE_PREFIX = "claude-route-"
TARGET_PREFIX = "claude-model-"
# Anthropic's shape wants a creation time; these ids are not dated models.
CREATED_AT = "2026-01-01T00:00:00Z"


@dataclass(frozen=True)
class ListedModel:
    id: str
    display_name: str
    route: str | None = None        # a route id
    target: Target | None = None    # or an exact provider/model


def _provider_name(config: Config, target: str) -> str:
    pid = target.partition("/")[0]
    pconf = config.providers.get(pid)
    return pconf.display_name if pconf else pid


def listing(config: Config) -> list[ListedModel]:
    out: list[ListedModel] = []
    seen: set[str] = set()
    for rid, route in config.routes.items():
        default = route.default[0] if route.default else ""
        name = f"{route.name} ({_provider_name(config, default)})" if default else route.name
        out.append(ListedModel(ROUTE_PREFIX + rid, name, route=rid))
        seen.add(ROUTE_PREFIX + rid)
    for pid, pconf in config.providers.items():
        for model in pconf.models:
            mid = f"{TARGET_PREFIX}{pid}-{model}"
            if mid in seen:
                continue
            seen.add(mid)
            out.append(ListedModel(mid, f"{model} · {pconf.display_name}", target=Target(pid, model)))
    return out


def might_be_listed(model: str) -> bool:
    """Cheap check for the request path: only these prefixes need a look-up."""
    return model.startswith(ROUTE_PREFIX) or model.startswith(TARGET_PREFIX)


# The listing of the config last looked up in, by id: a config is never
# changed in place (the gateway swaps in a new one), so it is built once per
# config instead of once per request. One entry: a tuple swapped whole.
_table: tuple[Config | None, dict[str, ListedModel]] = (None, {})


def lookup(model: str, config: Config) -> ListedModel | None:
    global _table
    if not might_be_listed(model):
        return None
    cached, table = _table
    if cached is not config:
        table = {entry.id: entry for entry in listing(config)}  # ids are unique: listing() skips repeats
        _table = (config, table)
    return table.get(model)
