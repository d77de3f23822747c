"""Sample databases of claude-code-router 3 and cc-switch, built from the
CREATE TABLE statements their sources write (written out here by hand:
claude-code-router packages/core/src/config/config-repository.ts
createSchema(); cc-switch src-tauri/src/database/schema.rs, schema 17).

Keys are made up per test (``tag``) so runs against one real keyring never
meet; the tests look for them in outputs and files to prove they are not
there.
"""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

CCR3_SCHEMA = """
CREATE TABLE IF NOT EXISTS app_config (
  key TEXT PRIMARY KEY,
  value_json TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS api_keys (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL DEFAULT '',
  encrypted_key TEXT NOT NULL,
  encryption TEXT NOT NULL DEFAULT 'plain',
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL DEFAULT '',
  limits_json TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS api_keys_created_at_idx ON api_keys(created_at);
CREATE TABLE IF NOT EXISTS config_schema_migrations (
  id TEXT PRIMARY KEY,
  applied_at TEXT NOT NULL,
  details_json TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS runtime_state (
  key TEXT PRIMARY KEY,
  value_json TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS legacy_storage_backups (
  id TEXT PRIMARY KEY,
  source_path TEXT NOT NULL,
  source_kind TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  content BLOB NOT NULL,
  archived_at TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS legacy_storage_backups_content_idx
ON legacy_storage_backups(source_kind, source_path, sha256);
CREATE TABLE IF NOT EXISTS legacy_storage_cleanup (
  source_path TEXT PRIMARY KEY,
  source_kind TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  queued_at TEXT NOT NULL
);
"""

CCSWITCH_PROVIDERS = """
CREATE TABLE IF NOT EXISTS providers (
    id TEXT NOT NULL,
    app_type TEXT NOT NULL,
    name TEXT NOT NULL,
    settings_config TEXT NOT NULL,
    website_url TEXT,
    category TEXT,
    created_at INTEGER,
    sort_index INTEGER,
    notes TEXT,
    icon TEXT,
    icon_color TEXT,
    meta TEXT NOT NULL DEFAULT '{}',
    is_current BOOLEAN NOT NULL DEFAULT 0,
    in_failover_queue BOOLEAN NOT NULL DEFAULT 0,
    PRIMARY KEY (id, app_type)
)"""
# An older database: the same columns, added over time in another order.
CCSWITCH_PROVIDERS_OLD_ORDER = """
CREATE TABLE providers (
    id TEXT NOT NULL,
    app_type TEXT NOT NULL,
    settings_config TEXT NOT NULL,
    name TEXT NOT NULL,
    is_current BOOLEAN NOT NULL DEFAULT 0,
    meta TEXT NOT NULL DEFAULT '{}',
    sort_index INTEGER,
    in_failover_queue BOOLEAN NOT NULL DEFAULT 0,
    created_at INTEGER,
    PRIMARY KEY (id, app_type)
)"""
CCSWITCH_OTHER = [
    """CREATE TABLE IF NOT EXISTS provider_endpoints (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        provider_id TEXT NOT NULL,
        app_type TEXT NOT NULL,
        url TEXT NOT NULL,
        added_at INTEGER,
        FOREIGN KEY (provider_id, app_type) REFERENCES providers(id, app_type) ON DELETE CASCADE
    )""",
    "CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT)",
]


