"""The settings page in Traditional Chinese (zh-TW, issue 19 §2), in a real
headless Chromium against a live Switchboard: a browser in zh-TW (or zh-HK,
zh-Hant) reads Traditional characters with Taiwan's wording on every screen,
the language menu offers 繁體中文 and saves it, and a key the catalogue lacks
reads English (never a key name)."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.server.settings_page.conftest import SCREENSHOTS
from tests.server.settings_page.test_catalogues import SIMPLIFIED_ONLY, STATIC, STATIC_FILES
from tests.server.settings_page.test_settings_browser import CHROMIUM
from tests.server.settings_page.test_settings_zh_browser import (  # noqa: F401  (fixture)
    assert_no_english, english_ui_words, expect, shown_text, zh_page)

pytestmark = [pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}"),
              pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")]


def assert_traditional(page: Any) -> None:
    text = shown_text(page)
    assert [c for c in text if c in SIMPLIFIED_ONLY] == [], text


def shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"settings-{name}-zh-tw.png"), full_page=True)


def test_every_screen_in_traditional_chinese(make_server, upstream, zh_page):
    words = english_ui_words("zh-TW")
    assert {"provider", "routes", "connect", "requests"} <= words
    server = make_server({"providers": {"up": {"type": "openai", "base_url": upstream.url + "/v1", "api_key": "",
                                               "models": ["m1"], "name": "Up"}},
                          "routes": {"main": {"name": "日常", "default": "up/m1"}}, "active_route": "main"})
    page = zh_page(server, locale="zh-TW")
    expect(page.get_by_role("heading", name="供應商", exact=True)).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == "zh-TW"
    # The Traditional font stack applies (no web fonts).
    assert "PingFang TC" in page.evaluate("getComputedStyle(document.documentElement).fontFamily")
    assert_no_english(page, words)
    assert_traditional(page)
    shot(page, "providers")
    screens = [("路由", "routes", "路由"), ("網路", "network", "網路"), ("Claude Code", "claude-code", "Claude Code"),
               ("活動", "activity", "活動"), ("工作階段", "sessions", "工作階段"), ("用量", "usage", "用量與費用"),
               ("設定精靈", "setup", "歡迎使用 Switchboard")]
    for link, name, heading in screens:
        page.locator("#nav").get_by_role("link", name=link, exact=True).click()
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        assert_no_english(page, words)
        assert_traditional(page)
        shot(page, name)
    assert page.js_errors == []


def test_traditional_chinese_from_the_menu_and_the_browser(make_server, zh_page):
    server = make_server({"providers": {"up": {"type": "openai", "base_url": "http://127.0.0.1:9/v1", "api_key": "",
                                               "models": ["m1"], "name": "Up"}}})
    english = zh_page(server, locale="en-US")
    expect(english.get_by_role("heading", name="Providers", exact=True)).to_be_visible()
    expect(english.locator("#language option[value=zh-TW]")).to_have_text("繁體中文")
    english.get_by_label("Language").select_option("zh-TW")
    expect(english.get_by_role("heading", name="供應商", exact=True)).to_be_visible()
    assert json.loads(server.settings.config_path.read_text())["language"] == "zh-TW"
    english.get_by_label("語言").select_option("")
    # A Hong Kong or zh-Hant browser reads Traditional too.
    for locale in ("zh-HK", "zh-Hant-TW"):
        page = zh_page(server, locale=locale)
        expect(page.get_by_role("heading", name="供應商", exact=True)).to_be_visible()
        assert page.evaluate("document.documentElement.lang") == "zh-TW"
    page.goto(server.url + "/settings/signed-out")
    expect(page.get_by_role("heading", name="請從應用程式中開啟 Switchboard 設定")).to_be_visible()
    assert_traditional(page)
    shot(page, "signed-out")


def test_a_partial_traditional_catalogue_falls_back_to_english(tmp_path: Path) -> None:
    """core.js's t(): a key zh-TW lacks reads English, never the key and never Simplified."""
    for name in STATIC_FILES + ["core.js"]:
        (tmp_path / name).write_text((STATIC / name).read_text(encoding="utf-8"), encoding="utf-8")
    script = r"""
    global.window = {}; global.navigator = { languages: ["zh-TW"] };
    global.document = { documentElement: {}, readyState: "complete", querySelectorAll: () => [],
                        getElementById: () => null, addEventListener() {} };
    global.sessionStorage = { getItem: () => "" }; global.location = { replace() {}, hash: "" };
    for (const f of ["strings.js", "strings-zh-CN.js", "strings-zh-TW.js"]) require(process.argv[1] + "/" + f);
    delete window.SWITCHBOARD_STRINGS["zh-TW"]["nav.routes"];
    require(process.argv[1] + "/core.js");
    const t = window.Switchboard.t;
    process.stdout.write(JSON.stringify([window.Switchboard.LANG, t("nav.routes"), t("nav.providers"),
      t("field.fetched", { count: 3 })]));
    """
    out = subprocess.run([shutil.which("node"), "-e", script, str(tmp_path)], capture_output=True, text=True,
                         timeout=60, check=True)
    assert json.loads(out.stdout) == ["zh-TW", "Routes", "供應商", "找到 3 個模型。"]
