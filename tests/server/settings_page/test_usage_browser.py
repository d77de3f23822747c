"""The Usage screen in headless Chromium against a seeded history (issue 15 §3, §8).

The totals the page shows are those of ``switchboard usage --json``; the
chart is drawn (SVG, no CDN) and legible in dark mode; CSV export downloads
the rows; a price and a spending limit set on the page land in
switchboard.json. Needs the split settings page (core.js + one file per
screen); skipped on a tree without it.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from server.settings_page.common import STATIC_DIR
from server.usage import cli
from tests.server.settings_page.conftest import CHROMIUM, SCREENSHOTS, open_settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "usage"))
from seed import seeded_server  # noqa: E402

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect
pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}"),
    pytest.mark.skipif(not (STATIC_DIR / "core.js").exists(),
                       reason="the settings page is not split into core.js + screens yet (branch ui)"),
]


@pytest.fixture
def seeded(tmp_path, upstream, make_server, monkeypatch):
    return seeded_server(tmp_path, upstream, make_server, monkeypatch)


def _open(browser, server, scheme: str = "light") -> Any:
    ctx = browser.new_context(viewport={"width": 1240, "height": 900}, color_scheme=scheme,
                              reduced_motion="reduce", accept_downloads=True, locale="en-US")
    page = open_settings(ctx, server, console_errors=True)
    page.locator("#nav a[data-view=usage]").click()
    expect(page.locator("#usage-totals")).to_be_visible()
    return page


def _cli(days: int) -> dict:
    out = io.StringIO()
    assert cli.usage_main(["--days", str(days), "--json"], out) == 0
    return json.loads(out.getvalue())["totals"]


def _big(page, key: str) -> str:
    return page.locator(f"[data-total={key}] .big").inner_text()


def test_totals_match_the_cli_for_each_period(browser, seeded):
    page = _open(browser, seeded)
    for days, button in ((1, "Today"), (7, "7 days"), (30, "30 days")):
        page.get_by_role("button", name=button, exact=True).click()
        expect(page.get_by_role("button", name=button, exact=True)).to_have_attribute("aria-pressed", "true")
        t = _cli(days)
        expect(page.locator("[data-total=requests] .big")).to_have_text(f"{t['requests']:,}")
        assert _big(page, "inputTokens") == f"{t['input_tokens']:,}"
        assert _big(page, "outputTokens") == f"{t['output_tokens']:,}"
        assert _big(page, "cost") == f"${t['cost_usd']:,.2f}"
        # The chart holds one segment per (day, provider) with requests.
        rects = page.locator("#usage-chart svg rect[data-provider]")
        assert rects.count() >= 1
        rows = page.locator("#usage-by-provider tbody tr")
        assert rows.count() == len({r["provider"] for r in _groups(days)})
    # 30 days: the day labels are evenly spaced, never run into each other, and today has one.
    boxes = page.eval_on_selector_all("#usage-chart svg > text[text-anchor=middle]",
                                      "els => els.map(e => { const b = e.getBBox(); return [b.x, b.width, e.textContent]; })")
    assert 3 <= len(boxes) <= 11, boxes
    assert all(b[0] >= a[0] + a[1] + 4 for a, b in zip(boxes, boxes[1:])), boxes
    gaps = [(b[0] + b[1] / 2) - (a[0] + a[1] / 2) for a, b in zip(boxes, boxes[1:])]
    assert max(gaps) - min(gaps) < 1, gaps  # the last one is not squeezed in next to its neighbour
    today = dt.date.today()
    assert boxes[-1][2] == f"{today:%b} {today.day}", boxes
    assert page.js_errors == []
    ctx = page.context
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "settings-usage.png"), full_page=True)
    ctx.close()


def _groups(days: int) -> list[dict]:
    out = io.StringIO()
    cli.usage_main(["--days", str(days), "--by", "provider", "--json"], out)
    return json.loads(out.getvalue())["groups"]


def test_dark_mode_chart_is_legible(browser, seeded):
    page = _open(browser, seeded, "dark")
    page.get_by_role("button", name="7 days", exact=True).click()
    expect(page.locator("#usage-chart svg rect[data-provider]").first).to_be_visible()
    colours = page.evaluate("""() => {
      const lum = (c) => { const m = c.match(/\\d+(\\.\\d+)?/g).map(Number);
        const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
        return 0.2126 * f(m[0]) + 0.7152 * f(m[1]) + 0.0722 * f(m[2]); };
      const svg = document.querySelector('#usage-chart svg');
      const card = document.querySelector('#usage-chart');
      const text = lum(getComputedStyle(svg).color), bg = lum(getComputedStyle(card).backgroundColor);
      const bars = Array.from(svg.querySelectorAll('rect[data-provider]')).map((r) => lum(r.getAttribute('fill').replace(/^#(..)(..)(..)$/, (s, a, b, c) => `${parseInt(a,16)},${parseInt(b,16)},${parseInt(c,16)}`)));
      const ratio = (a, b) => (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
      return { text: ratio(text, bg), bars: Math.min(...bars.map((l) => ratio(l, bg))) };
    }""")
    assert colours["text"] >= 4.5, colours   # axis labels and legend: WCAG AA for text
    assert colours["bars"] >= 3.0, colours   # bars: WCAG AA for graphics
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "settings-usage-dark.png"), full_page=True)
    assert page.js_errors == []
    page.context.close()


def test_csv_export_from_the_page(browser, seeded):
    page = _open(browser, seeded)
    page.get_by_role("button", name="30 days", exact=True).click()
    expect(page.locator("[data-total=requests] .big")).to_have_text("7")
    with page.expect_download() as info:
        page.locator("#usage-export").click()
    download = info.value
    assert download.suggested_filename.endswith("-30d.csv")
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text())))
    assert len(rows) == 7
    page.context.close()


def test_set_a_price_and_a_limit(browser, seeded):
    page = _open(browser, seeded)
    page.get_by_role("button", name="Price of deepseek/deepseek-chat").click()
    dialog = page.locator("#dialog")
    dialog.get_by_label("Input tokens").fill("0.5")
    dialog.get_by_label("Output tokens").fill("1.5")
    dialog.get_by_role("button", name="Save").click()
    expect(page.locator("#usage-prices tr[data-key='deepseek/deepseek-chat']")).to_contain_text("your price")
    saved = json.loads(seeded.settings.config_path.read_text())
    assert saved["prices"]["deepseek/deepseek-chat"] == {"input": 0.5, "output": 1.5}
    page.locator("#usage-daily").fill("3")
    page.locator("#usage-at-limit").select_option("switch")
    page.locator("#usage-switch-to").select_option("cheap")
    page.locator("#usage-budget").get_by_role("button", name="Save").click()
    expect(page.locator("#toast")).to_have_text("Spending limit saved")
    saved = json.loads(seeded.settings.config_path.read_text())
    assert saved["usage"]["budget"] == {"daily": 3, "at_limit": "switch", "switch_to": "cheap"}
    assert page.js_errors == []
    page.context.close()
