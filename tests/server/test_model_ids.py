"""model_ids.lookup: the table it keeps follows the config it is given."""
from __future__ import annotations

from server import model_ids
from server.config import parse
from server.providers.base import Target


def _config(models: list[str], routes: dict[str, str]):
    return parse({
        "providers": {"p": {"type": "openai", "base_url": "http://127.0.0.1:9/v1", "api_key": "k-0123",
                            "models": models}},
        "routes": {rid: {"name": rid.upper(), "default": default} for rid, default in routes.items()},
        "active_route": next(iter(routes)),
    })


def test_lookup_follows_a_new_config():
    first = _config(["m1"], {"a": "p/m1"})
    second = _config(["m2"], {"b": "p/m2"})
    assert model_ids.lookup("claude-model-p-m1", first).target == Target("p", "m1")
    assert model_ids.lookup("claude-route-a", first).route == "a"
    # A config swapped in: its ids are found, the old ones are gone.
    assert model_ids.lookup("claude-model-p-m1", second) is None
    assert model_ids.lookup("claude-route-a", second) is None
    assert model_ids.lookup("claude-model-p-m2", second).target == Target("p", "m2")
    assert model_ids.lookup("claude-route-b", second).route == "b"
    # And back again.
    assert model_ids.lookup("claude-route-a", first).route == "a"
    assert model_ids.lookup("claude-sonnet-4-5", first) is None


def test_lookup_matches_the_listing():
    config = _config(["m1", "m2"], {"a": "p/m1", "b": "p/m2"})
    for entry in model_ids.listing(config):
        assert model_ids.lookup(entry.id, config) == entry
