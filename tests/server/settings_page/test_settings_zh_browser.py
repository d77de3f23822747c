"""The settings page in Simplified Chinese (issue 19), in a real headless
Chromium with locale zh-CN against a live Switchboard and a fake upstream.

Walks the first-run guide, then providers, routes, network, Claude Code,
activity, sessions and usage; saves build/screenshots/settings-*-zh.png
and asserts that no English word of the catalogue shows anywhere a person
reads (text, labels read aloud, placeholders, the title). Also: the
language menu saves the choice in the config and wins over the browser.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.server.settings_page.conftest import PROVIDER_KEY, SCREENSHOTS, open_settings
from tests.server.settings_page.test_catalogues import STATIC, STATIC_FILES, forms, load
from tests.server.settings_page.test_settings_browser import CHROMIUM, OPENAI_STREAM, messages
from tests.support.fake_upstream import json_script, sse_file_script

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect
pytestmark = [pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}"),
              pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")]

WORD = re.compile(r"[A-Za-z]{3,}")
# Words a Chinese page shows on purpose: product and model names, and the
# native name of the English choice in the language menu.
KEEP = {"english"}


# Names of settings and files the Chinese words quote as they are (api_key,
# Providers[0], provider,model, ~/.claude/settings.json): not words of the
# Chinese catalogue, so "provider" or "model" still count as English.
CODE = re.compile(r"[\w$~./:\[\],-]*[_\[\]$~,/][\w$~./:\[\],-]*")


def english_ui_words(lang: str = "zh-CN") -> set[str]:
    """English words of the catalogue that the Chinese catalogue (``lang``)
    does not use (so "Claude", "Code", "token", "http" … do not count)."""
    words = load()
    def all_words(catalogue: dict[str, Any], strip: re.Pattern[str] | None = None) -> set[str]:
        out = set()
        for v in catalogue.values():
            for t in forms(v):
                t = re.sub(r"\{\w+\}", "", t)
                out |= {w.lower() for w in WORD.findall(strip.sub(" ", t) if strip else t)}
        return out
    en, zh = all_words(words["en"]), all_words(words[lang], CODE)
    return en - zh - KEEP


def shown_text(page: Any) -> str:
    return page.evaluate("""() => {
      const parts = [document.title, document.body.innerText];
      for (const el of document.querySelectorAll('[aria-label], [placeholder], [title]'))
        for (const a of ['aria-label', 'placeholder', 'title']) if (el.getAttribute(a)) parts.push(el.getAttribute(a));
      return parts.join('\\n');
    }""")


def assert_no_english(page: Any, words: set[str]) -> None:
    page.wait_for_timeout(200)  # let a redraw after a save finish
    # File paths and addresses (the test's temporary folders) are not words.
    text = CODE.sub(" ", re.sub(r"\S*/\S*", " ", shown_text(page)))  # and quoted names (is_error)
    found = sorted({w for w in WORD.findall(text) if w.lower() in words})
    assert found == [], f"English words on the zh-CN page: {found}\n---\n{text}"


def shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"settings-{name}-zh.png"), full_page=True)


@pytest.fixture
def zh_page(browser) -> Iterator[Any]:
    contexts = []

    def make(server: Any, locale: str = "zh-CN") -> Any:
        ctx = browser.new_context(viewport={"width": 1240, "height": 860}, locale=locale, reduced_motion="reduce")
        contexts.append(ctx)
        return open_settings(ctx, server)

    yield make
    for ctx in contexts:
        ctx.close()


def test_every_screen_in_chinese(make_server, upstream, claude_code, zh_page):
    words = english_ui_words()
    assert {"provider", "model", "routes", "connect", "requests", "settings"} <= words  # the check has teeth
    server = make_server({})
    page = zh_page(server)

    # The first-run guide, step by step.
    expect(page.get_by_role("heading", name="欢迎使用 Switchboard")).to_be_visible()
    expect(page.locator(".steps li[aria-current=step]")).to_have_text("选择提供商")
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    assert_no_english(page, words)
    shot(page, "setup-1-choose")

    page.get_by_label("自定义（OpenAI 兼容）", exact=True).check()
    page.get_by_role("button", name="继续").click()
    expect(page.locator(".steps li[aria-current=step]")).to_have_text("地址和密钥")
    page.locator("#setup-name").fill("实验服务器")
    page.get_by_label("服务器地址（Base URL）").fill(upstream.url + "/v1")
    page.get_by_label("API 密钥 (可选)", exact=True).fill(PROVIDER_KEY)
    page.locator("#setup-model").fill("glm-4.6")
    assert_no_english(page, words)
    shot(page, "setup-2-key")

    upstream.queue(sse_file_script(OPENAI_STREAM))
    page.get_by_role("button", name="测试并继续").click()
    expect(page.locator(".steps li[aria-current=step]")).to_have_text("连接 Claude Code")
    assert_no_english(page, words)
    shot(page, "setup-3-connect")
    page.get_by_role("button", name="连接 Claude Code").click()
    expect(page.get_by_text("Claude Code 已连接到 Switchboard。")).to_be_visible()
    page.get_by_role("button", name="完成").click()
    expect(page.get_by_role("heading", name="设置完成")).to_be_visible()
    assert_no_english(page, words)
    shot(page, "setup-done")

    # Some traffic for Activity, Sessions and Usage.
    for _ in range(2):
        upstream.queue(sse_file_script(OPENAI_STREAM))
        assert messages(server).status_code == 200

    page.get_by_role("button", name="打开设置").click()
    expect(page.get_by_role("heading", name="提供商", exact=True)).to_be_visible()
    # The guide's route is named in the page's language (not "Main").
    expect(page.locator("#route-pill")).to_have_text("当前路由：主路由")
    assert json.loads(server.settings.config_path.read_text())["routes"]["main"]["name"] == "主路由"
    assert_no_english(page, words)
    shot(page, "providers")

    page.get_by_role("button", name="添加提供商").click()
    dialog = page.get_by_role("dialog", name="添加提供商")
    expect(dialog).to_be_visible()
    assert_no_english(page, words)
    shot(page, "provider-dialog")
    dialog.get_by_role("button", name="取消").click()

    screens = [("路由", "routes", "路由"), ("网络", "network", "网络"), ("Claude Code", "claude-code", "Claude Code"),
               ("活动", "activity", "活动"), ("会话", "sessions", "会话"), ("用量", "usage", "用量与费用")]
    for link, name, heading in screens:
        page.locator("#nav").get_by_role("link", name=link, exact=True).click()
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        if name == "activity":
            expect(page.locator(".total")).to_contain_text("2 个请求")
        assert_no_english(page, words)
        shot(page, name)

    assert PROVIDER_KEY not in page.content()
    assert page.js_errors == []


def test_language_menu_is_saved_and_wins_over_the_browser(make_server, upstream, zh_page):
    server = make_server({"providers": {"up": {"type": "openai", "base_url": upstream.url + "/v1",
                                               "api_key": "keyring", "models": ["m1"], "name": "Up"}},
                          "routes": {"main": {"default": "up/m1"}}, "active_route": "main"})
    page = zh_page(server)
    expect(page.get_by_role("heading", name="提供商", exact=True)).to_be_visible()
    menu = page.get_by_label("语言")
    expect(menu).to_have_value("")

    menu.select_option("en")
    expect(page.get_by_role("heading", name="Providers", exact=True)).to_be_visible()
    expect(page.locator("#nav")).to_contain_text("Routes")
    assert page.evaluate("document.documentElement.lang") == "en"
    assert json.loads(server.settings.config_path.read_text())["language"] == "en"

    # A new tab of a Chinese browser follows the saved choice.
    again = zh_page(server)
    expect(again.get_by_role("heading", name="Providers", exact=True)).to_be_visible()
    again.get_by_label("Language").select_option("")
    expect(again.get_by_role("heading", name="提供商", exact=True)).to_be_visible()
    assert "language" not in json.loads(server.settings.config_path.read_text())

    # An English browser with Chinese chosen in the config reads Chinese.
    again.get_by_label("语言").select_option("zh-CN")
    expect(again.get_by_label("语言")).to_have_value("zh-CN")
    english = zh_page(server, locale="en-US")
    expect(english.get_by_role("heading", name="提供商", exact=True)).to_be_visible()
    # The first tab (English until now) follows the choice made in another tab.
    expect(page.get_by_role("heading", name="提供商", exact=True)).to_be_visible()
    expect(page.get_by_label("语言")).to_have_value("zh-CN")
    assert page.js_errors == [] and again.js_errors == [] and english.js_errors == []


def test_a_bad_language_is_refused(make_server, signed_in):
    server = make_server({})
    client = signed_in(server)
    r = client.call("PUT", "language", {"language": "klingon"})
    assert r.status_code == 400 and r.json()["error"]["details"]["field"] == "language"
    assert client.call("PUT", "language", {"language": "zh-CN"}).json() == {"language": "zh-CN"}
    assert client.get("state")["language"] == "zh-CN"


def test_a_partial_catalogue_falls_back_to_english_word_by_word(tmp_path: Path) -> None:
    """core.js's t(): a key the language lacks reads English, never the key."""
    for name in STATIC_FILES + ["core.js"]:
        (tmp_path / name).write_text((STATIC / name).read_text(encoding="utf-8"), encoding="utf-8")
    script = r"""
    global.window = {}; global.navigator = { languages: ["zh-CN"] };
    global.document = { documentElement: {}, readyState: "complete", querySelectorAll: () => [],
                        getElementById: () => null, addEventListener() {} };
    global.sessionStorage = { getItem: () => "" }; global.location = { replace() {}, hash: "" };
    require(process.argv[1] + "/strings.js"); require(process.argv[1] + "/strings-zh-CN.js");
    delete window.SWITCHBOARD_STRINGS["zh-CN"]["nav.routes"];
    require(process.argv[1] + "/core.js");
    const t = window.Switchboard.t;
    process.stdout.write(JSON.stringify([t("nav.routes"), t("nav.providers"),
      t("activity.requests", { n: "1", count: 1 }), t("field.fetched", { count: 3 }),
      window.Switchboard.setLanguage("en"), t("activity.requests", { n: "1", count: 1 }),
      t("field.fetched", { count: 3 }), t("import.bring", { count: 1 })]));
    """
    out = subprocess.run([shutil.which("node"), "-e", script, str(tmp_path)], capture_output=True, text=True,
                         timeout=60, check=True)
    assert json.loads(out.stdout) == ["Routes", "提供商", "1 个请求", "找到 3 个模型。", "en", "1 request",
                                      "3 models found.", "Bring in 1 provider"]