def ccr3_config(tag: str) -> dict[str, Any]:
    """A claude-code-router 3 configuration with profiles, rules and a fallback chain."""
    return {
        "HOST": "127.0.0.1", "PORT": 3456,
        "Providers": [
            {"id": "deepseek", "name": f"DeepSeek {tag}", "api_base_url": "https://api.deepseek.com",
             "type": "openai_chat_completions", "api_key": f"sk-ds-{tag}-secret",
             "models": ["deepseek-chat", "deepseek-reasoner"],
             "transformer": {"use": ["deepseek", "tooluse"], "deepseek-reasoner": {"use": ["reasoning"]}}},
            {"name": f"OpenRouter {tag}", "api_base_url": "https://openrouter.ai/api/v1",
             "type": "openai_chat_completions", "api_key": "${OPENROUTER_API_KEY}",
             "models": ["anthropic/claude-sonnet-4.5"]},
            {"name": f"Gemini {tag}", "api_base_url": "https://generativelanguage.googleapis.com/v1beta/models/",
             "type": "gemini_generate_content", "models": ["gemini-2.5-pro"],
             "credentials": [{"name": "main", "api_key": f"AIza-{tag}-one"},
                             {"name": "spare", "api_key": f"AIza-{tag}-two"}]},
            {"name": f"Kimi {tag}", "api_base_url": "https://api.moonshot.ai/anthropic/v1/messages",
             "type": "anthropic_messages", "api_key": f"sk-kimi-{tag}-secret", "models": ["kimi-k2"]},
            {"name": f"Codex {tag}", "api_base_url": "https://api.openai.com/v1", "type": "openai_responses",
             "api_key": f"sk-oai-{tag}-secret", "models": ["gpt-5"]},
            {"name": f"Ollama {tag}", "api_base_url": "http://127.0.0.1:11434/v1",
             "type": "openai_chat_completions", "api_key": "", "models": ["qwen3:8b"]},
        ],
        "Router": {
            "builtInRules": {"claude-code": {"enabled": True}, "codex": {"enabled": True}},
            "rules": [{"id": "rule-1", "name": "Big prompts to Gemini", "type": "condition", "enabled": True,
                       "condition": {"left": "request.body.model", "operator": "contains", "right": "opus"},
                       "target": f"Gemini {tag}/gemini-2.5-pro"},
                      {"id": "rule-2", "name": "Tenant script", "type": "script", "enabled": True,
                       "script": {"file": "/home/u/route.js"}}],
            "fallback": {"mode": "model-chain", "retryCount": 1,
                         "models": [f"OpenRouter {tag}/anthropic/claude-sonnet-4.5", f"Ollama {tag},qwen3:8b"]},
        },
        "profile": {"enabled": True, "profiles": [
            {"agent": "claude-code", "id": "p1", "name": "Everyday", "enabled": True,
             "model": f"DeepSeek {tag}/deepseek-chat", "opusModel": f"kimi {tag}/kimi-k2",
             "sonnetModel": "deepseek/deepseek-reasoner", "haikuModel": "",
             "smallFastModel": f"Ollama {tag}/qwen3:8b", "fableModel": f"Gemini {tag}/gemini-2.5-pro"},
            {"agent": "claude-code", "id": "p2", "name": "Work", "enabled": False,
             "model": f"Kimi {tag}/kimi-k2", "opusModel": f"Codex {tag}/gpt-5"},
            {"agent": "codex", "id": "p3", "name": "Codex CLI", "model": f"Codex {tag}/gpt-5"},
        ]},
    }


def build_ccr3(path: Path, doc: dict[str, Any] | None, *, client_key: str = "sk-ccr-client") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.executescript(CCR3_SCHEMA)
    now = "2026-12-01T10:00:00.000Z"
    if doc is not None:
        conn.execute("INSERT INTO app_config (key, value_json, updated_at) VALUES ('default', ?, ?)",
                     (json.dumps(doc), now))
    conn.execute("INSERT INTO app_config (key, value_json, updated_at) VALUES ('onboardingFinishedAt', ?, ?)",
                 (json.dumps(now), now))
    conn.execute("INSERT INTO api_keys (id, name, encrypted_key, encryption, created_at) "
                 "VALUES ('key-1', 'API Key 1', ?, 'plain', ?)", (client_key, now))
    conn.execute("INSERT INTO config_schema_migrations (id, applied_at) VALUES ('unified-config-store-v1', ?)", (now,))
    conn.commit()
    conn.close()
    return path


