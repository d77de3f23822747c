"""Issue 16 in the tray: a "Sessions" submenu that moves one Claude Code
session to another route (the others untouched), Claude Code opened in a
pinned folder, and the page's Claude Code screen for pinning a folder (a
tray has no folder chooser)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import anthropic
import pytest

from server.project_pins import settings_file
from tests.support.dispatch import completion
from tests.support.fake_upstream import json_script
from tests.support.live_server import ACCESS_KEY
from tray import menu
from tray.actions import Actions, Deps
from tray.icon import describe, load_pystray, render_menu
from tray.menu import Caps
from tray.state import AppState, collect

SESSION_A = "aaaaaaaa-0000-4000-8000-00000000000a"
SESSION_B = "bbbbbbbb-0000-4000-8000-00000000000b"


@pytest.fixture
def server(make_server, upstream, tmp_path):
    from tests.support.fake_upstream import FakeUpstream

    second = FakeUpstream()
    upstream.default = json_script(completion("from one"))
    second.default = json_script(completion("from two"))
    srv = make_server({"providers": {
        "one": {"type": "openai", "base_url": upstream.url + "/v1", "api_key": "k-one-0123456789", "name": "One"},
        "two": {"type": "openai", "base_url": second.url + "/v1", "api_key": "k-two-0123456789", "name": "Two"}},
        "routes": {"r1": {"name": "Everyday", "default": "one/m"}, "r2": {"name": "Careful", "default": "two/m"}},
        "active_route": "r1"})
    yield srv
    second.close()


def ask(srv, session: str, cwd: str) -> str:
    client = anthropic.Anthropic(base_url=srv.url, api_key=ACCESS_KEY, max_retries=0,
                                 default_headers={"x-claude-code-session-id": session})
    msg = client.messages.create(model="claude-sonnet-5", max_tokens=5, messages=[{"role": "user", "content": "hi"}],
                                 system=f"Working directory: {cwd}")
    return msg.content[0].text


def deps_for(srv, notes: list[str], copied: list[str], opened: list[tuple]) -> Deps:
    return Deps(gateway=lambda: srv.gateway, port=lambda: srv.port,
                login_page=lambda port, screen="": opened.append(("login", port, screen)) or f"file:///x#{screen}",
                proves_instance=lambda port: True, open_url=lambda u: opened.append(("url", u)) or True,
                open_folder=lambda p: True, copy_text=lambda t: copied.append(t) or True,
                notify=lambda title, msg: notes.append(msg), autostart=None, log_dir=Path("."),
                use_port=lambda p: None, quit=lambda: None, refresh=lambda: None)


def submenu(entries, text):
    return next(e for e in entries if e.kind == "submenu" and e.text == text)


def test_the_sessions_submenu_moves_only_that_session(server):
    assert ask(server, SESSION_A, "/work/shop") == "from one"
    assert ask(server, SESSION_B, "/work/blog") == "from one"
    state = collect(server.gateway, AppState(phase="running"))
    entries = menu.build(state, Caps())
    sessions = submenu(entries, "Sessions")
    labels = [s.text for s in sessions.children]
    assert labels == ["blog · Everyday", "shop · Everyday"]  # most recent first
    shop = submenu(sessions.children, "shop · Everyday")
    choices = [(c.text, c.checked, c.radio) for c in shop.children]
    assert choices == [("Its address or the active route", True, True), ("Everyday (One)", False, True),
                       ("Careful (Two)", False, True)]
    move_to_careful = next(c for c in shop.children if c.text == "Careful (Two)")

    notes: list[str] = []
    Actions(deps_for(server, notes, [], [])).run(move_to_careful.action, move_to_careful.arg)
    assert notes == ["That Claude Code session now uses Careful from its next request"]
    assert ask(server, SESSION_A, "/work/shop") == "from two"
    assert ask(server, SESSION_B, "/work/blog") == "from one"
    state = collect(server.gateway, AppState(phase="running"))
    shop = submenu(submenu(menu.build(state, Caps()), "Sessions").children, "shop · Careful")
    assert [c.checked for c in shop.children] == [False, False, True]


def test_the_submenus_render_in_pystray(server, monkeypatch):
    monkeypatch.setenv("PYSTRAY_BACKEND", "dummy")
    pystray, _ = load_pystray()
    ask(server, SESSION_A, "/work/shop")
    calls: list = []
    rendered = render_menu(pystray, menu.build(collect(server.gateway, AppState(phase="running")), Caps()),
                           lambda action, arg: calls.append((action, arg)))
    data = describe(rendered)
    sessions = next(d for d in data if d.get("text") == "Sessions")
    [shop] = sessions["children"]
    assert shop["text"] == "shop · Everyday"
    assert [c["text"] for c in shop["children"]] == ["Its address or the active route", "Everyday (One)",
                                                     "Careful (Two)"]
    item = next(i for i in rendered.items if i.text == "Sessions").submenu.items[0].submenu.items[2]
    item(None)
    assert calls == [(menu.MOVE_SESSION, (SESSION_A, "r2"))]


def test_use_a_route_for_a_project_opens_the_claude_code_screen(server):
    entries = menu.build(collect(server.gateway, AppState(phase="running")), Caps())
    item = next(e for e in entries if e.text == "Use a route for a project…")
    opened: list[tuple] = []
    Actions(deps_for(server, [], [], opened)).run(item.action, item.arg)
    assert opened == [("login", server.port, "claude"), ("url", "file:///x#claude")]
    assert next(e for e in entries if e.text == "Open Claude Code with a route…").action == menu.PROJECTS


def test_open_claude_code_in_a_pinned_folder(server, tmp_path, monkeypatch):
    folder = tmp_path / "shop"
    folder.mkdir()
    server.gateway.pin_project(str(folder), "r2")
    bindir, out = tmp_path / "bin", tmp_path / "terminal.json"
    bindir.mkdir()
    for name in ("gnome-terminal", "claude"):
        (bindir / name).write_text(f"#!{sys.executable}\nimport json, os, sys\n"
                                   f"json.dump({{'argv': sys.argv[1:], 'cwd': os.getcwd(), "
                                   f"'url': os.environ.get('ANTHROPIC_BASE_URL'), "
                                   f"'key': os.environ.get('ANTHROPIC_AUTH_TOKEN')}}, open({str(out)!r}, 'w'))\n")
        (bindir / name).chmod(0o755)
    monkeypatch.setenv("PATH", str(bindir))
    entries = menu.build(collect(server.gateway, AppState(phase="running")), Caps())
    projects = submenu(entries, "Open Claude Code with a route")
    item = projects.children[0]
    assert item.text == "shop (Careful)"
    Actions(deps_for(server, [], [], [])).run(item.action, item.arg)
    import time
    for _ in range(200):
        if out.exists() and out.stat().st_size:
            break
        time.sleep(0.05)
    seen = json.loads(out.read_text())
    assert seen["argv"] == [f"--working-directory={folder}", "--", "claude"]
    assert (seen["cwd"], seen["url"], seen["key"]) == (str(folder), f"{server.url}/r/r2", ACCESS_KEY)
    # No terminal: the command is copied and the notification says so.
    (bindir / "gnome-terminal").unlink()
    notes: list[str] = []
    copied: list[str] = []
    Actions(deps_for(server, notes, copied, [])).run(item.action, item.arg)
    assert copied and copied[0].endswith("claude") and f"{server.url}/r/r2" in copied[0]
    assert notes[0].startswith("No terminal program was found")
    assert json.loads(settings_file(folder).read_text())["env"]["ANTHROPIC_BASE_URL"] == f"{server.url}/r/r2"