def test_signed_out_page_in_chinese(make_server, zh_page):
    server = make_server({})
    page = zh_page(server)
    page.goto(server.url + "/settings/signed-out")
    expect(page.get_by_role("heading", name="请从应用中打开 Switchboard 设置")).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    assert_no_english(page, english_ui_words() - {"settings", "link", "open"})  # the CLI command stays English
    shot(page, "signed-out")


def test_check_with_claude_code_in_chinese(make_server, upstream, zh_page):
    """The cards' titles, what happened and what to do come as codes (server/
    check/run.py) and read Chinese; so does a provider without its key."""
    from tests.server.check.test_check import FakeModel
    from tests.support.fake_upstream import Script

    upstream.default = Script(handler=FakeModel("reject_images"))
    server = make_server({"providers": {
        "fake": {"type": "openai", "base_url": upstream.url + "/v1", "api_key": "", "models": ["glm-4.6"], "name": "Fake"},
        "locked": {"type": "openai", "base_url": upstream.url + "/v1", "api_key": "keyring", "models": ["m"],
                   "name": "Moxa"}}})
    words = english_ui_words()
    page = zh_page(server)
    page.locator("article[data-provider=fake]").get_by_role("button", name="用 Claude Code 检查: Fake").click()
    dialog = page.get_by_role("dialog", name="用 Claude Code 检查“Fake”")
    dialog.get_by_label("包含长提示词").uncheck()
    dialog.get_by_role("button", name="开始检查").click()
    images = dialog.locator("li[data-check=images]")
    expect(images).to_contain_text("✗ 有问题 · 图片（在消息中和工具结果中）")
    expect(images).to_contain_text("建议：此模型不能接收图片：请在使用它的路由中添加图片槽位。")
    expect(dialog.locator("li[data-check=context]")).to_contain_text("已跳过：长提示词这一步已关闭。")
    expect(dialog.locator("li[data-check=tool_call]")).to_contain_text("并在收到结果后作答")
    # The model's own answer, its tool's argument names and the provider's refusal are shown as they came.
    text = shown_text(page)
    assert "Hello there, all fine." in text and "image_url is only supported" in text
    shot(page, "check")  # as a person sees it, before the quoted English is taken out for the check below
    page.evaluate("""() => { for (const p of document.querySelectorAll('li[data-check] p'))
        p.textContent = p.textContent.replace(/“Hello there, all fine.”/, '').replace('file_path', '')
          .replace(/：.*image_url.*$/, ''); }""")
    assert_no_english(page, words)

    # A provider whose key is not saved: the problem by its code, not the server's English.
    dialog.get_by_role("button", name="关闭").click()
    page.locator("article[data-provider=locked]").get_by_role("button", name="用 Claude Code 检查: Moxa").click()
    dialog = page.get_by_role("dialog", name="用 Claude Code 检查“Moxa”")
    dialog.get_by_role("button", name="开始检查").click()
    expect(dialog.get_by_text("尚未为 Moxa 保存密钥。请先粘贴一个。")).to_be_visible()
    assert_no_english(page, words)
    assert page.js_errors == []


