"""The tray menu in Simplified Chinese (issue 19): gettext with
tray/locale/zh_CN/LC_MESSAGES/switchboard.po (.mo compiled from it),
following LANG or the config's "language"."""
from __future__ import annotations

import ast
import gettext
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.support.said_tables import every_table
from tray import i18n, menu

REPO = Path(__file__).resolve().parents[2]
PO = REPO / "tray" / "locale" / "zh_CN" / "LC_MESSAGES" / "switchboard.po"
MO = PO.with_suffix(".mo")
TRANSLATED_SOURCES = [REPO / "tray" / "menu.py", REPO / "tray" / "actions.py", REPO / "tray" / "state.py"]
PLACEHOLDER = re.compile(r"\{(\w+)\}")
HAN = re.compile(r"[\u4e00-\u9fff]")


def po_entries(path: Path) -> dict[str, str]:
    """msgid -> msgstr of a .po file (single-line entries, as ours are)."""
    text = path.read_text(encoding="utf-8")
    pairs = re.findall(r'^msgid "((?:\\.|[^"\\])*)"\nmsgstr "((?:\\.|[^"\\])*)"', text, re.M)
    unquote = lambda s: s.encode().decode("unicode_escape").encode("latin-1").decode("utf-8")  # noqa: E731
    return {unquote(i): unquote(s) for i, s in pairs if i}


def _message_nodes(tree: ast.AST) -> list[ast.Constant]:
    """The string given to each _(), also through a module constant (``_(PORT_TAKEN_SETTINGS)``)."""
    constants = {t.id: n.value for n in ast.walk(tree) if isinstance(n, ast.Assign)
                 for t in n.targets if isinstance(t, ast.Name) and isinstance(n.value, ast.Constant)}
    out = []
    for n in ast.walk(tree):
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "_":
            arg = n.args[0]
            out.append(constants[arg.id] if isinstance(arg, ast.Name) else arg)
    return out


def msgids(path: Path) -> list[str]:
    return [n.value for n in _message_nodes(ast.parse(path.read_text(encoding="utf-8")))]


# The server's own sentences the tray shows (server/said.py): their English template is the msgid.
def server_msgids() -> set[str]:
    return {english for table in every_table() if "tray" in table.shown_by for english in table.values()
            if re.search(r"[A-Za-z]{2,}", PLACEHOLDER.sub("", english))}  # "{error}" alone has no words


def test_catalogue_has_every_message_and_keeps_placeholders() -> None:
    entries = po_entries(PO)
    wanted = {m for src in TRANSLATED_SOURCES for m in msgids(src)} | server_msgids()
    assert len(wanted) > 20 and len(server_msgids()) > 15
    assert sorted(wanted - set(entries)) == []     # a message English has, the catalogue lacks
    assert sorted(set(entries) - wanted) == []     # a message nobody asks for any more
    for msgid, msgstr in entries.items():
        assert msgstr and HAN.search(msgstr), msgid
        assert set(PLACEHOLDER.findall(msgstr)) == set(PLACEHOLDER.findall(msgid)), msgid


def test_compiled_catalogue_matches_the_po_file() -> None:
    with MO.open("rb") as f:
        compiled = gettext.GNUTranslations(f)
    for msgid, msgstr in po_entries(PO).items():
        assert compiled.gettext(msgid) == msgstr, f"{msgid}: run msgfmt (see the .po file's header)"


def test_no_english_outside_the_catalogue_in_the_menu() -> None:
    """Every word literal in the menu code goes through _()."""
    offenders = []
    for src in TRANSLATED_SOURCES:
        tree = ast.parse(src.read_text(encoding="utf-8"))
        inside = {id(n) for n in _message_nodes(tree)}
        docs = {id(n.body[0].value) for n in ast.walk(tree)
                if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef)) and n.body
                and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
        # Log lines stay English on purpose.
        logged = {id(a) for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
                  and isinstance(n.func.value, ast.Name) and n.func.value.id in ("log", "logger", "logging")
                  for a in n.args}
        inside |= logged
        for n in ast.walk(tree):
            if (isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in inside
                    and id(n) not in docs and re.search(r"[A-Za-z]{2,} [A-Za-z]{2,}", n.value)):
                offenders.append(f"{src.name}:{n.lineno}: {n.value!r}")
    assert offenders == []


MENU_SCRIPT = r"""
import json, sys
from tray import menu
from tray.state import AppState, RouteItem
state = AppState(phase="running", has_providers=True, routes=(RouteItem("main", "主路由"),), active_route="main",
                 autostart=False, language=sys.argv[1])
entries = menu.build(state)
print(json.dumps([e.text for e in entries if e.text] + [menu.tooltip(state)], ensure_ascii=False))
"""


