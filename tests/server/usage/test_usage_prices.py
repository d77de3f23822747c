"""The price table, overrides, local = free, unknown = None (issue 15 §2)."""
from __future__ import annotations

import json
import re

import pytest

from server.config import parse
from server.providers.presets import PRESETS
from server.usage import prices
from server.usage.settings import UsageSettingsError, parse as parse_usage


def _providers(**urls: str) -> dict:
    raw = {pid: {"type": "openai", "base_url": url, "api_key": "env:X"} for pid, url in urls.items()}
    return parse({"providers": raw}).providers


def test_every_shipped_row_has_four_prices_a_date_and_a_source():
    data = json.loads(prices.TABLE_FILE.read_text())["prices"]
    ids = {p["id"] for p in PRESETS}
    assert len(data) >= 20
    for key, row in data.items():
        assert key.split("/")[0] in ids, key
        assert all(isinstance(row[f], (int, float)) and row[f] >= 0 for f in ("input", "output", "cache_read", "cache_write"))
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["checked"]), key
        assert row["source"].startswith("https://"), key
    # The presets' first (suggested) model is priced for every paid preset with models.
    for p in PRESETS:
        if p["models"] and not p.get("keyless") and p["id"] not in ("glm-cn", "qwen", "siliconflow"):
            assert f"{p['id']}/{p['models'][0]}" in data, p["id"]


def test_lookup_by_preset_guessed_from_the_url_and_date_suffix():
    pr = prices.Pricer(_providers(ds="https://api.deepseek.com/anthropic", ant="https://api.anthropic.com"), {})
    assert pr.price("ds", "deepseek-chat").input == 0.28
    assert pr.price("ant", "claude-sonnet-4-5-20250929").output == 15.0
    assert pr.price("ant", "claude-nonexistent") is None
    assert pr.price("nobody", "x") is None


def test_cost_counts_each_token_once():
    pr = prices.Pricer(_providers(ant="https://api.anthropic.com"), {})
    # 1000 fresh input, 200 output, 5000 cache reads, 1000 cache writes (sonnet 4.5: 3 / 15 / 0.3 / 3.75)
    assert pr.cost("ant", "claude-sonnet-4-5", 1000, 200, 5000, 1000) == pytest.approx(
        (1000 * 3 + 200 * 15 + 5000 * 0.3 + 1000 * 3.75) / 1e6)


def test_local_providers_are_free_and_unknown_stays_unknown():
    pr = prices.Pricer(_providers(ollama="http://127.0.0.1:11434/v1", lm="http://localhost:1234/v1",
                                  v6="http://[::1]:8080/v1", far="https://llm.example.com/v1"), {})
    for pid in ("ollama", "lm", "v6"):
        assert pr.cost(pid, "anything", 100, 100, 0, 0) == 0.0
    assert pr.cost("far", "anything", 100, 100, 0, 0) is None
    assert pr.cost("far", "anything", None, None, None, None) == 0.0  # nothing billed


def test_overrides_win_and_default_cache_prices_to_input():
    usage = parse_usage({"prices": {"ollama/big": {"input": 1, "output": 2},
                                    "far/*": {"input": 0.5, "output": 1, "cache_read": 0.05}}})
    pr = prices.Pricer(_providers(ollama="http://127.0.0.1:11434/v1", far="https://llm.example.com/v1"),
                       usage.prices)
    assert pr.cost("ollama", "big", 1_000_000, 0, 0, 0) == 1.0
    assert pr.cost("ollama", "small", 1_000_000, 0, 0, 0) == 0.0
    p = pr.price("far", "x")
    assert (p.input, p.output, p.cache_read, p.cache_write) == (0.5, 1.0, 0.05, 0.5)


@pytest.mark.parametrize("raw, field", [
    ({"prices": {"nokey": {"input": 1, "output": 1}}}, "prices"),
    ({"prices": {"a/b": {"input": 1}}}, "prices.a/b"),
    ({"prices": {"a/b": {"input": -1, "output": 1}}}, "prices.a/b.input"),
    ({"usage": {"retention_days": 0}}, "usage.retention_days"),
    ({"usage": {"budget": {"daily": "5"}}}, "usage.budget.daily"),
    ({"usage": {"budget": {"daily": 5, "at_limit": "switch"}}}, "usage.budget.switch_to"),
    ({"usage": {"budget": {"at_limit": "panic"}}}, "usage.budget.at_limit"),
])
def test_bad_settings_name_the_field(raw, field):
    with pytest.raises(UsageSettingsError, match=re.escape(field)):
        parse_usage(raw)


def test_usage_sections_survive_the_config_parser():
    cfg = parse({"usage": {"retention_days": 30}, "prices": {"a/b": {"input": 1, "output": 2}}})
    assert cfg.raw["usage"] == {"retention_days": 30}
    assert parse_usage(cfg.raw).retention_days == 30