def test_a_reached_spending_limit_in_chinese(make_server, upstream, zh_page):
    """The limit the server reports (server/usage/budget.py) reads Chinese on
    the Usage screen, as a banner and in the spending-limit card."""
    from tests.conftest import UPSTREAM_FIXTURES, gateway_config
    from tests.support.fake_upstream import json_script

    cfg = gateway_config(upstream.url, kind="anthropic")
    cfg["providers"]["up"]["base_url"] = upstream.url
    cfg["prices"] = {"up/m1": {"input": 1000, "output": 1000}}
    cfg["usage"] = {"budget": {"daily": 0.01}}
    cfg["routes"]["main"]["name"] = "日常"
    server = make_server(cfg)
    upstream.default = json_script(json.loads((UPSTREAM_FIXTURES / "anthropic/message-text.json").read_text()))
    assert server.post("/v1/messages", {"model": "claude-sonnet-4-5", "max_tokens": 10,
                                        "messages": [{"role": "user", "content": "x"}]}).status_code == 200
    usage = server.app.config["USAGE"]
    deadline = time.monotonic() + 10
    while usage.limit_reached() is None:
        assert time.monotonic() < deadline, "the limit was never reached"
        time.sleep(0.05)
    page = zh_page(server)
    page.locator("#nav").get_by_role("link", name="用量", exact=True).click()
    expect(page.get_by_role("heading", name="用量与费用", exact=True)).to_be_visible()
    expect(page.locator(".banner[role=status]")).to_have_text(re.compile(r"^已达到每日上限（\$0\.04 / \$0\.01）$"))
    expect(page.locator("#usage-budget .status-bad")).to_have_text(re.compile(r"^已达到每日上限"))
    assert_no_english(page, english_ui_words())
    assert page.js_errors == []


