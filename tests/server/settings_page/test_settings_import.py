"""Issue 17 on the settings page: the first-run offer to bring in
claude-code-router / cc-switch settings (in Chromium), Export setup, and
importing a shared setup that asks for the missing keys."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.server.importers.conftest import sha
from tests.server.importers.samples import build_ccr3, build_ccswitch, ccr3_config, ccswitch_rows, damage
from tests.server.settings_page.test_settings_browser import (  # noqa: F401  (fixtures)
    CHROMIUM, expect, new_page, shot)

TAG = "ui17"


def peer_home(tmp_path: Path) -> tuple[Path, Path, Path]:
    home = tmp_path / "peer-home"
    db = build_ccr3(home / ".claude-code-router" / "config.sqlite", ccr3_config(TAG))
    cs = build_ccswitch(home / ".cc-switch" / "cc-switch.db", ccswitch_rows(TAG), current_override="glm-1")
    return home, db, cs


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no Chromium")
def test_first_run_offers_to_bring_in_the_found_settings(make_server, new_page, tmp_path: Path) -> None:
    home, db, cs = peer_home(tmp_path)
    before = sha(db) | sha(cs)
    server = make_server({})
    server.app.config["IMPORT_HOME"] = str(home)
    page = new_page(server)
    offer = page.locator("#import-offer")
    expect(offer).to_contain_text("We found your claude-code-router / cc-switch settings: bring in 9 providers?")
    shot(page, "import-offer")
    page.get_by_role("button", name="Bring in 9 providers").click()
    expect(page.get_by_role("heading", name="Brought in")).to_be_visible()
    report = page.locator(".import-report")
    expect(report).to_contain_text(f"Added provider 'DeepSeek {TAG}'")
    expect(report).to_contain_text(f"Left behind: provider 'Responses {TAG}': it uses the OpenAI Responses API")
    expect(report).to_contain_text("Left behind: routing rule 'Big prompts to Gemini'")
    # What came in reads first; what was left behind is folded under a count, each under its app.
    responses = report.locator("li", has_text=f"Left behind: provider 'Responses {TAG}'")
    expect(responses).to_be_hidden()
    left = report.locator(".import-left > ul > li:not(.from)")
    summary = report.locator(".import-left summary")
    expect(summary).to_have_text(f"{left.count()} things were left behind: see why")
    assert left.count() > 5
    assert report.locator(".import-left li.from").all_text_contents()[0].startswith("From claude-code-router 3 (")
    assert not [x for x in report.locator(":scope > ul > li").all_inner_texts() if x.startswith("Left behind")]
    shot(page, "import-done")
    summary.click()
    expect(responses).to_be_visible()
    shot(page, "import-done-left")
    data = json.loads(server.settings.config_path.read_text())
    assert f"DeepSeek-{TAG}" in data["providers"] and f"Zhipu-GLM-{TAG}" in data["providers"]
    assert data["active_route"] == "ccr-Everyday"
    assert server.secrets.get(f"DeepSeek-{TAG}") == f"sk-ds-{TAG}-secret"
    html = page.content() + server.settings.config_path.read_text()
    assert f"sk-ds-{TAG}-secret" not in html and f"glm-{TAG}-secret" not in html
    assert sha(db) | sha(cs) == before
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".steps li[aria-current=step]")).to_have_text("Connect Claude Code")
    assert not page.js_errors


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no Chromium")
def test_no_offer_when_nothing_is_found_and_no_thanks_hides_it(make_server, new_page, tmp_path: Path) -> None:
    server = make_server({})
    server.app.config["IMPORT_HOME"] = str(tmp_path / "empty-home")
    page = new_page(server)
    expect(page.get_by_role("button", name="Continue")).to_be_visible()
    page.wait_for_timeout(300)
    assert page.locator("#import-offer").count() == 0

    home, _, _ = peer_home(tmp_path)
    server2 = make_server({})
    server2.app.config["IMPORT_HOME"] = str(home)
    page2 = new_page(server2)
    page2.get_by_role("button", name="No, thanks").click()
    expect(page2.locator("#import-offer")).to_have_count(0)
    assert not server2.settings.config_path.exists()


def test_api_import_again_changes_nothing_and_export_has_no_key(make_server, signed_in, tmp_path: Path) -> None:
    home, _, _ = peer_home(tmp_path)
    server = make_server({})
    server.app.config["IMPORT_HOME"] = str(home)
    client = signed_in(server)
    found = client.get("import")
    assert found["providers"] == 9 and [s["kind"] for s in found["sources"]] == ["claude-code-router 3", "cc-switch"]
    r = client.call("POST", "import", {})
    assert r.status_code == 200, r.text
    assert r.json()["changed"] is True
    first = server.settings.config_path.read_bytes()
    r = client.call("POST", "import", {})
    assert r.status_code == 200 and r.json()["changed"] is False
    assert server.settings.config_path.read_bytes() == first

    setup = client.get("export")["setup"]
    text = json.dumps(setup)
    assert f"sk-ds-{TAG}" not in text and f"glm-{TAG}" not in text and "keyring" not in text
    assert setup["providers"][f"DeepSeek-{TAG}"]["needs_key"] is True

    # A fresh Switchboard takes the shared setup and names the keys to add.
    other = make_server({})
    c2 = signed_in(other)
    r = c2.call("POST", "import", {"setup": setup})
    assert r.status_code == 200, r.text
    # Its env:OPENROUTER_API_KEY is not taken either: a shared setup never
    # chooses which of this computer's variables goes where.
    assert f"DeepSeek-{TAG}" in r.json()["needs_keys"] and f"OpenRouter-{TAG}" in r.json()["needs_keys"]
    state = c2.get("state")
    by_id = {p["id"]: p for p in state["providers"]}
    assert by_id[f"DeepSeek-{TAG}"]["key"].get("set") is not True

    r = c2.call("POST", "import", {"setup": {"providers": {}}})
    assert r.status_code == 422 and "not a Switchboard setup" in r.text


def test_api_import_of_a_damaged_database_is_a_plain_error(make_server, signed_in, tmp_path: Path) -> None:
    home = tmp_path / "h"
    db = build_ccr3(home / ".claude-code-router" / "config.sqlite", ccr3_config(TAG))
    damage(db)
    server = make_server({})
    server.app.config["IMPORT_HOME"] = str(home)
    client = signed_in(server)
    r = client.call("POST", "import", {})
    assert r.status_code == 422
    body = r.json()
    assert body["type"] == "error" and "damaged" in body["error"]["message"]
    assert not server.settings.config_path.exists()


def test_api_brings_in_what_reads_and_names_the_damaged_one(make_server, signed_in, tmp_path: Path) -> None:
    home, db, _ = peer_home(tmp_path)
    damage(db)
    server = make_server({})
    server.app.config["IMPORT_HOME"] = str(home)
    client = signed_in(server)
    found = client.get("import")
    assert found["providers"] == 4 and len(found["problems"]) == 1 and "damaged" in found["problems"][0]
    r = client.call("POST", "import", {})
    assert r.status_code == 200, r.text
    lines = r.json()["lines"]
    assert lines[0].startswith("Left behind: ") and "damaged" in lines[0]
    assert set(json.loads(server.settings.config_path.read_text())["providers"]) == {
        f"Zhipu-GLM-{TAG}", f"Kimi-{TAG}", f"OpenRouter-{TAG}", f"Gemini-{TAG}"}


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no Chromium")
def test_import_setup_asks_for_the_missing_key(make_server, new_page, tmp_path: Path) -> None:
    setup = {"format": "switchboard-setup", "version": 1,
             "providers": {"lab": {"type": "openai", "base_url": "https://lab.example/v1", "api_key": "",
                                   "needs_key": True, "name": "Lab", "models": ["m1"]}},
             "routes": {"main": {"name": "Main", "default": "lab/m1"}}, "active_route": "main"}
    shared = tmp_path / "setup.json"
    shared.write_text(json.dumps(setup))
    server = make_server({"providers": {"other": {"type": "openai", "base_url": "https://o.example/v1",
                                                  "api_key": "", "models": ["x"]}},
                          "routes": {"r": {"default": "other/x"}}, "active_route": "r"})
    page = new_page(server)
    expect(page.get_by_role("heading", name="Providers", exact=True)).to_be_visible()
    page.locator("#import-setup-file").set_input_files(str(shared))
    expect(page.get_by_text("Setup imported. Add the keys of: Lab")).to_be_visible()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#provider-name")).to_have_value("Lab")
    expect(dialog.locator("#provider-key")).to_be_visible()
    data = json.loads(server.settings.config_path.read_text())
    assert data["providers"]["lab"]["api_key"] == "keyring" and data["active_route"] == "r"
    assert data["routes"]["main"]["default"] == "lab/m1"   # added, not made active behind the user's back
    with page.expect_download() as info:
        page.keyboard.press("Escape")
        page.get_by_role("button", name="Export setup").click()
    exported = json.loads(Path(info.value.path()).read_text())
    assert exported["format"] == "switchboard-setup" and exported["providers"]["lab"]["needs_key"] is True
    assert not page.js_errors
