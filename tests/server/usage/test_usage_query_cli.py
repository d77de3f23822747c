"""Totals, groups, CSV and the status line over a seeded history (issue 15 §6-8)."""
from __future__ import annotations

import csv
import io
import json
import statistics
import time

import pytest

from server.usage import cli, query
from tests.conftest import REPO

from seed import seed

SAMPLE = REPO / "tests" / "fixtures" / "claude_code" / "statusline-input.json"


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("SWITCHBOARD_HOME", str(tmp_path))
    seed(tmp_path / "usage.sqlite3")
    (tmp_path / "switchboard.json").write_text(json.dumps({
        "providers": {"deepseek": {"type": "anthropic", "base_url": "https://api.deepseek.com/anthropic",
                                   "api_key": "env:X"}},
        "routes": {"everyday": {"name": "Everyday", "default": "deepseek/deepseek-chat"},
                   "fast": {"name": "Fast", "default": "deepseek/deepseek-chat"}},
        "active_route": "fast"}))
    return tmp_path


def _json(*args: str) -> dict:
    out = io.StringIO()
    assert cli.usage_main([*args, "--json"], out) == 0
    return json.loads(out.getvalue())


def test_totals_today_7_and_30_days(home):
    t = _json("--days", "1")["totals"]
    assert (t["requests"], t["ok"], t["failed"]) == (5, 4, 1)
    assert (t["input_tokens"], t["output_tokens"], t["cache_read_tokens"]) == (2510, 255, 3000)
    assert t["cost_usd"] == pytest.approx(0.035) and t["price_unknown"] and t["unpriced_requests"] == 1
    assert t["median_latency_ms"] == statistics.median([100, 300, 200, 80])
    assert t["success_rate"] == 0.8
    # cache read counted once: its own column, not inside input
    assert t["cache_hit_share"] == pytest.approx(3000 / 5510, abs=1e-4)
    assert t["tokens"] == 2510 + 255 + 3000
    t7 = _json("--days", "7")["totals"]
    assert (t7["requests"], t7["input_tokens"], t7["output_tokens"]) == (6, 4510, 655)
    assert t7["cost_usd"] == pytest.approx(0.135)
    t30 = _json("--days", "30")["totals"]
    assert t30["requests"] == 7 and t30["cost_usd"] == pytest.approx(1.135)


def test_groups_by_provider_model_route_day(home):
    g = {x["provider"]: x for x in _json("--days", "1", "--by", "provider")["groups"]}
    assert set(g) == {"deepseek", "openai", "mystery"}
    assert g["deepseek"]["requests"] == 2 and g["deepseek"]["cost_usd"] == pytest.approx(0.03)
    assert g["deepseek"]["median_latency_ms"] == 200 and g["deepseek"]["cache_hit_share"] == pytest.approx(0.6)
    assert g["openai"]["success_rate"] == 0.5
    assert g["mystery"]["price_unknown"] and g["mystery"]["cost_usd"] == 0
    models = {x["model"] for x in _json("--days", "7", "--by", "model")["groups"]}
    assert models == {"deepseek/deepseek-chat", "openai/gpt-5-mini", "openai/gpt-5", "mystery/m"}
    routes = {x["route"]: x["requests"] for x in _json("--days", "1", "--by", "route")["groups"]}
    assert routes == {"everyday": 3, "fast": 2}
    days = _json("--days", "30", "--by", "day")["groups"]
    assert len(days) == 3 and [d["day"] for d in days] == sorted(d["day"] for d in days)
    assert sum(d["requests"] for d in days) == 7


def test_text_output_has_requests_tokens_and_cost(home, capsys):
    out = io.StringIO()
    assert cli.usage_main(["--days", "7", "--by", "provider"], out) == 0
    text = out.getvalue()
    assert "requests      6 (1 failed)" in text
    assert "input tokens  4,510" in text and "output tokens 655" in text
    assert "$0.14 + price unknown" in text  # 0.135, plus one request without a price
    assert "deepseek" in text and "mystery" in text and "price unknown" in text


def test_csv_export(home):
    out = io.StringIO()
    assert cli.usage_main(["--days", "30", "--csv"], out) == 0
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert len(rows) == 7
    assert list(rows[0]) == list(query.CSV_COLUMNS)
    assert rows[0]["provider"] == "deepseek" and rows[0]["cost_usd"] == "1.0"
    assert any(r["cost_usd"] == "" for r in rows)  # unknown price stays empty, not 0


def test_no_history_yet(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SWITCHBOARD_HOME", str(tmp_path))
    assert cli.usage_main([]) == 1
    assert "No usage history yet" in capsys.readouterr().err
    assert not (tmp_path / "usage.sqlite3").exists()  # reading never creates it


def test_python_m_server_usage_dispatch(home, capsys):
    from server.__main__ import main

    assert main(["usage", "--days", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["totals"]["requests"] == 5


def test_statusline_with_claude_code_sample(home):
    sample = json.loads(SAMPLE.read_text())
    sample["session_id"] = "s1"
    out = io.StringIO()
    assert cli.statusline_main([], stdin=io.StringIO(json.dumps(sample)), out=out) == 0
    line = out.getvalue().strip()
    # route (its name) · model of the session's last request · session cost · today's cost
    assert line == "Everyday · openai/gpt-5-mini · session $0.04 · today $0.04 + price unknown"


def test_statusline_unknown_session_and_bad_input(home):
    out = io.StringIO()
    cli.statusline_main([], stdin=io.StringIO(SAMPLE.read_text()), out=out)
    assert out.getvalue().strip().startswith("Fast · Sonnet 4.5 · today ")
    out = io.StringIO()
    assert cli.statusline_main([], stdin=io.StringIO("not json"), out=out) == 0
    assert out.getvalue().count("\n") == 1


def test_statusline_without_history(tmp_path, monkeypatch):
    monkeypatch.setenv("SWITCHBOARD_HOME", str(tmp_path))
    assert cli.statusline(SAMPLE.read_text()) == "Switchboard · Sonnet 4.5"
