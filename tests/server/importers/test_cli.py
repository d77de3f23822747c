"""``switchboard import`` / ``export`` as real processes and as functions:
finding the sources, dry runs, the import-ccr alias, sharing a setup."""
from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from server import config as config_mod
from server.importers import cli, export
from server.secrets import MemoryKeyring, SecretStore
from tests.conftest import REPO
from tests.server.importers.conftest import run_import, sha
from tests.server.importers.samples import build_ccr3, build_ccswitch, ccr3_config, ccswitch_rows

CCR2_README = REPO / "tests" / "fixtures" / "ccr" / "readme-style.json5"


def run_module(args: list[str], home: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOME": str(home), "SWITCHBOARD_HOME": str(home / "sb"), "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "server", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=60)


def test_nothing_found_says_where_it_looked(home: Path) -> None:
    code, out, err = run_import([], home=home, store=SecretStore(MemoryKeyring(), environ={}))
    assert code == 1
    assert "Found nothing to import" in out
    assert str(home / ".claude-code-router" / "config.sqlite") in out
    assert str(home / ".cc-switch" / "cc-switch.db") in out


def test_dry_run_as_a_process_writes_nothing_anywhere(home: Path, tag: str, tmp_path: Path) -> None:
    db = build_ccr3(home / ".claude-code-router" / "config.sqlite", ccr3_config(tag))
    cs = build_ccswitch(home / ".cc-switch" / "cc-switch.db", ccswitch_rows(tag), current_override="glm-1")
    before = sha(db) | sha(cs)
    proc = run_module(["import", "--dry-run"], home, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert f"Found claude-code-router 3 at {db} (5 providers)" in proc.stdout
    assert f"Found cc-switch at {cs} (4 providers)" in proc.stdout
    assert f"Added provider 'DeepSeek {tag}'" in proc.stdout and "Dry run: nothing was written" in proc.stdout
    assert f"sk-ds-{tag}-secret" not in proc.stdout + proc.stderr
    assert not (home / "sb").exists()
    assert sha(db) | sha(cs) == before


def test_json_left_beside_a_v3_database_is_skipped(home: Path, tag: str) -> None:
    build_ccr3(home / ".claude-code-router" / "config.sqlite", ccr3_config(tag))
    shutil.copy(CCR2_README, home / ".claude-code-router" / "config.json")
    code, out, err = run_import(["--dry-run"], home=home, store=SecretStore(MemoryKeyring(), environ={}))
    assert code == 0, err
    assert "Skipped" in out and "config.sqlite now" in out and "claude-code-router 2" not in out


def test_import_ccr_alias_and_v2_json_through_the_new_command(home: Path, tmp_path: Path) -> None:
    ccr = home / ".claude-code-router" / "config.json"
    ccr.parent.mkdir()
    shutil.copy(CCR2_README, ccr)
    proc = run_module(["import-ccr", str(ccr), "--dry-run"], home, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "From claude-code-router 2" in proc.stdout and "Added route 'ccr'" in proc.stdout
    keyring = MemoryKeyring()
    code, out, err = run_import([str(ccr)], home=home, store=SecretStore(keyring, environ={}))
    assert code == 0, err
    assert config_mod.load(home / "sb" / "switchboard.json").active_route == "ccr"
    assert keyring.get_password("switchboard", "deepseek")


def test_export_has_no_key_and_importing_it_names_the_missing_ones(home: Path, tag: str, tmp_path: Path) -> None:
    db = build_ccr3(home / ".claude-code-router" / "config.sqlite", ccr3_config(tag))
    keyring = MemoryKeyring()
    assert run_import([str(db)], home=home, store=SecretStore(keyring, environ={}))[0] == 0
    config_path = home / "sb" / "switchboard.json"
    data = json.loads(config_path.read_text())
    data["providers"][f"Kimi-{tag}"]["headers"] = {"Authorization": "Bearer hdr-secret", "X-Title": "me"}
    data["network"] = {"proxy": "http://proxy.corp.example:3128", "timeouts": {"connect": 5}}
    config_path.write_text(json.dumps(data))

    shared = tmp_path / "setup.json"
    proc = run_module(["export", "--out", str(shared)], home, tmp_path)
    assert proc.returncode == 0, proc.stderr
    text = shared.read_text()
    for secret in (f"sk-ds-{tag}-secret", f"sk-kimi-{tag}-secret", f"AIza-{tag}", "hdr-secret"):
        assert secret not in text
    doc = json.loads(text)
    assert doc["format"] == export.FORMAT
    assert doc["providers"][f"DeepSeek-{tag}"]["needs_key"] is True
    assert doc["providers"][f"OpenRouter-{tag}"]["api_key"] == "env:OPENROUTER_API_KEY"
    assert doc["providers"][f"Kimi-{tag}"]["headers"] == {"X-Title": "me"}
    assert "Authorization" in proc.stderr and "Keys left out" in proc.stderr

    # Printed when no --out is given.
    out = io.StringIO()
    assert cli.export_main(["--config", str(config_path)], environ={}, out=out, err=io.StringIO()) == 0
    assert json.loads(out.getvalue()) == doc

    other = tmp_path / "other-home"
    other.mkdir()
    keyring2 = MemoryKeyring()
    code, out2, err2 = run_import([str(shared)], home=other, store=SecretStore(keyring2, environ={}))
    assert code == 0, err2
    assert f"Needs a key: provider 'DeepSeek-{tag}'" in out2
    # The setup's env:OPENROUTER_API_KEY is not taken: someone else's setup
    # never chooses which of this computer's variables goes where.
    assert f"Needs a key: provider 'OpenRouter-{tag}'" in out2
    assert "reads its key from the variable OPENROUTER_API_KEY" in out2
    cfg = config_mod.load(other / "sb" / "switchboard.json")
    assert cfg.providers[f"DeepSeek-{tag}"].api_key == "keyring" and keyring2._data == {}
    assert cfg.providers[f"OpenRouter-{tag}"].api_key == "keyring"
    assert cfg.routes["ccr-Everyday"].targets["fallback"] == (f"OpenRouter-{tag}/anthropic/claude-sonnet-4.5",
                                                              f"Ollama-{tag}/qwen3:8b")
    assert cfg.active_route == "ccr-Everyday"
    assert cfg.raw["network"] == data["network"]     # network settings travel too
    # The same setup again: nothing changes.
    code, out3, _ = run_import([str(shared)], home=other, store=SecretStore(keyring2, environ={}))
    assert code == 0 and "Nothing changed" in out3
