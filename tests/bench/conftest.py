"""Shared by the benchmark smoke tests: run one of build/bench's scripts."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]


def run_smoke(script: str, out: Path) -> tuple[str, Any]:
    """``build/bench/<script> --smoke --json-out out``: its stdout and its JSON."""
    proc = subprocess.run(
        [sys.executable, str(REPO / "build" / "bench" / script), "--smoke", "--json-out", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout, json.loads(out.read_text())


needs_proc = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="the benchmark reads /proc (Linux)")
