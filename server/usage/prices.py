"""What a request cost: the shipped table, the config's overrides, local = 0.

Lookup for provider ``p`` (the configured id) and model ``m``, first match wins:

1. the config's ``prices`` entry ``p/m``, then ``p/*``;
2. a provider on this computer (loopback base URL, or a keyless local preset
   such as Ollama or LM Studio) costs 0;
3. the shipped table (``prices.json``) under the provider's preset id
   (named in ``profile`` or guessed from the base URL): ``preset/m``, or
   ``preset/m`` without a date suffix (``claude-sonnet-4-5-20250929``);
4. otherwise the price is unknown: ``None``, shown as "price unknown",
   never a guess.
"""
from __future__ import annotations

import functools
import ipaddress
import json
import re
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlsplit

from server.providers.presets import guess_preset, preset
from server.usage.settings import FREE, Price, parse_price

TABLE_FILE = Path(__file__).with_name("prices.json")
_DATE_SUFFIX = re.compile(r"^(.+?)-(\d{8}|\d{4}-\d{2}-\d{2}|latest)$")


@functools.lru_cache(maxsize=1)
def shipped_table() -> dict[str, Price]:
    data = json.loads(TABLE_FILE.read_text(encoding="utf-8"))
    return {key: parse_price(value, f"prices.json {key}") for key, value in data["prices"].items()}


def is_local(base_url: str) -> bool:
    host = (urlsplit(base_url).hostname or "").lower()
    if host in ("localhost", "localhost.localdomain") or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _preset_of(pconf: Any) -> dict[str, Any] | None:
    return (preset(pconf.profile) if getattr(pconf, "profile", "") else None) or guess_preset(pconf.base_url)


class Pricer:
    """Prices for one config (a new one is built when the config changes)."""

    def __init__(self, providers: Mapping[str, Any], overrides: Mapping[str, Price],
                 table: Mapping[str, Price] | None = None) -> None:
        self._providers = providers
        self._overrides = overrides
        self._table = shipped_table() if table is None else table
        self._cache: dict[tuple[str, str], Price | None] = {}

    def price(self, provider_id: str, model: str) -> Price | None:
        key = (provider_id, model)
        if key not in self._cache:
            self._cache[key] = self._lookup(provider_id, model)
        return self._cache[key]

    def _lookup(self, provider_id: str, model: str) -> Price | None:
        for key in (f"{provider_id}/{model}", f"{provider_id}/*"):
            if key in self._overrides:
                return self._overrides[key]
        pconf = self._providers.get(provider_id)
        if pconf is None:
            return None
        found = _preset_of(pconf)
        if is_local(pconf.base_url) or (found is not None and found.get("keyless")):
            return FREE
        if found is None:
            return None
        price = self._table.get(f"{found['id']}/{model}")
        if price is None:
            dated = _DATE_SUFFIX.match(model)
            if dated:
                price = self._table.get(f"{found['id']}/{dated.group(1)}")
        return price

    def cost(self, provider_id: str, model: str, input_tokens: int | None, output_tokens: int | None,
             cache_read: int | None, cache_write: int | None) -> float | None:
        """USD, or None when the price is unknown. A request that reported no
        tokens at all (a failure before the answer) cost nothing we know of: 0."""
        if not any((input_tokens, output_tokens, cache_read, cache_write)):
            return 0.0
        price = self.price(provider_id, model)
        if price is None:
            return None
        return price.cost(input_tokens, output_tokens, cache_read, cache_write)
