"""The settings page's message catalogues (issue 19): every language has
exactly English's keys, keeps every {placeholder}, and plural forms are
well formed. The catalogues are read by running them in node, as the
browser would (no hand-written JS parser)."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest

from tests.support.said_tables import every_table

STATIC = Path(__file__).resolve().parents[3] / "server" / "settings_page" / "static"
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed")

# Loads the catalogue files in the page's order into a fake window and prints
# {"en": {...}, "zh-CN": {...}}; usage-strings.js merges its own "en" block.
LOADER = r"""
global.window = {};
global.document = { querySelectorAll: () => [] };
for (const f of process.argv.slice(1)) require(f);
process.stdout.write(JSON.stringify(window.SWITCHBOARD_STRINGS));
"""
FILES = ["strings.js", "server-words.js", "strings-zh-CN.js", "strings-zh-TW.js", "usage-strings.js"]
STATIC_FILES = [f for f in FILES if f != "server-words.js"]  # the files in static/; server-words.js is made
PLACEHOLDER = re.compile(r"\{(\w+)\}")
def server_words() -> dict[str, str]:
    from server import said

    every_table()
    return said.page_english()


def load(static: Path = STATIC, files: list[str] = FILES) -> dict[str, dict[str, Any]]:
    """The catalogues as the page has them; ``server-words.js`` is made by
    the server (settings_page/pages.py), as the page loads it."""
    from server.settings_page.pages import server_words_js

    made = Path(tempfile.mkdtemp()) / "server-words.js"
    made.write_bytes(server_words_js(server_words()))
    paths = [str(made if f == "server-words.js" else static / f) for f in files]
    out = subprocess.run([NODE, "-e", LOADER, *paths], capture_output=True, text=True, timeout=60, check=True)
    return json.loads(out.stdout)


def forms(value: Any) -> list[str]:
    return list(value.values()) if isinstance(value, dict) else [value]


def placeholders(value: Any) -> set[str]:
    return {p for text in forms(value) for p in PLACEHOLDER.findall(text)}


def catalogue_problems(all_words: dict[str, dict[str, Any]]) -> list[str]:
    en = all_words["en"]
    problems = []
    for key, value in en.items():
        for text in forms(value):
            if not isinstance(text, str) or not text:
                problems.append(f"en: {key} is empty or not a string")
        if isinstance(value, dict) and ("other" not in value or set(value) - {"zero", "one", "two", "few", "many", "other"}):
            problems.append(f"en: {key} plural needs 'other' and only CLDR categories")
        if isinstance(value, dict):
            each = [set(PLACEHOLDER.findall(t)) for t in value.values()]
            if any(e != each[0] for e in each):
                problems.append(f"en: {key} plural forms differ in placeholders")
    for lang, words in all_words.items():
        if lang == "en":
            continue
        for key in sorted(set(en) - set(words)):
            problems.append(f"{lang}: missing {key}")
        for key in sorted(set(words) - set(en)):
            problems.append(f"{lang}: {key} is not an English key")
        for key in sorted(set(en) & set(words)):
            if placeholders(words[key]) != placeholders(en[key]):
                problems.append(f"{lang}: {key} placeholders {sorted(placeholders(words[key]))}"
                                f" != English {sorted(placeholders(en[key]))}")
            if any(not isinstance(t, str) or not t.strip() for t in forms(words[key])):
                problems.append(f"{lang}: {key} is empty")
    return problems


def test_every_catalogue_matches_english() -> None:
    all_words = load()
    assert set(all_words) >= {"en", "zh-CN", "zh-TW"}
    assert len(all_words["en"]) > 400
    assert catalogue_problems(all_words) == []


def test_chinese_is_translated() -> None:
    """zh-CN is complete, not a copy: most values hold Chinese characters."""
    all_words = load()
    zh = all_words["zh-CN"]
    han = re.compile(r"[\u4e00-\u9fff]")
    chinese = [k for k, v in zh.items() if any(han.search(t) for t in forms(v))]
    assert len(chinese) / len(zh) > 0.9, sorted(set(zh) - set(chinese))
    # Plural objects are English-only; Chinese has one form.
    assert not [k for k, v in zh.items() if isinstance(v, dict)]


# Characters only Simplified Chinese writes (their Traditional forms differ).
SIMPLIFIED_ONLY = "设为们这个来说对时会还发开关点网络数据库图标应选择请输导认证书连钥复删项从动该没显试议记读过运进钟错长门问间页题"


def test_traditional_chinese_is_traditional() -> None:
    """zh-TW is complete, in Traditional characters with Taiwan's 「」 quotes:
    no Simplified-only character, not a copy of zh-CN."""
    all_words = load()
    tw, cn = all_words["zh-TW"], all_words["zh-CN"]
    han = re.compile(r"[\u4e00-\u9fff]")
    assert len([k for k, v in tw.items() if han.search(v)]) / len(tw) > 0.9
    simplified = {k: v for k, v in tw.items() if any(c in SIMPLIFIED_ONLY for c in v)}
    assert simplified == {}
    assert [k for k, v in tw.items() if "“" in v or "”" in v] == []
    assert sum(tw[k] != cn[k] for k in tw) / len(tw) > 0.6
    for key, word in {"nav.providers": "供應商", "nav.setup": "設定精靈", "common.save": "儲存",
                      "field.baseUrl": "伺服器位址（Base URL）", "network.title": "網路"}.items():
        assert tw[key] == word, key


def test_english_plurals_where_counts_are_shown() -> None:
    en = load()["en"]
    for key in ("activity.requests", "field.fetched", "import.offer", "import.bring"):
        assert isinstance(en[key], dict) and {"one", "other"} <= set(en[key]), key


def test_the_check_catches_each_kind_of_mistake(tmp_path: Path) -> None:
    """The check fails for a missing key, an extra key and a broken placeholder."""
    for name in STATIC_FILES:
        (tmp_path / name).write_text((STATIC / name).read_text(encoding="utf-8"), encoding="utf-8")
    zh = tmp_path / "strings-zh-CN.js"
    text = zh.read_text(encoding="utf-8")
    broken = (text.replace('    "common.cancel": "取消",\n', "")
                  .replace('"status.active": "当前路由：{name}"', '"status.active": "当前路由：{名称}"')
                  .replace('"common.save": "保存",', '"common.save": "保存",\n    "common.saveAll": "全部保存",'))
    assert broken != text
    zh.write_text(broken, encoding="utf-8")
    problems = catalogue_problems(load(tmp_path))
    assert "zh-CN: missing common.cancel" in problems
    assert "zh-CN: common.saveAll is not an English key" in problems
    assert any(p.startswith("zh-CN: status.active placeholders") for p in problems)


def test_every_sentence_the_server_words_has_its_english_once() -> None:
    """The page's English for the server's sentences is the server's own
    (server-words.js, made from server/said.py's tables); the hand-written
    English catalogues never copy it, so the two cannot drift. The Chinese
    catalogues have every code (by the parity check above)."""
    codes = server_words()
    assert len(codes) > 50
    en = load()["en"]
    assert sorted(c for c in codes if en.get(c) != codes[c]) == []
    for name in ("strings.js", "usage-strings.js"):
        text = (STATIC / name).read_text(encoding="utf-8")
        assert sorted(c for c in codes if f'"{c}"' in text) == [], name


ERROR_CODE = re.compile(r"""(?:BadInput|page_error)\(\s*["']([a-z_]+)["']|["']code["']:\s*["']([a-z_]+)["']""")


def test_every_error_code_the_server_sends_is_in_the_catalogue() -> None:
    """An error the page shows is worded by its code ("error.<code>"); a code
    without a key would show the server's English message instead."""
    server = Path(__file__).resolve().parents[3] / "server"
    codes = {a or b for p in server.rglob("*.py") for a, b in ERROR_CODE.findall(p.read_text(encoding="utf-8"))}
    assert {"config_changed", "key_needed", "import_failed"} <= codes
    en = load()["en"]
    assert sorted(c for c in codes if "error." + c not in en) == []


def test_the_built_app_has_imported_every_sentence_table() -> None:
    """server-words.js is made once from the tables imported when it is
    first asked for; building the app must have imported them all (in a
    fresh interpreter: this test process imports them for its own checks)."""
    import os
    import sys
    import tempfile as tf

    script = (
        "import json, server.said as said\n"
        "from server.app import create_app\n"
        "from server.settings import Settings\n"
        "create_app(Settings.from_env())\n"
        "built = set(said.page_english())\n"
        "from tests.support.said_tables import every_table\n"
        "every_table()\n"
        "print(json.dumps([len(built), sorted(set(said.page_english()) - built)]))\n")
    env = {**os.environ, "SWITCHBOARD_HOME": tf.mkdtemp()}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                         check=True, env=env, cwd=STATIC.parents[2])
    built, missing = json.loads(out.stdout.strip().splitlines()[-1])
    assert built > 200 and missing == []


def test_the_page_loads_the_servers_words_before_its_code(make_server) -> None:
    """A running Switchboard serves server-words.js (public, like the other
    static files: English templates, nothing secret) with every sentence,
    and the page loads it after strings.js and before core.js."""
    import httpx

    server = make_server({})
    r = httpx.get(server.url + "/settings/static/server-words.js", trust_env=False)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/javascript")
    for code, words in server_words().items():
        assert json.dumps(code) in r.text, code
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    order = [html.index(f'src="static/{f}"') for f in ("strings.js", "server-words.js", "core.js")]
    assert order == sorted(order)
