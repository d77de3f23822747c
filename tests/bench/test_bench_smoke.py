"""The benchmark's smoke mode (issue 7): the harness works, end to end.

Runs ``build/bench/run.py --smoke`` (a few requests per scenario against the
real gateway subprocess and the mock upstream) and checks that every scenario
produced numbers for the direct baseline and both gateway paths, with no
errors. The benchmark's *figures* are never asserted: they depend on the
machine; the full benchmark runs on demand, outside the test suite.
"""
from __future__ import annotations

import math
from pathlib import Path

from tests.bench.conftest import needs_proc, run_smoke

SCENARIOS = ["tiny-c1", "tiny-c32", "stream50-c1", "stream50-c32", "paced64", "cc30k-c1", "paced256"]

pytestmark = needs_proc


def test_bench_smoke(tmp_path: Path) -> None:
    stdout, res = run_smoke("run.py", tmp_path / "bench.json")
    assert "Targets:" in stdout  # the table was printed

    expected = [s for s in SCENARIOS if not any(skip.startswith(s + ":") for skip in res["skipped"])]
    assert set(expected) - {"cc30k-c1"} <= set(res["scenarios"]), res["skipped"]
    for name in expected:
        scenario = res["scenarios"][name]
        for target in ("direct", "translated", "passthrough"):
            m = scenario["targets"][target]
            assert m["requests"] > 0, (name, target)
            assert m["errors"] == 0, (name, target, m["error_samples"])
            for key in ("p50_ms", "p90_ms", "p99_ms", "ttft_p50_ms", "rps"):
                assert math.isfinite(m[key]) and m[key] > 0, (name, target, key, m[key])
            if target != "direct":
                assert m["gateway_cpu_ms_per_req"] >= 0, (name, target)
                assert math.isfinite(m["added_p50_ms"]), (name, target)

    assert 0 < res["startup"]["median_s"] < 30
    assert res["memory"]["fresh_idle_mb"] > 0 and res["memory"]["peak_mb"] > 0
    assert res["soak"]["requests"] > 0 and res["soak"]["errors"] == 0, res["soak"]["error_samples"]
    assert res["soak"]["rss_samples_mb"]
    idle = res["idle"]  # issue 22: idle keep-alive connections, memory per connection
    assert idle["connections"] > 0 and idle["errors"] == 0, idle["error_samples"]
    assert idle["rss_open_mb"] > 0 and math.isfinite(idle["kb_per_connection"])
    assert res["targets"]  # every target reported as met / not met
    assert all(c["met"] in (True, False) for c in res["targets"])