def brought_in(make_server, zh_page, home: Path):  # type: ignore[no-untyped-def]
    """A Chinese first-run page that found the other apps' settings under
    ``home`` and brought them in: (server, page, the report)."""
    server = make_server({})
    server.app.config["IMPORT_HOME"] = str(home)
    page = zh_page(server)
    page.locator("#import-bring").click()
    return server, page, page.locator(".import-report")


def test_the_import_report_in_chinese(make_server, zh_page, tmp_path: Path) -> None:
    """The report (server/import_words.py) reads Chinese: where each
    source came from, each provider and route made, the active route, and
    what was left behind with the reason."""
    from tests.server.settings_page.test_settings_import import TAG, peer_home

    home, _, _ = peer_home(tmp_path)
    server, page, report = brought_in(make_server, zh_page, home)
    expect(report).to_contain_text("来自 claude-code-router 3（")
    expect(report).to_contain_text(f"已添加提供商“DeepSeek {TAG}”，名为“DeepSeek-{TAG}”（openai，")
    expect(report).to_contain_text("个模型，密钥在系统密钥环中）")
    expect(report).to_contain_text("路由“ccr-Everyday”现在是当前路由")
    # What was left behind, and why, reads Chinese too (the names are the other apps' own).
    expect(report).to_contain_text(f"未导入：提供商“Codex {TAG}”：它使用 OpenAI Responses API，Switchboard 目前还不支持")
    expect(report).to_contain_text(f"未导入：提供商“DeepSeek {TAG}”的转换器“tooluse”：Switchboard 按 Claude Code 发送的原样传递")
    lines = report.locator("li").all_text_contents()  # also the folded "left behind" lines
    for prefix in ("From ", "Added ", "Updated ", "Route ", "Needs a key", "Left behind", "Note:"):
        assert not [line for line in lines if line.startswith(prefix)], lines
    # The route the import names itself is named in the page's language.
    routes = json.loads(server.settings.config_path.read_text())["routes"]
    assert routes["cc-switch"]["name"] == "从 cc-switch 导入", routes
    # Every line is worded in Chinese around the data (names, hosts, slots) of the other apps.
    assert all(re.search(r"[\u4e00-\u9fff]", line) for line in lines), lines
    shot(page, "import-report")
    assert page.js_errors == []


