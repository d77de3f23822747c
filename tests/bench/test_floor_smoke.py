"""build/bench/floor.py (issue 22) runs end to end: the raw relay, the bare
Quart/Hypercorn app and Switchboard each answer the three cases without an
error and report CPU per request. Its figures are never asserted here."""
from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(),
                                reason="the benchmark reads /proc (Linux)")


def test_floor_smoke(tmp_path: Path) -> None:
    out = tmp_path / "floor.json"
    proc = subprocess.run(
        [sys.executable, str(REPO / "build" / "bench" / "floor.py"), "--smoke", "--json-out", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    servers = json.loads(out.read_text())["servers"]
    assert set(servers) == {"relay", "quart", "switchboard"}
    for name, row in servers.items():
        for case in ("tiny", "joined", "paced"):
            assert row[case + "_errors"] == 0, (name, case)
            # CPU comes in 10 ms clock ticks: a few requests to the raw relay may read 0
            assert math.isfinite(row[case]) and row[case] >= 0, (name, case, row[case])
        assert math.isfinite(row["paced_us_per_chunk"]), (name, row)
    assert "| switchboard |" in proc.stdout
