"""Damaged, locked, foreign and newer databases; a keyring that fails
half-way: a plain message and nothing imported."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from server.importers import plan as plan_mod
from server.importers.model import ImportFailed
from server.secrets import KeyringUnavailable, MemoryKeyring, SecretStore
from tests.server.importers.conftest import run_import, sha
from tests.server.importers.samples import build_ccr3, build_ccswitch, ccr3_config, ccswitch_rows, damage


def assert_refused(code: int, out: str, err: str, home: Path, *words: str) -> None:
    assert code == 1
    assert "Traceback" not in out + err and "sqlite3." not in err
    for w in words:
        assert w in err
    assert not (home / "sb" / "switchboard.json").exists()


def test_corrupt_database(home: Path, tag: str) -> None:
    db = build_ccr3(home / "config.sqlite", ccr3_config(tag))
    damage(db)
    before = sha(db)
    code, out, err = run_import([str(db)], home=home, store=SecretStore(MemoryKeyring(), environ={}))
    assert_refused(code, out, err, home, "damaged", str(db), "nothing was imported")
    assert sha(db) == before


def test_garbage_that_is_no_database_at_all(home: Path) -> None:
    bad = home / "cc-switch.db"
    bad.write_bytes(b"\x00\x01\x02\xfe\xff" * 400)
    code, out, err = run_import([str(bad)], home=home, store=SecretStore(MemoryKeyring(), environ={}))
    assert_refused(code, out, err, home, "may be damaged")


def test_locked_database(home: Path, tag: str) -> None:
    db = build_ccswitch(home / "cc-switch.db", ccswitch_rows(tag), current_override="glm-1")
    holder = sqlite3.connect(db, isolation_level=None)
    try:
        holder.execute("PRAGMA journal_mode = DELETE")
        holder.execute("PRAGMA locking_mode = EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        holder.execute("UPDATE providers SET name = 'x'")
        code, out, err = run_import([str(db)], home=home, store=SecretStore(MemoryKeyring(), environ={}))
        assert_refused(code, out, err, home, "is locked by another program", "Try again")
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_a_database_of_something_else(home: Path) -> None:
    db = home / "other.sqlite"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    conn.commit()
    conn.close()
    code, out, err = run_import([str(db)], home=home, store=SecretStore(MemoryKeyring(), environ={}))
    assert_refused(code, out, err, home, "not one of claude-code-router 3 or cc-switch")


def test_empty_claude_code_router_database(home: Path) -> None:
    db = build_ccr3(home / "config.sqlite", None)
    code, out, err = run_import([str(db)], home=home, store=SecretStore(MemoryKeyring(), environ={}))
    assert_refused(code, out, err, home, "holds no claude-code-router settings")


class FailingAfter(MemoryKeyring):
    """A keyring that stops working after ``n`` writes."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.n = n

    def set_password(self, service: str, username: str, password: str) -> None:
        if self.n <= 0:
            raise RuntimeError("locked")
        self.n -= 1
        super().set_password(service, username, password)


def test_keyring_failing_half_way_leaves_nothing(home: Path, tag: str) -> None:
    db = build_ccr3(home / "config.sqlite", ccr3_config(tag))
    keyring = FailingAfter(1)
    keyring.set_password("switchboard", f"Kimi-{tag}", "an older key")   # uses the one allowed write
    keyring.n = 1
    code, out, err = run_import([str(db)], home=home, store=SecretStore(keyring, environ={}))
    assert code == 1 and "nothing was imported" in err and "keyring" in err
    assert not (home / "sb" / "switchboard.json").exists()
    assert keyring._data == {("switchboard", f"Kimi-{tag}"): "an older key"}   # the first write undone


def test_save_failing_puts_the_keys_back() -> None:
    keyring = MemoryKeyring()
    keyring.set_password("switchboard", "p", "old")
    store = SecretStore(keyring, environ={})
    plan = plan_mod.Plan(config={"providers": {}, "routes": {}, "active_route": None}, keys={"p": "new", "q": "fresh"})

    def save(_: dict) -> None:
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        plan_mod.apply(plan, existing={}, secrets=store, save=save)
    assert keyring._data == {("switchboard", "p"): "old"}


def test_unreachable_keyring_is_a_plain_error() -> None:
    class Broken(MemoryKeyring):
        def get_password(self, service: str, username: str) -> str | None:
            raise RuntimeError("no backend")

    plan = plan_mod.Plan(config={"providers": {}, "routes": {}}, keys={"p": "SECRET-VALUE"})
    with pytest.raises(ImportFailed, match="nothing was imported") as info:
        plan_mod.apply(plan, existing={}, secrets=SecretStore(Broken(), environ={}), save=lambda d: None)
    assert "'p'" in str(info.value) and "SECRET-VALUE" not in str(info.value)
    assert not isinstance(info.value, KeyringUnavailable)


def test_a_write_during_an_immutable_read_is_read_again(home: Path, tag: str, monkeypatch) -> None:
    """cc-switch writes with a rollback journal that exists only while it
    writes: a write that comes and goes during the lock-free read is seen
    (the file changed) and the read is done again, the locking way."""
    from server.importers import ccswitch, sqlite_ro

    db = build_ccswitch(home / "cc-switch.db", ccswitch_rows(tag), current_override="glm-1")
    writer = sqlite3.connect(db)
    writer.execute("PRAGMA journal_mode = DELETE")
    writer.commit()
    modes: list[bool] = []
    real_read = sqlite_ro._read

    def read_then_write(path, app, fn, *, immutable):
        modes.append(immutable)
        result = real_read(path, app, fn, immutable=immutable)
        if immutable:
            writer.execute("UPDATE providers SET name = 'Renamed' WHERE id = 'kimi-1'")
            writer.commit()
        return result

    monkeypatch.setattr(sqlite_ro, "_read", read_then_write)
    src = ccswitch.read(db, home=home)
    writer.close()
    assert modes == [True, False]
    assert "Renamed" in [p.name for p in src.providers]
