"""Shared fixtures: temp homes, fake upstreams, a live Switchboard."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from tests.support.fake_upstream import FakeUpstream
from tests.support.live_server import LiveServer

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("SWITCHBOARD_SHARED", REPO.parent / "shared"))
CLIENT_FIXTURES = SHARED / "fixtures" / "clients"
UPSTREAM_FIXTURES = REPO / "tests" / "fixtures" / "upstream"

needs_shared = pytest.mark.skipif(
    not CLIENT_FIXTURES.is_dir(), reason="../shared/fixtures is absent (CI always has it)"
)


def client_captures() -> list[Path]:
    return sorted(CLIENT_FIXTURES.glob("*.json")) if CLIENT_FIXTURES.is_dir() else []


@pytest.fixture
def upstream() -> Iterator[FakeUpstream]:
    fake = FakeUpstream()
    yield fake
    fake.close()


def gateway_config(upstream_url: str, *, kind: str = "openai", extra: dict[str, Any] | None = None,
                   profile: str = "") -> dict[str, Any]:
    provider: dict[str, Any] = {"type": kind, "base_url": upstream_url + ("/v1" if kind == "openai" else ""),
                                "api_key": "upstream-secret-key-123", "models": ["m1"]}
    if profile:
        provider["profile"] = profile
    return {
        "providers": {"up": provider, **(extra or {})},
        "routes": {"main": {"default": "up/m1"}},
        "active_route": "main",
    }


@pytest.fixture
def make_server(tmp_path: Path) -> Iterator[Callable[..., LiveServer]]:
    servers: list[LiveServer] = []

    def make(config: dict[str, Any], **kw: Any) -> LiveServer:
        srv = LiveServer(tmp_path / f"home{len(servers)}", config, **kw).start()
        servers.append(srv)
        return srv

    yield make
    for srv in servers:
        srv.stop()
