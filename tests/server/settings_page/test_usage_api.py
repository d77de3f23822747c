"""The Usage screen's API over real HTTP (issue 15 §2, §3, §5, §8): the
same numbers as ``switchboard usage --json``, CSV export, price overrides
and the budget saved into switchboard.json."""
from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import pytest

from server.usage import cli

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "usage"))
from seed import seeded_server  # noqa: E402


@pytest.fixture
def seeded(tmp_path, upstream, make_server, signed_in, monkeypatch):
    server = seeded_server(tmp_path, upstream, make_server, monkeypatch)
    return server, signed_in(server)


def _cli_json(days: int) -> dict:
    out = io.StringIO()
    assert cli.usage_main(["--days", str(days), "--json"], out) == 0
    return json.loads(out.getvalue())


@pytest.mark.parametrize("days", [1, 7, 30])
def test_totals_match_the_cli(seeded, days):
    _server, client = seeded
    page = client.get(f"usage?days={days}")
    assert page["totals"] == _cli_json(days)["totals"]
    assert sum(g["requests"] for g in page["by_provider"]) == page["totals"]["requests"]
    assert sum(c["requests"] for c in page["chart"]) == page["totals"]["requests"]
    assert len(page["day_list"]) == days
    assert page["provider_names"]["deepseek"] == "DeepSeek"


def test_groups_and_chart(seeded):
    _server, client = seeded
    page = client.get("usage?days=7")
    providers = {g["provider"]: g for g in page["by_provider"]}
    assert providers["openai"]["requests"] == 3 and providers["openai"]["success_rate"] == pytest.approx(2 / 3, abs=1e-3)
    assert {g["route"] for g in page["by_route"]} == {"everyday", "fast"}
    assert {c["day"] for c in page["chart"]} <= set(page["day_list"])
    assert page["history"] is True and page["problem"] is None


def test_bad_days_is_a_400(seeded):
    _server, client = seeded
    r = client.call("GET", "usage?days=0")
    assert r.status_code == 400 and r.json()["error"]["details"]["code"] == "bad_days"


def test_csv_export(seeded):
    _server, client = seeded
    r = client.call("GET", "usage/export?days=30")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == 7 and {r["provider"] for r in rows} == {"deepseek", "openai", "mystery"}
    as_json = client.get("usage/export?days=30&format=json")
    assert as_json["csv"] == r.text and as_json["filename"].endswith("-30d.csv")


def test_prices_list_override_and_remove(seeded):
    server, client = seeded
    rows = {r["key"]: r for r in client.get("usage/prices")["rows"]}
    assert rows["deepseek/deepseek-chat"]["origin"] == "table"
    assert rows["deepseek/deepseek-chat"]["source"].startswith("https://api-docs.deepseek.com")
    assert rows["up/m1"]["origin"] == "local" and rows["up/m1"]["price"]["input"] == 0
    r = client.call("PUT", "usage/prices", {"key": "deepseek/deepseek-chat",
                                            "price": {"input": 0.5, "output": 1.5, "cache_read": 0.05}})
    assert r.status_code == 200, r.text
    saved = json.loads(server.settings.config_path.read_text())
    assert saved["prices"] == {"deepseek/deepseek-chat": {"input": 0.5, "output": 1.5, "cache_read": 0.05}}
    row = {r["key"]: r for r in client.get("usage/prices")["rows"]}["deepseek/deepseek-chat"]
    assert row["origin"] == "override" and row["price"]["cache_write"] == 0.5
    bad = client.call("PUT", "usage/prices", {"key": "deepseek/deepseek-chat", "price": {"input": -1, "output": 1}})
    assert bad.status_code == 400 and "prices.deepseek/deepseek-chat.input" in bad.json()["error"]["details"]["params"]["detail"]
    assert client.call("PUT", "usage/prices", {"key": "deepseek/deepseek-chat", "price": None}).status_code == 200
    assert "prices" not in json.loads(server.settings.config_path.read_text())


def test_budget_saved_and_shown(seeded):
    server, client = seeded
    r = client.call("PUT", "usage/budget", {"daily": 2.5, "monthly": None, "at_limit": "switch", "switch_to": "cheap"})
    assert r.status_code == 200, r.text
    saved = json.loads(server.settings.config_path.read_text())
    assert saved["usage"]["budget"] == {"daily": 2.5, "at_limit": "switch", "switch_to": "cheap"}
    page = client.get("usage?days=1")
    assert page["budget"]["daily"] == 2.5 and page["budget"]["switch_to"] == "cheap"
    bad = client.call("PUT", "usage/budget", {"daily": 1, "at_limit": "switch", "switch_to": "nope"})
    assert bad.status_code == 400
    assert client.call("PUT", "usage/budget", {}).status_code == 200
    assert "usage" not in json.loads(server.settings.config_path.read_text())