def test_why_a_folder_could_not_be_pinned_in_chinese(make_server, upstream, zh_page, tmp_path: Path) -> None:
    """The reason comes as a sentence (server/project_pins.py, server/claude_code.py), not the server's English."""
    server = make_server({"providers": {"up": {"type": "openai", "base_url": upstream.url + "/v1", "api_key": "",
                                               "models": ["m1"], "name": "Up"}},
                          "routes": {"main": {"name": "日常", "default": "up/m1"}}, "active_route": "main"})
    broken = tmp_path / "shop"
    (broken / ".claude").mkdir(parents=True)
    (broken / ".claude" / "settings.local.json").write_text('{"env": ')
    page = zh_page(server)
    page.locator("#nav").get_by_role("link", name="Claude Code", exact=True).click()
    page.get_by_label("项目文件夹").fill(str(broken))
    page.get_by_role("button", name="为此文件夹使用此路由").click()
    path = broken / ".claude" / "settings.local.json"
    expect(page.get_by_text(f"无法固定该文件夹。（{path} 不是有效的 JSON（第 1 行）；Switchboard 没有改动它。"
                            "请修正该文件，然后重试）")).to_be_visible()
    page.get_by_label("项目文件夹").fill(str(tmp_path / "nowhere"))
    page.get_by_role("button", name="为此文件夹使用此路由").click()
    expect(page.get_by_text(f"无法固定该文件夹。（{tmp_path / 'nowhere'} 处没有文件夹：请检查路径）")).to_be_visible()
    assert_no_english(page, english_ui_words())
    assert page.js_errors == []


def test_an_error_without_a_code_is_not_the_servers_english(make_server, zh_page):
    """An answer with no code (an unknown address, an internal error) carries
    only the server's English message: a Chinese page says it in Chinese."""
    server = make_server({})
    page = zh_page(server)
    expect(page.get_by_role("heading", name="欢迎使用 Switchboard")).to_be_visible()
    call = "() => window.Switchboard.api('GET', 'no-such-thing').then(() => 'answered', (e) => e.message)"
    assert page.evaluate(call) == "出了点问题，请重试。"
    page.evaluate("() => window.Switchboard.setLanguage('en')")
    assert page.evaluate(call) != "Something went wrong. Please try again."  # English keeps the server's words


def test_why_a_session_stays_on_a_fallback_in_chinese(make_server, upstream, zh_page):
    """The pin's reason (server/session_pins.py) is a sentence the Activity screen words."""
    from tests.server.settings_page.test_settings_pins import pinned_session_server
    from tests.support.fake_upstream import FakeUpstream

    backup = FakeUpstream()
    try:
        server = pinned_session_server(make_server, upstream, backup, main="Main", route="日常")
        page = zh_page(server)
        page.locator("#nav").get_by_role("link", name="活动", exact=True).click()
        expect(page.locator("#pinned-sessions")).to_contain_text("up/m1 失败（529 overloaded_error）；由 spare/m9 回答")
        assert "failed" not in page.locator("#pinned-sessions").inner_text()
    finally:
        backup.close()


