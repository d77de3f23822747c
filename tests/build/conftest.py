"""The packaged app (issue 8): build it once per source hash, then run it.

``built_app`` builds the one-folder app with build/build_app.py into
``$SWITCHBOARD_CACHE/app-<hash>/`` (default ``~/.cache/switchboard``; the
hash covers the sources, the spec and the installed packages), so only the
first run after a change pays for PyInstaller. ``SWITCHBOARD_SKIP_BUILD=1``
skips every test that needs the build; nothing else does.

Metrics (build time, size, start-to-first-200) are printed in pytest's
terminal summary and kept in ``<dist>/metrics.json``.
"""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
SKIP_BUILD = os.environ.get("SWITCHBOARD_SKIP_BUILD") == "1"
BUILD_BUDGET_S = 600  # the build must take under 10 minutes
METRICS: dict[str, Any] = {}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "build: builds and runs the packaged app (issue 8); "
                                       "SWITCHBOARD_SKIP_BUILD=1 skips it")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not METRICS:
        return
    terminalreporter.section("packaged app (issue 8)")
    for key, value in METRICS.items():
        terminalreporter.write_line(f"{key}: {value}")


def load_build_app() -> ModuleType:
    spec = importlib.util.spec_from_file_location("switchboard_build_app", REPO / "build" / "build_app.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class BuiltApp:
    dist: Path
    exe: Path
    app: Path
    version: str
    metrics: dict[str, Any] = field(default_factory=dict)

    def record(self, **values: Any) -> None:
        METRICS.update(values)
        self.metrics.update(values)
        try:
            (self.dist / "metrics.json").write_text(json.dumps(self.metrics, indent=2) + "\n", encoding="utf-8")
        except OSError:
            pass


@pytest.fixture(scope="session")
def needs_build() -> None:
    if SKIP_BUILD:
        pytest.skip("SWITCHBOARD_SKIP_BUILD=1")


@pytest.fixture(scope="session")
def built_app(needs_build: None) -> BuiltApp:
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        pytest.fail("PyInstaller is missing: install the build extra (pip install -e '.[build]'), "
                    "or set SWITCHBOARD_SKIP_BUILD=1 to skip the packaged-app tests")
    build_app = load_build_app()
    start = time.monotonic()
    dist, built, seconds = build_app.cached_build(log=lambda msg: print(msg, flush=True))
    exe = build_app.executable(dist)
    app = build_app.app_path(dist)
    assert exe.is_file(), f"the build produced no executable at {exe}"
    result = BuiltApp(dist=dist, exe=exe, app=app, version=build_app.version())
    previous: dict[str, Any] = {}
    try:
        previous = json.loads((dist / "metrics.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    result.metrics.update(previous)
    size = subprocess.run(["du", "-sh", str(app)], capture_output=True, text=True).stdout.split("\t")[0]
    if built:
        assert seconds < BUILD_BUDGET_S, f"the build took {seconds:.0f} s (budget {BUILD_BUDGET_S} s)"
        result.record(build_seconds=round(seconds, 1))
    result.record(app=str(app), size=size or "?",
                  build=("built now" if built else f"cached (built in {previous.get('build_seconds', '?')} s)"),
                  fixture_seconds=round(time.monotonic() - start, 1))
    return result
