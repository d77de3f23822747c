"""build/bench/floor.py (issue 22) runs end to end: the raw relay, the bare
Quart/Hypercorn app and Switchboard each answer the three cases without an
error and report CPU per request. Its figures are never asserted here."""
from __future__ import annotations

import math
from pathlib import Path

from tests.bench.conftest import needs_proc, run_smoke

pytestmark = needs_proc


def test_floor_smoke(tmp_path: Path) -> None:
    stdout, res = run_smoke("floor.py", tmp_path / "floor.json")
    servers = res["servers"]
    assert set(servers) == {"relay", "quart", "switchboard"}
    for name, row in servers.items():
        for case in ("tiny", "joined", "paced"):
            assert row[case + "_errors"] == 0, (name, case)
            # CPU comes in 10 ms clock ticks: a few requests to the raw relay may read 0
            assert math.isfinite(row[case]) and row[case] >= 0, (name, case, row[case])
        assert math.isfinite(row["paced_us_per_chunk"]), (name, row)
    assert "| switchboard |" in stdout
