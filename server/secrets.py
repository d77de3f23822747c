"""Keys: the OS keyring, ``env:`` and ``file:`` references; never logged, never on disk.

Provider keys live in the OS keyring under service ``switchboard``, one entry
per provider id (issue 5). The config file holds only references. The keyring
backend is injectable so tests can use a real Secret Service or an in-memory
one. Nothing in this module logs or formats a secret value: errors name the
entry, never its content.
"""
from __future__ import annotations

import os
import secrets as _random
from typing import Mapping, Protocol

from server.said import Said, Words

SERVICE = "switchboard"
ACCESS_KEY_ENTRY = "local-access-key"
ACCESS_KEY_ENV = "SWITCHBOARD_API_KEY"


class KeyringLike(Protocol):
    def get_password(self, service: str, username: str) -> str | None: ...
    def set_password(self, service: str, username: str, password: str) -> None: ...
    def delete_password(self, service: str, username: str) -> None: ...


class KeyringUnavailable(RuntimeError):
    """No working keyring backend (e.g. headless Linux without Secret Service)."""


class MemoryKeyring:
    """An in-process keyring for tests and for runs with SWITCHBOARD_API_KEY."""

    def __init__(self) -> None:
        self._data: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._data.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._data[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self._data.pop((service, username), None)


def system_keyring() -> KeyringLike:
    """The OS keyring module, imported lazily (it costs start-up time)."""
    import keyring

    return keyring  # type: ignore[return-value]


class SecretStore:
    def __init__(self, backend: KeyringLike | None = None,
                 environ: Mapping[str, str] | None = None) -> None:
        self._backend = backend
        self._environ = os.environ if environ is None else environ

    @property
    def backend(self) -> KeyringLike:
        if self._backend is None:
            self._backend = system_keyring()
        return self._backend

    def problem(self) -> Said | None:
        """A plain-words reason the keyring cannot be used, or None (a
        sentence: the page and the tray word it, server/said.py)."""
        try:
            self.backend.get_password(SERVICE, "__probe__")
        except Exception as exc:  # keyring raises many backend-specific types
            return _describe(exc)
        return None

    def get(self, entry: str) -> str | None:
        try:
            return self.backend.get_password(SERVICE, entry)
        except Exception as exc:
            raise KeyringUnavailable(f"cannot read keyring entry {entry!r}: {_describe(exc)}") from None

    def set(self, entry: str, value: str) -> None:
        try:
            self.backend.set_password(SERVICE, entry, value)
        except Exception as exc:
            raise KeyringUnavailable(f"cannot write keyring entry {entry!r}: {_describe(exc)}") from None

    def delete(self, entry: str) -> None:
        try:
            self.backend.delete_password(SERVICE, entry)
        except Exception as exc:
            if type(exc).__name__ == "PasswordDeleteError":
                return  # already absent
            raise KeyringUnavailable(f"cannot delete keyring entry {entry!r}: {_describe(exc)}") from None

    def resolve(self, reference: str, provider_id: str) -> str | None:
        """The key a provider's ``api_key`` reference points at (None if unset)."""
        if not reference:
            return None
        if reference.startswith("env:"):
            return self._environ.get(reference[4:]) or None
        if reference.startswith("file:"):
            return read_secret_file(reference[5:])
        if reference == "keyring":
            return self.get(provider_id)
        if reference.startswith("keyring#"):  # a provider's 2nd, 3rd… key (issue 18)
            return self.get(provider_id + reference[7:])
        return reference  # a literal, for tests only

    def access_key(self) -> str:
        """The local access key clients must present; generated on first run."""
        override = self._environ.get(ACCESS_KEY_ENV)
        if override:
            return override
        key = self.get(ACCESS_KEY_ENTRY)
        if not key:
            key = "sk-swb-" + _random.token_urlsafe(32)
            self.set(ACCESS_KEY_ENTRY, key)
        return key


def read_secret_file(path: str) -> str | None:
    """A key from a mounted secrets file (``file:/run/secrets/name``: Docker
    and Kubernetes secrets), without its trailing newline; None when empty."""
    try:
        with open(path, "rb") as fh:
            value = fh.read(64 * 1024).decode("utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        why = getattr(exc, "strerror", None) or "not UTF-8 text"
        raise KeyringUnavailable(f"cannot read the key file {path} ({why}); check that the secret "
                                 "is mounted there and readable by Switchboard's user") from None
    return value or None


# Why the keyring cannot be used (server/said.py).
KEYRING = Words({
    "keyring.noBackend": "no keyring backend is available on this system",
    "keyring.locked": "the keyring is locked",
    "keyring.other": "{error}",
}, shown_by=("page", "tray"))


def _describe(exc: BaseException) -> Said:
    name = type(exc).__name__
    if name == "NoKeyringError":
        return KEYRING("keyring.noBackend")
    if name == "KeyringLocked":
        return KEYRING("keyring.locked")
    return KEYRING("keyring.other", error=name)


def mask(key: str | None) -> str:
    """How a key may be shown: ``sk-…1234``."""
    if not key:
        return ""
    head = key[:3] if len(key) > 12 else ""
    return f"{head}…{key[-4:]}" if len(key) > 8 else "…"