def ccswitch_rows(tag: str) -> list[dict[str, Any]]:
    """Claude providers: a current one, a failover queue, a Responses one, a Claude login."""
    def cfg(env: dict[str, str]) -> str:
        return json.dumps({"env": env})
    return [
        {"id": "official", "name": "Claude Official", "settings_config": cfg({}), "sort_index": 0,
         "meta": "{}", "is_current": 1, "in_failover_queue": 0},
        {"id": "glm-1", "name": f"Zhipu GLM {tag}", "sort_index": 1, "is_current": 0, "in_failover_queue": 1,
         "settings_config": cfg({"ANTHROPIC_BASE_URL": "https://open.bigmodel.cn/api/anthropic",
                                 "ANTHROPIC_AUTH_TOKEN": f"glm-{tag}-secret", "ANTHROPIC_MODEL": "glm-4.6",
                                 "ANTHROPIC_DEFAULT_HAIKU_MODEL": "glm-4.5-air",
                                 "ANTHROPIC_DEFAULT_SONNET_MODEL": "glm-4.6",
                                 "ANTHROPIC_DEFAULT_OPUS_MODEL": "glm-4.6",
                                 "API_TIMEOUT_MS": "3000000"}),
         "meta": json.dumps({"apiFormat": "anthropic"})},
        {"id": "kimi-1", "name": f"Kimi {tag}", "sort_index": 2, "is_current": 0, "in_failover_queue": 0,
         "settings_config": cfg({"ANTHROPIC_BASE_URL": "https://api.moonshot.ai/anthropic",
                                 "ANTHROPIC_API_KEY": f"sk-kimi-{tag}-secret", "ANTHROPIC_MODEL": "kimi-k2",
                                 "ANTHROPIC_DEFAULT_OPUS_MODEL": "kimi-k2-thinking"}),
         "meta": json.dumps({"apiFormat": "anthropic"})},
        {"id": "or-1", "name": f"OpenRouter {tag}", "sort_index": 4, "is_current": 0, "in_failover_queue": 1,
         "settings_config": cfg({"ANTHROPIC_BASE_URL": "https://openrouter.ai/api",
                                 "ANTHROPIC_AUTH_TOKEN": "${OPENROUTER_API_KEY}",
                                 "ANTHROPIC_MODEL": "deepseek/deepseek-chat"}),
         "meta": json.dumps({"apiFormat": "openai_chat"})},
        {"id": "resp-1", "name": f"Responses {tag}", "sort_index": 3, "is_current": 0, "in_failover_queue": 1,
         "settings_config": cfg({"ANTHROPIC_BASE_URL": "https://api.openai.com",
                                 "ANTHROPIC_AUTH_TOKEN": f"sk-oai-{tag}-secret", "ANTHROPIC_MODEL": "gpt-5"}),
         "meta": json.dumps({"apiFormat": "openai_responses"})},
        {"id": "gem-1", "name": f"Gemini {tag}", "sort_index": 5, "is_current": 0, "in_failover_queue": 0,
         "settings_config": cfg({"ANTHROPIC_BASE_URL": "https://generativelanguage.googleapis.com",
                                 "ANTHROPIC_API_KEY": f"AIza-{tag}-gem", "ANTHROPIC_MODEL": "gemini-2.5-pro"}),
         "meta": json.dumps({"apiFormat": "gemini_native"})},
        {"id": "cx-1", "name": "Codex thing", "app_type": "codex", "sort_index": 0, "is_current": 1,
         "in_failover_queue": 0, "settings_config": json.dumps({"auth": {"OPENAI_API_KEY": "sk-codex"}}),
         "meta": "{}"},
    ]


def build_ccswitch(path: Path, rows: list[dict[str, Any]], *, old_order: bool = False, version: int = 17,
                   current_override: str | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(CCSWITCH_PROVIDERS_OLD_ORDER if old_order else CCSWITCH_PROVIDERS)
    for stmt in CCSWITCH_OTHER:
        conn.execute(stmt)
    for row in rows:
        row = {"app_type": "claude", "created_at": 1_764_000_000, **row}
        names = ", ".join(row)
        conn.execute(f"INSERT INTO providers ({names}) VALUES ({', '.join('?' * len(row))})", list(row.values()))
    conn.execute(f"PRAGMA user_version = {int(version)}")
    conn.commit()
    conn.close()
    if current_override is not None:
        (path.parent / "settings.json").write_text(json.dumps({"currentProviderClaude": current_override,
                                                               "language": "en"}))
    return path


def damage(db: Path) -> None:
    """Overwrite an SQLite file past its header: the header survives, the
    schema page does not."""
    data = bytearray(db.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)
    db.write_bytes(bytes(data))
