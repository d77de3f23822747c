"""cc-switch (cc-switch.db) into a temp home, keys into the real keyring."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from server import config as config_mod
from server.importers import ccswitch
from tests.server.importers.conftest import run_import, sha
from tests.server.importers.samples import build_ccswitch, ccswitch_rows


def test_current_provider_failover_queue_tiers_and_keys(home: Path, tag: str, store) -> None:
    # is_current says "Claude Official"; settings.json's currentProviderClaude wins.
    db = build_ccswitch(home / ".cc-switch" / "cc-switch.db", ccswitch_rows(tag), current_override="glm-1")
    before = sha(db) | {"settings.json": (db.parent / "settings.json").read_text()}
    code, out, err = run_import([], home=home, store=store)   # found in its default place
    assert code == 0, err
    assert sha(db) | {"settings.json": (db.parent / "settings.json").read_text()} == before
    assert sorted(p.name for p in db.parent.iterdir()) == ["cc-switch.db", "settings.json"]
    assert f"Found cc-switch at {db} (4 providers)" in out

    cfg = config_mod.load(home / "sb" / "switchboard.json")
    glm, kimi, orr, gem = (f"{n}-{tag}" for n in ("Zhipu-GLM", "Kimi", "OpenRouter", "Gemini"))
    assert set(cfg.providers) == {glm, kimi, orr, gem}
    assert (cfg.providers[glm].type, cfg.providers[glm].base_url) == ("anthropic", "https://open.bigmodel.cn/api/anthropic")
    assert (cfg.providers[orr].type, cfg.providers[orr].base_url) == ("openai", "https://openrouter.ai/api/v1")
    assert cfg.providers[orr].api_key == "env:OPENROUTER_API_KEY"
    assert (cfg.providers[gem].type, cfg.providers[gem].base_url) == ("gemini", "https://generativelanguage.googleapis.com")
    assert store.get(glm) == f"glm-{tag}-secret"          # ANTHROPIC_AUTH_TOKEN
    assert store.get(kimi) == f"sk-kimi-{tag}-secret"     # ANTHROPIC_API_KEY
    assert store.get(gem) == f"AIza-{tag}-gem"

    route = cfg.routes["cc-switch"]
    assert cfg.active_route == "cc-switch"
    assert route.targets["default"] == (f"{glm}/glm-4.6",)
    assert route.targets["haiku"] == (f"{glm}/glm-4.5-air",)
    assert route.targets["opus"] == (f"{glm}/glm-4.6",)
    # The failover queue by sort_index, without the Responses provider.
    assert route.targets["fallback"] == (f"{orr}/deepseek/deepseek-chat",)

    saved = (home / "sb" / "switchboard.json").read_text()
    for secret in (f"glm-{tag}-secret", f"sk-kimi-{tag}-secret", f"AIza-{tag}-gem", f"sk-oai-{tag}-secret", "sk-codex"):
        assert secret not in saved and secret not in out and secret not in err
    assert any(f"'Responses {tag}'" in line and "Responses API" in line and "not support" in line
               for line in out.splitlines())
    assert any("'Claude Official'" in line and line.startswith("Left behind") for line in out.splitlines())
    assert "Codex thing" not in out   # app_type codex is not Claude's

    # Again: nothing changes.
    first = (home / "sb" / "switchboard.json").read_bytes()
    code, out, err = run_import([], home=home, store=store)
    assert code == 0 and "Nothing changed" in out
    assert (home / "sb" / "switchboard.json").read_bytes() == first


def test_is_current_when_the_override_names_nothing(home: Path, tag: str, store) -> None:
    rows = ccswitch_rows(tag)
    for r in rows:
        r["is_current"] = 1 if r["id"] == "kimi-1" else 0
    db = build_ccswitch(home / ".cc-switch" / "cc-switch.db", rows, current_override="deleted-one")
    code, out, err = run_import([str(db)], home=home, store=store)
    assert code == 0, err
    route = config_mod.load(home / "sb" / "switchboard.json").routes["cc-switch"]
    assert route.targets["default"] == (f"Kimi-{tag}/kimi-k2",)
    assert route.targets["opus"] == (f"Kimi-{tag}/kimi-k2-thinking",)


def test_columns_read_by_name_in_an_older_database(tmp_path: Path, tag: str) -> None:
    rows = [{k: v for k, v in r.items() if k not in ("website_url", "notes", "icon", "icon_color")}
            for r in ccswitch_rows(tag)]
    db = build_ccswitch(tmp_path / "old.db", rows, old_order=True, version=5, current_override="glm-1")
    src = ccswitch.read(db, home=tmp_path)
    assert [p.name for p in src.providers] == [f"Zhipu GLM {tag}", f"Kimi {tag}", f"OpenRouter {tag}", f"Gemini {tag}"]
    assert src.routes[0].slots["default"] == [(f"Zhipu GLM {tag}", "glm-4.6")]


def test_app_paths_json_moves_the_folder(tmp_path: Path, tag: str) -> None:
    home = tmp_path / "h"
    moved = tmp_path / "sync" / "ccs"
    moved.mkdir(parents=True)
    store_file = ccswitch.app_paths_file(home, {}, "linux")
    store_file.parent.mkdir(parents=True)
    store_file.write_text(json.dumps({"app_config_dir_override": str(moved)}))
    assert ccswitch.default_path(home, {}, "linux") == moved / "cc-switch.db"
    assert store_file == home / ".local" / "share" / "com.ccswitch.desktop" / "app_paths.json"
    store_file.write_text(json.dumps({"app_config_dir_override": str(tmp_path / "gone")}))
    assert ccswitch.default_path(home, {}, "linux") == home / ".cc-switch" / "cc-switch.db"


def test_newer_schema_is_refused_plainly(home: Path, tag: str, store) -> None:
    db = build_ccswitch(home / "new.db", ccswitch_rows(tag), version=ccswitch.SCHEMA_VERSION + 1)
    code, out, err = run_import([str(db)], home=home, store=store)
    assert code == 1
    assert "newer cc-switch" in err and "version 18" in err and "Traceback" not in err
    assert not (home / "sb" / "switchboard.json").exists()


def test_source_open_in_wal_mode_by_cc_switch(home: Path, tag: str, store) -> None:
    db = build_ccswitch(home / ".cc-switch" / "cc-switch.db", ccswitch_rows(tag), current_override="glm-1")
    writer = sqlite3.connect(db, isolation_level=None)
    try:
        writer.execute("PRAGMA wal_autocheckpoint = 0")
        writer.execute("UPDATE providers SET name = 'Renamed' WHERE id = 'kimi-1'")
        before = sha(db)
        code, out, err = run_import([str(db)], home=home, store=store)
        assert code == 0, err
        assert sha(db) == before
        assert "Added provider 'Renamed'" in out
    finally:
        writer.close()
