"""The REAL keyring: the Secret Service over the D-Bus session that
/work/devtest and test.sh start. Tests that need it skip elsewhere."""
from __future__ import annotations

from typing import Any

import pytest

from server.secrets import SERVICE


def secret_service() -> Any:
    """keyring's Secret Service backend, or skip the test when the package or
    a reachable Secret Service is missing."""
    pytest.importorskip("keyring")
    from keyring.backends import SecretService

    backend = SecretService.Keyring()
    try:
        backend.get_password(SERVICE, "__probe__")
    except Exception as exc:
        pytest.skip(f"no Secret Service reachable ({type(exc).__name__})")
    return backend
