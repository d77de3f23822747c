"""server/secrets.py with an in-memory keyring (the real one: tests/tray)."""
from __future__ import annotations

import pytest

from server.secrets import ACCESS_KEY_ENTRY, KeyringUnavailable, MemoryKeyring, SecretStore, mask


def test_references_resolve():
    kr = MemoryKeyring()
    kr.set_password("switchboard", "openai", "sk-from-keyring-123456")
    store = SecretStore(kr, environ={"DS_KEY": "sk-from-env-1234567"})
    assert store.resolve("keyring", "openai") == "sk-from-keyring-123456"
    assert store.resolve("env:DS_KEY", "deepseek") == "sk-from-env-1234567"
    assert store.resolve("env:MISSING", "x") is None
    assert store.resolve("", "ollama") is None
    assert store.resolve("literal-test-key", "t") == "literal-test-key"


def test_access_key_is_generated_once_and_kept():
    kr = MemoryKeyring()
    first = SecretStore(kr, environ={}).access_key()
    assert first.startswith("sk-swb-") and len(first) > 40
    assert SecretStore(kr, environ={}).access_key() == first
    assert kr.get_password("switchboard", ACCESS_KEY_ENTRY) == first
    assert SecretStore(kr, environ={"SWITCHBOARD_API_KEY": "override"}).access_key() == "override"


def test_a_broken_keyring_is_named_without_values():
    class Broken:
        def get_password(self, *a):
            raise RuntimeError("backend exploded with sk-secret-value-1234")
        set_password = delete_password = get_password

    store = SecretStore(Broken(), environ={})
    with pytest.raises(KeyringUnavailable) as info:
        store.get("openai")
    assert "sk-secret" not in str(info.value)
    assert str(store.problem()) == "RuntimeError"


def test_mask():
    assert mask("sk-abcdefghijklmnop1234") == "sk-…1234"
    assert mask("short") == "…"
    assert mask("") == ""