def test_a_claude_code_router_2_import_report_in_chinese(make_server, zh_page, tmp_path: Path) -> None:
    """claude-code-router 2's config.json (server/ccr_import): its report and
    what it did not convert read Chinese too."""
    home = tmp_path / "ccr2-home"
    (home / ".claude-code-router").mkdir(parents=True)
    readme = STATIC.parents[2] / "tests" / "fixtures" / "ccr" / "readme-style.json5"
    (home / ".claude-code-router" / "config.json").write_text(readme.read_text(encoding="utf-8"))
    server, page, report = brought_in(make_server, zh_page, home)
    expect(report).to_contain_text("来自 claude-code-router 2（")
    expect(report).to_contain_text("已添加提供商“deepseek”（openai，预设 deepseek，https://api.deepseek.com，2 个模型，密钥在系统密钥环中）")
    expect(report).to_contain_text("未转换：转换器“tooluse”（用于 deepseek: deepseek-chat）：Switchboard 按 Claude Code 发送的原样传递")
    lines = report.locator("li").all_text_contents()  # also the folded "left behind" lines
    assert len(lines) > 5 and all(re.search(r"[\u4e00-\u9fff]", line) for line in lines), lines
    for prefix in ("From ", "Added ", "Updated ", "Route ", "Not converted", "Note:"):
        assert not [line for line in lines if line.startswith(prefix)], lines
    assert json.loads(server.settings.config_path.read_text())["routes"]["ccr"]["name"] == "从 claude-code-router 导入"
    assert page.js_errors == []


def test_why_an_import_failed_in_chinese(make_server, upstream, zh_page, tmp_path: Path) -> None:
    """An import's refusal (server/import_words.py ERRORS) reads Chinese; the API keeps the English message."""
    server = make_server({"providers": {"up": {"type": "openai", "base_url": upstream.url + "/v1", "api_key": "",
                                               "models": ["m1"], "name": "Up"}}})
    not_a_setup = tmp_path / "notes.json"
    not_a_setup.write_text('{"hello": "world"}')
    page = zh_page(server)
    expect(page.get_by_role("heading", name="提供商", exact=True)).to_be_visible()
    page.locator("#import-setup-file").set_input_files(str(not_a_setup))
    expect(page.locator("#toast")).to_have_text("这个文件不是 Switchboard 配置（用“导出配置”生成的文件）")
    # A claude-code-router database that is not one: the reason, with the file, in Chinese.
    home = tmp_path / "peer"
    (home / ".cc-switch").mkdir(parents=True)
    (home / ".cc-switch" / "cc-switch.db").write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    server.app.config["IMPORT_HOME"] = str(home)
    message = page.evaluate("() => window.Switchboard.api('POST', 'import', {}).then(() => 'imported', (e) => e.message)")
    assert "没有导入任何内容" in message or "再也找不到" in message, message
    assert not re.search(r"nothing was imported|were found", message), message
    assert page.js_errors == []


def test_a_locked_keyring_in_chinese(make_server, upstream, zh_page):
    """Why the keyring cannot be used (server/secrets.py) reads Chinese in the banner."""
    from server.secrets import MemoryKeyring

    class KeyringLocked(Exception):
        pass

    class Locked(MemoryKeyring):
        def get_password(self, service, username):
            raise KeyringLocked()

    server = make_server({"providers": {"up": {"type": "openai", "base_url": upstream.url + "/v1", "api_key": "",
                                               "models": ["m1"], "name": "Up"}}}, keyring=Locked())
    page = zh_page(server)
    expect(page.locator("#main .banner[role=alert]").first).to_have_text(
        "电脑的密码存储不可用（密钥环已锁定）。在它恢复之前无法保存密钥。")
    assert page.js_errors == []
