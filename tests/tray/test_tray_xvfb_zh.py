"""The REAL tray in Simplified Chinese (issue 19): `python -m tray` docked in
trayer on an X display, with "language": "zh-CN" in its config and an
English OS locale. The menu as the GTK backend rendered it (the test control
channel) is Chinese, and a screenshot of the open menu,
build/screenshots/tray-menu-zh.png, shows it with the system's CJK font
(fonts-wqy-microhei or fonts-noto-cjk; test.sh installs one).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import gateway_config
from tests.support.fake_upstream import FakeUpstream, json_script
from tests.tray.conftest import REPO, free_port, instance_info, wait_health, write_config
from tests.tray.test_tray_xvfb import ask, control, reply, screenshot_then_quit, tray_host  # noqa: F401  (fixture)

pytestmark = pytest.mark.skipif(not os.environ.get("DISPLAY"), reason="needs an X display ($DISPLAY)")
SCREENSHOT = REPO / "build" / "screenshots" / "tray-menu-zh.png"
HAN = re.compile(r"[\u4e00-\u9fff]")


def cjk_font() -> bool:
    if not shutil.which("fc-list"):
        return False
    out = subprocess.run(["fc-list", ":lang=zh-cn", "family"], capture_output=True, text=True).stdout
    return bool(out.strip())


def test_real_tray_menu_in_chinese(tmp_path: Path, tray_host, tray_procs) -> None:  # noqa: F811
    assert cjk_font(), "no CJK font for Chinese (test.sh installs fonts-wqy-microhei)"
    up = FakeUpstream()
    try:
        config = gateway_config(up.url)
        config["providers"]["up"]["name"] = "DeepSeek"
        config["routes"] = {"main": {"name": "日常", "default": "up/m1"},
                            "careful": {"name": "谨慎", "default": "up/m1"}}
        config["language"] = "zh-CN"
        port = free_port()
        home = tmp_path / "home"
        write_config(home, config, port)
        # An English OS locale: the language chosen in the settings page wins.
        env = {"SWITCHBOARD_TRAY_TEST_CONTROL": "1", "PYSTRAY_BACKEND": "", "LANG": "en_US.UTF-8",
               "LANGUAGE": "", "LC_ALL": "", "LC_MESSAGES": ""}
        proc = tray_procs(home, env=env)
        wait_health(port, proc=proc)
        secret = instance_info(home)["secret"]
        deadline = time.monotonic() + 15
        while "tray: using the appindicator backend" not in proc.stderr and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "tray: using the appindicator backend" in proc.stderr

        # Today's usage line is a sentence the server words (server/usage/budget.py).
        up.queue(json_script(reply("m1")))
        assert ask(port).status_code == 200
        texts = [e["text"] for e in control(port, secret, "menu").json()["entries"] if e.get("text")]

        assert texts[0] == f"正在 127.0.0.1:{port} 上运行 · 日常 (DeepSeek)", texts
        assert re.fullmatch(r"今日：[\d.]+(?: [kM])? 个 token(?: · \$[\d.,]+)?", texts[1]), texts
        for word in ("日常 (DeepSeek)", "谨慎 (DeepSeek)", "设置…", "复制 Claude Code 配置", "连接 Claude Code…",
                     "登录时启动", "打开日志文件夹", "退出"):
            assert word in texts, texts
        # Every line is Chinese: English words left are only names (Claude Code, DeepSeek, token).
        names = {"claude", "code", "deepseek", "token"}
        for text in texts:
            assert HAN.search(text), text
            assert [w for w in re.findall(r"[A-Za-z]{3,}", text) if w.lower() not in names] == [], text

        screenshot_then_quit(SCREENSHOT, port, secret, proc, "退出")
    finally:
        up.close()