def menu_texts(lang_env: str, language: str = "") -> list[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES")}
    env["LANG"] = lang_env
    out = subprocess.run([sys.executable, "-c", MENU_SCRIPT, language], env=env, capture_output=True,
                         text=True, encoding="utf-8", timeout=60, check=True)
    return json.loads(out.stdout)


def english_words() -> set[str]:
    return {w.lower() for m in po_entries(PO) for w in re.findall(r"[A-Za-z]{3,}", PLACEHOLDER.sub("", m))} \
        - {"claude", "code", "switchboard"}


def test_menu_model_under_a_chinese_locale() -> None:
    texts = menu_texts("zh_CN.UTF-8")
    assert texts[0] == "正在 127.0.0.1:3456 上运行 · 主路由"
    for word in ("设置…", "复制 Claude Code 配置", "连接 Claude Code…", "登录时启动", "打开日志文件夹", "退出"):
        assert word in texts
    shown = " ".join(texts)
    assert [w for w in re.findall(r"[A-Za-z]{3,}", shown) if w.lower() in english_words()] == []


def test_english_locale_and_the_config_choice() -> None:
    assert "Quit" in menu_texts("en_US.UTF-8")
    assert "Quit" in menu_texts("C.UTF-8")
    # The settings page's choice wins over the OS locale, both ways.
    assert "退出" in menu_texts("en_US.UTF-8", "zh-CN")
    assert "Quit" in menu_texts("zh_CN.UTF-8", "en")


def test_languages_from_the_environment() -> None:
    assert i18n.system_languages({"LANG": "zh_CN.UTF-8"}) == ["zh_CN"]
    assert i18n.system_languages({"LANGUAGE": "zh_CN:en", "LANG": "de_DE.UTF-8"}) == ["zh_CN", "en"]
    assert i18n.system_languages({"LANG": "C"}) == ["en"]
    assert i18n.system_languages({}) == ["en"]
    assert i18n.languages_for("zh-CN", {"LANG": "en_US.UTF-8"}) == ["zh_CN"]


def test_notifications_follow_the_choice() -> None:
    from tray.i18n import _
    try:
        i18n.use("zh-CN")
        assert _("Now using {name}").format(name="主路由") == "现在使用 主路由"
        assert _("a message nobody translated") == "a message nobody translated"  # English, never a key
        i18n.use("en")
        assert _("Now using {name}") == "Now using {name}"
    finally:
        i18n.use(None)


def test_the_servers_sentences_in_the_tray_follow_the_language() -> None:
    """Today's line, a spending limit, a budget notice and "Claude Code moved"
    come from the server as sentences (server/said.py); the tray words them."""
    from server.claude_code import NOTICES
    from server.usage.budget import Today, WORDS, today_line
    from server.usage.history import describe_error

    limit = WORDS("usage.reached.daily", spent="$5.02", limit="$5.00")
    notice = WORDS("usage.notice.dailyReached", spent="$5.02", limit="$5.00").and_then(
        WORDS("usage.notice.switched", route="便宜"))
    moved = NOTICES("claude.movedPort", port="3457")
    problem = describe_error(OSError(28, "No space left on device"), Path("/tmp/usage.sqlite3"))
    try:
        i18n.use("zh-CN")
        assert i18n.said(today_line(Today("d", 3, 1_234_567, 0.84, 0))) == "今日：1.2 M 个 token · $0.84"
        assert i18n.said(limit) == "已达到每日上限（$5.02 / $5.00）"
        assert i18n.said(notice) == "已达到每日支出上限：$5.02 / $5.00。已切换到路由“便宜”。"
        assert i18n.said(moved) == "Switchboard 已改用端口 3457，Claude Code 的设置也已指向那里：请重启 Claude Code 以使用它。"
        assert i18n.said(problem).startswith("用量记录没有保存：磁盘已满。")
        # The menu shows the state's usage lines as they were worded.
        state = menu.AppState(phase="running", has_providers=True, usage_line=i18n.said(today_line(Today("d"))),
                              usage_alert=i18n.said(limit), language="zh-CN")
        shown = [e.text for e in menu.build(state) if e.kind == "status"]
        assert shown[1:] == ["今日：0 个 token · $0.00", "已达到每日上限（$5.02 / $5.00）"]
        i18n.use("en")
        assert i18n.said(notice) == "Daily spending limit reached: $5.02 of $5.00. Switched to the route '便宜'."
        assert i18n.said(moved) == moved.text
    finally:
        i18n.use(None)


def test_an_error_sentence_in_a_tray_notification() -> None:
    """A failed action's reason (ProjectPinError, ClaudeCodeError) is told in the tray's language."""
    from server.claude_code import FILE_ERRORS, ClaudeCodeError
    from server.project_pins import PIN_ERRORS, ProjectPinError
    from tray.actions import _plain

    pin = ProjectPinError(PIN_ERRORS("pinError.noFolder", path="/nope"))
    claude = ClaudeCodeError(FILE_ERRORS("fileError.notObject", path="/home/me/.claude/settings.json"))
    assert str(pin) == "There is no folder at /nope: check the path"  # logs and the CLI: English
    try:
        i18n.use("zh-CN")
        assert _plain(pin) == "/nope 处没有文件夹：请检查路径"
        assert _plain(claude) == "/home/me/.claude/settings.json 中不是一个 JSON 对象；Switchboard 没有改动它"
        assert _plain(RuntimeError("plain English")) == "plain English"
    finally:
        i18n.use(None)


def test_a_resting_key_in_the_tray_status_line() -> None:
    """The gateway's key status (server/key_pool.py) reads in the tray's language."""
    from server.key_pool import STATUS
    from tray.state import AppState, RouteItem

    status = STATUS("keys.status.rate_limited", provider="OpenAI", rested="work", used="personal")
    assert status.text == "OpenAI: key 'work' rate limited, using 'personal'"
    try:
        i18n.use("zh-CN")
        state = AppState(phase="running", has_providers=True, routes=(RouteItem("main", "日常"),),
                         active_route="main", key_status=i18n.said(status), language="zh-CN")
        assert menu.status_lines(state) == ["OpenAI：密钥“work”受到速率限制，正在使用“personal”"]
    finally:
        i18n.use(None)


def test_the_keyring_problem_in_the_tray() -> None:
    from server.secrets import KEYRING

    try:
        i18n.use("zh-CN")
        assert i18n.said(KEYRING("keyring.locked")) == "密钥环已锁定"
        assert i18n.said(KEYRING("keyring.other", error="RuntimeError")) == "RuntimeError"
    finally:
        i18n.use(None)


def test_why_the_server_is_not_running_in_the_tray() -> None:
    """The refusal to serve a network with the desktop key (server/exposure.py) follows the language."""
    from server import exposure
    from tray.state import AppState

    refused = exposure.refusal("0.0.0.0", 3456, {})
    state = AppState(phase="stopped", has_providers=True, server_error=refused, language="zh-CN")
    try:
        assert menu.status_lines(state)[0].startswith("未运行：拒绝在 0.0.0.0:3456 上监听")
        assert menu.status_lines(state.with_(language="en"))[0].startswith(
            "Not running: refusing to listen on 0.0.0.0:3456")
    finally:
        i18n.use(None)


PO_TW = REPO / "tray" / "locale" / "zh_TW" / "LC_MESSAGES" / "switchboard.po"


def test_traditional_catalogue_matches_the_simplified_one() -> None:
    """zh_TW (Traditional, Taiwan) has every message zh_CN has, its placeholders, and is compiled."""
    from tests.server.settings_page.test_catalogues import SIMPLIFIED_ONLY

    cn, tw = po_entries(PO), po_entries(PO_TW)
    assert set(tw) == set(cn)
    with PO_TW.with_suffix(".mo").open("rb") as f:
        compiled = gettext.GNUTranslations(f)
    for msgid, msgstr in tw.items():
        assert set(PLACEHOLDER.findall(msgstr)) == set(PLACEHOLDER.findall(msgid)), msgid
        assert compiled.gettext(msgid) == msgstr, f"{msgid}: run msgfmt (see the .po file's header)"
        assert not [c for c in msgstr if c in SIMPLIFIED_ONLY], msgstr
        if HAN.search(cn[msgid]):
            assert HAN.search(msgstr), msgid


def test_menu_model_in_traditional_chinese() -> None:
    texts = menu_texts("zh_TW.UTF-8")
    assert texts[0] == "正在 127.0.0.1:3456 上執行 · 主路由"
    for word in ("設定…", "複製 Claude Code 設定", "連接 Claude Code…", "登入時啟動", "開啟記錄資料夾", "結束"):
        assert word in texts
    assert "結束" in menu_texts("en_US.UTF-8", "zh-TW")  # the settings page's choice


def test_a_failed_request_in_the_tray_status_line_is_worded_by_kind() -> None:
    """The error's own message is English (clients read it): in Chinese the
    tray says what kind of failure it was; in English it keeps the message."""
    from tray.state import AppState, RouteItem

    failed = dict(phase="running", has_providers=True, routes=(RouteItem("main", "日常"),), active_route="main",
                  last_error="OpenAI did not accept the API key (HTTP 401)", last_error_type="authentication_error")
    try:
        i18n.use("zh-CN")
        assert menu.status_lines(AppState(**failed, language="zh-CN")) == ["上一个请求失败：提供商不接受这个密钥"]
        line = menu.status_lines(AppState(**{**failed, "last_error_type": None}, language="zh-CN"))[0]
        assert line == "上一个请求失败：提供商或网络连接出了问题" and not re.search(r"[A-Za-z]{3,}", line)
        i18n.use("zh-TW")
        assert menu.status_lines(AppState(**failed, language="zh-TW")) == ["上一個請求失敗：供應商不接受這個金鑰"]
        i18n.use("en")
        assert menu.status_lines(AppState(**failed, language="en")) == [
            "Last request failed: OpenAI did not accept the API key (HTTP 401)"]
    finally:
        i18n.use(None)

