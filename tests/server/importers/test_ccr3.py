"""claude-code-router 3 (config.sqlite) into a temp home, keys into the real keyring."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from server import config as config_mod
from server.importers import ccr3
from tests.server.importers.conftest import run_import, sha
from tests.server.importers.samples import build_ccr3, ccr3_config


def ccr3_db(home: Path, tag: str) -> Path:
    return build_ccr3(home / ".claude-code-router" / "config.sqlite", ccr3_config(tag))


def test_providers_routes_and_keys_land_where_they_should(home: Path, tag: str, store) -> None:
    db = ccr3_db(home, tag)
    before = sha(db)
    code, out, err = run_import([str(db)], home=home, store=store)
    assert code == 0, err
    assert sha(db) == before  # the source is only read
    assert sorted(p.name for p in db.parent.iterdir()) == ["config.sqlite"]  # no -wal / -shm left beside it

    config_path = home / "sb" / "switchboard.json"
    cfg = config_mod.load(config_path)
    ds, orr, gem, kimi, ollama = (f"{n}-{tag}" for n in ("DeepSeek", "OpenRouter", "Gemini", "Kimi", "Ollama"))
    assert set(cfg.providers) == {ds, orr, gem, kimi, ollama}
    assert (cfg.providers[ds].type, cfg.providers[ds].base_url) == ("openai", "https://api.deepseek.com")
    assert cfg.providers[ds].profile == "deepseek"
    assert (cfg.providers[gem].type, cfg.providers[gem].base_url) == ("gemini", "https://generativelanguage.googleapis.com")
    assert (cfg.providers[kimi].type, cfg.providers[kimi].base_url) == ("anthropic", "https://api.moonshot.ai/anthropic")
    assert cfg.providers[orr].api_key == "env:OPENROUTER_API_KEY"
    assert cfg.providers[ollama].api_key == ""
    # Keys: in the Secret Service under service "switchboard", entry = provider id.
    assert store.get(ds) == f"sk-ds-{tag}-secret"
    assert store.get(kimi) == f"sk-kimi-{tag}-secret"
    assert store.get(gem) == f"AIza-{tag}-one"
    assert store.get(ollama) is None and store.get(orr) is None
    assert cfg.providers[ds].api_key == "keyring"
    text = config_path.read_text()
    for secret in (f"sk-ds-{tag}-secret", f"sk-kimi-{tag}-secret", f"AIza-{tag}", "sk-ccr-client", f"sk-oai-{tag}"):
        assert secret not in text and secret not in out and secret not in err

    # The enabled Claude Code profile is the active route; tiers in their slots.
    everyday = cfg.routes["ccr-Everyday"]
    assert cfg.active_route == "ccr-Everyday"
    assert everyday.targets["default"] == (f"{ds}/deepseek-chat",)
    assert everyday.targets["opus"] == (f"{kimi}/kimi-k2",)
    assert everyday.targets["sonnet"] == (f"{ds}/deepseek-reasoner",)   # by CCR's provider id
    assert everyday.targets["haiku"] == (f"{ollama}/qwen3:8b",)          # smallFastModel
    assert everyday.targets["fable"] == (f"{gem}/gemini-2.5-pro",)
    assert everyday.targets["fallback"] == (f"{orr}/anthropic/claude-sonnet-4.5", f"{ollama}/qwen3:8b")
    assert cfg.routes["ccr-Work"].targets["default"] == (f"{kimi}/kimi-k2",)

    # Everything left behind, one plain line each.
    lines = out.splitlines()
    assert any(f"provider 'Codex {tag}'" in line and "Responses API" in line for line in lines)
    assert any("routing rule 'Big prompts to Gemini'" in line for line in lines)
    assert any("routing rule 'Tenant script'" in line and "script" in line for line in lines)
    assert any("transformer 'tooluse'" in line for line in lines)
    assert any("transformer 'reasoning'" in line for line in lines)
    assert any("1 more key" in line and f"Gemini {tag}" in line for line in lines)
    assert any("agent profile 'Codex CLI'" in line for line in lines)
    assert any("own access keys (1)" in line for line in lines)
    assert any(line.startswith(f"Added route 'ccr-Everyday'") for line in lines)
    assert "Traceback" not in out + err


def test_second_import_changes_nothing(home: Path, tag: str, store) -> None:
    db = ccr3_db(home, tag)
    assert run_import([str(db)], home=home, store=store)[0] == 0
    config_path = home / "sb" / "switchboard.json"
    first = config_path.read_bytes()
    mtime = config_path.stat().st_mtime_ns
    backups = sorted((home / "sb" / "backups").glob("*")) if (home / "sb" / "backups").exists() else []
    code, out, err = run_import([str(db)], home=home, store=store)
    assert code == 0, err
    assert "Nothing changed" in out and "Added" not in out and "Updated" not in out
    assert config_path.read_bytes() == first and config_path.stat().st_mtime_ns == mtime
    now = sorted((home / "sb" / "backups").glob("*")) if (home / "sb" / "backups").exists() else []
    assert now == backups


def test_source_open_in_wal_mode_by_a_writer_is_untouched(home: Path, tag: str, store) -> None:
    db = ccr3_db(home, tag)
    # claude-code-router running: a connection in WAL mode with committed
    # pages still in the -wal file, and a write transaction open.
    writer = sqlite3.connect(db, isolation_level=None)
    try:
        assert writer.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        writer.execute("PRAGMA wal_autocheckpoint = 0")
        doc = ccr3_config(tag)
        doc["Providers"][0]["models"].append("deepseek-v4")
        writer.execute("UPDATE app_config SET value_json = ? WHERE key = 'default'", (json.dumps(doc),))
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE app_config SET value_json = '{\"Providers\": []}' WHERE key = 'default'")
        before = sha(db)
        assert f"{db.name}-wal" in before
        code, out, err = run_import([str(db)], home=home, store=store)
        assert code == 0, err
        assert sha(db) == before
        cfg = config_mod.load(home / "sb" / "switchboard.json")
        # The committed snapshot (with the WAL's change), not the open transaction.
        assert "deepseek-v4" in cfg.providers[f"DeepSeek-{tag}"].models
        writer.execute("ROLLBACK")
    finally:
        writer.close()


def test_convert_is_pure_and_reads_legacy_claude_code_profile() -> None:
    doc = {"Providers": [{"name": "P", "api_base_url": "https://x.example/v1/chat/completions",
                          "api_key": "$P_KEY", "models": ["m1", "m2"]}],
           "Router": {"fallback": {"mode": "retry", "retryCount": 2}},
           "profile": {"claudeCode": {"model": "m2", "haikuModel": "P,m1", "smallFastModel": "P/m2"}}}
    src = ccr3.convert(doc)
    (p,) = src.providers
    assert (p.type, p.base_url, p.key_env, p.key) == ("openai", "https://x.example/v1", "P_KEY", None)
    (route,) = src.routes
    assert route.slots["default"] == [("P", "m2")] and route.slots["haiku"] == [("P", "m1")]
    assert route.active and "fallback" not in route.slots
    assert any("smallFastModel 'P/m2'" in str(line) for line in src.left)
    assert any("retries" in str(line) for line in src.notes)


def test_name_clashes_get_a_suffix_and_never_overwrite(home: Path, tag: str) -> None:
    from server.secrets import MemoryKeyring, SecretStore

    db = ccr3_db(home, tag)
    config_path = home / "sb" / "switchboard.json"
    config_path.parent.mkdir()
    mine = {"type": "anthropic", "base_url": "https://api.deepseek.com/anthropic", "api_key": "keyring",
            "models": ["deepseek-chat"], "name": "My DeepSeek"}
    config_path.write_text(json.dumps({"providers": {f"DeepSeek-{tag}": mine},
                                       "routes": {"ccr": {"default": f"DeepSeek-{tag}/deepseek-chat"}},
                                       "active_route": "ccr"}))
    keyring = MemoryKeyring()
    keyring.set_password("switchboard", f"DeepSeek-{tag}", "my own key")
    code, out, err = run_import([str(db), "--no-activate"], home=home, store=SecretStore(keyring, environ={}))
    assert code == 0, err
    data = json.loads(config_path.read_text())
    assert data["providers"][f"DeepSeek-{tag}"] == mine
    assert data["providers"][f"DeepSeek-{tag}-ccr"]["imported_from"] == "claude-code-router"
    assert keyring.get_password("switchboard", f"DeepSeek-{tag}") == "my own key"
    assert keyring.get_password("switchboard", f"DeepSeek-{tag}-ccr") == f"sk-ds-{tag}-secret"
    assert data["routes"]["ccr"] == {"default": f"DeepSeek-{tag}/deepseek-chat"} and data["active_route"] == "ccr"
    assert data["routes"]["ccr-Everyday"]["default"] == f"DeepSeek-{tag}-ccr/deepseek-chat"
    assert f"Added provider 'DeepSeek {tag}' as 'DeepSeek-{tag}-ccr'" in out
