"""Issue 16 §2 and §4 on the Claude Code screen, in a real Chromium against
a live Switchboard: pin a route to a project folder full of unrelated
settings, the serving port changes, unpin: the file is byte-identical.
"Open Claude Code here" starts a fake terminal on PATH (its command line and
environment are checked); with none, the page says so and copies the command."""
from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pytest

from server.project_pins import settings_file
from tests.server.settings_page.conftest import openai_provider
from tests.server.settings_page.test_settings_browser import (  # noqa: F401  (fixtures)
    CHROMIUM, expect, new_page, shot)
from tests.server.test_terminal import fake_bin, wait_for
from tests.support.live_server import ACCESS_KEY

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no Chromium")

ORIGINAL = (b'{\n  "permissions": {"allow": ["Bash(git diff:*)"]},\n  "env": {"DEBUG": "1"},\n'
            b'  "enabledPlugins": {"x@y": true},   "statusLine": {"type": "command", "command": "echo hi"}\n}\n')


@pytest.fixture
def server(make_server, upstream, upstream2):
    srv = make_server({"providers": {"one": openai_provider(upstream.url, name="First", models=["m1"]),
                                     "two": openai_provider(upstream2.url, name="Second", models=["m2"])},
                       "routes": {"r1": {"name": "Everyday", "default": "one/m1"},
                                  "r2": {"name": "Careful", "default": "two/m2"}},
                       "active_route": "r1"})
    return srv


@pytest.fixture
def project(tmp_path):
    folder = tmp_path / "shop"
    (folder / ".claude").mkdir(parents=True)
    settings_file(folder).write_bytes(ORIGINAL)
    os.chmod(settings_file(folder), 0o644)
    return folder


def test_pin_a_route_to_a_folder_follow_a_port_change_and_unpin_byte_identical(server, project, new_page):
    page = new_page(server)
    page.get_by_role("link", name="Claude Code").click()
    expect(page.get_by_role("heading", name="A route for a project")).to_be_visible()
    page.get_by_label("Project folder").fill(str(project))
    page.get_by_label("Route", exact=True).select_option(label="Careful")
    expect(page.locator("#project-route-address")).to_have_text(f"Route address: {server.url}/r/r2")
    page.get_by_role("button", name="Use this route for the folder").click()
    item = page.locator(f"li.project[data-folder='{project}']")
    expect(item).to_contain_text("Uses the route Careful.")
    shot(page, "projects")
    env = json.loads(settings_file(project).read_text())["env"]
    assert env == {"DEBUG": "1", "ANTHROPIC_BASE_URL": f"{server.url}/r/r2", "ANTHROPIC_AUTH_TOKEN": ACCESS_KEY}

    # Switchboard moves to another port: the pinned folder follows.
    server.gateway.set_serving_address("127.0.0.1", 45999)
    assert json.loads(settings_file(project).read_text())["env"]["ANTHROPIC_BASE_URL"] == \
        "http://127.0.0.1:45999/r/r2"

    page.get_by_role("button", name=f"Unpin {project}").click()
    expect(page.get_by_text("No folder is pinned to a route yet.")).to_be_visible()
    assert settings_file(project).read_bytes() == ORIGINAL
    assert stat.S_IMODE(settings_file(project).stat().st_mode) == 0o644
    assert page.js_errors == []


def test_a_new_access_key_reaches_pinned_folders(make_server, upstream, project, signed_in):
    # The key lives in the keyring here (no SWITCHBOARD_API_KEY), so it can be regenerated.
    srv = make_server({"providers": {"one": openai_provider(upstream.url)},
                       "routes": {"r1": {"default": "one/m1"}}, "active_route": "r1"},
                      environ={"SWITCHBOARD_API_KEY": ""})
    client = signed_in(srv)
    r = client.call("POST", "projects", {"folder": str(project), "route": "r1"})
    assert r.json()["ok"] is True, r.text
    old = json.loads(settings_file(project).read_text())["env"]["ANTHROPIC_AUTH_TOKEN"]
    new = client.call("POST", "access-key/regenerate").json()["access_key"]
    assert new != old
    assert json.loads(settings_file(project).read_text())["env"]["ANTHROPIC_AUTH_TOKEN"] == new
    listed = client.get("projects")["projects"]
    assert [(p["route"], p["state"]) for p in listed] == [("r1", "pinned")]
    assert client.call("POST", "projects/unpin", {"folder": str(project)}).json()["ok"] is True
    assert settings_file(project).read_bytes() == ORIGINAL
    # Refusals in plain words: an unknown route, a relative folder, an unpinned folder.
    for body, path in (({"folder": str(project), "route": "nope"}, "projects"),
                       ({"folder": "shop", "route": "r1"}, "projects"),
                       ({"folder": str(project)}, "projects/unpin")):
        r = client.call("POST", path, body)
        assert r.status_code == 200 and r.json()["ok"] is False and r.json()["detail"], r.text
    assert settings_file(project).read_bytes() == ORIGINAL


def test_open_claude_code_here_starts_a_terminal_with_the_route(server, project, new_page, tmp_path, monkeypatch):
    bindir, out = fake_bin(tmp_path, "x-terminal-emulator", "claude")
    monkeypatch.setenv("PATH", str(bindir))
    page = new_page(server)
    page.get_by_role("link", name="Claude Code").click()
    page.get_by_label("Project folder").fill(str(project))
    page.get_by_label("Route", exact=True).select_option(label="Careful")
    page.get_by_role("button", name="Open Claude Code here").click()
    expect(page.locator("#project-result")).to_contain_text("Claude Code is starting in a new x-terminal-emulator window.")
    seen = wait_for(out)
    assert seen["argv"] == ["x-terminal-emulator", "-e", "claude"]
    assert seen["cwd"] == str(project)
    assert seen["env"] == {"ANTHROPIC_BASE_URL": f"{server.url}/r/r2", "ANTHROPIC_AUTH_TOKEN": ACCESS_KEY}
    assert ACCESS_KEY not in " ".join(seen["argv"])

    # No terminal on this computer: the page says so and copies the command.
    (bindir / "x-terminal-emulator").unlink()
    out.unlink()
    page.get_by_role("button", name="Open Claude Code here").click()
    expect(page.locator("#project-result")).to_contain_text("No terminal program was found on this computer.")
    expect(page.locator("#project-copy-command")).to_be_visible()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == f"cd {project} && ANTHROPIC_BASE_URL={server.url}/r/r2 ANTHROPIC_AUTH_TOKEN={ACCESS_KEY} claude"
    assert not out.exists()
    assert shutil.which("x-terminal-emulator") is None
