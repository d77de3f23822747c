"""Temp homes, the sample databases, and the REAL keyring (Secret Service
over the D-Bus session /work/devtest and test.sh start; skips elsewhere)."""
from __future__ import annotations

import hashlib
import io
import secrets as random
from pathlib import Path
from typing import Iterator

import pytest

from server.importers import cli
from server.secrets import SecretStore
from tests.support.secret_service import secret_service


@pytest.fixture
def real_keyring() -> Iterator[object]:
    yield secret_service()


@pytest.fixture
def tag() -> str:
    return random.token_hex(3)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture
def store(real_keyring) -> Iterator[SecretStore]:
    """The real keyring; every entry a test writes is removed afterwards."""
    s = SecretStore(real_keyring, environ={})
    written: list[str] = []
    original_set = s.set

    def tracking_set(entry: str, value: str) -> None:
        written.append(entry)
        original_set(entry, value)

    s.set = tracking_set  # type: ignore[method-assign]
    yield s
    for entry in set(written):
        s.delete(entry)


def sha(path: Path) -> dict[str, str]:
    """Hashes of a database and its -wal (the data, committed or not yet
    checkpointed). Not -shm: that is SQLite's shared-memory lock table, where
    every reader of a WAL database (the app's own too) marks its place; it
    holds no settings. Where no app runs, the tests check no file appears."""
    out = {}
    for p in (path, path.with_name(path.name + "-wal")):
        if p.exists():
            out[p.name] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def run_import(argv: list[str], *, home: Path, store: SecretStore, environ: dict[str, str] | None = None
               ) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    env = {"HOME": str(home), "SWITCHBOARD_HOME": str(home / "sb"), **(environ or {})}
    code = cli.import_main(argv, environ=env, secrets=store, out=out, err=err)
    return code, out.getvalue(), err.getvalue()
