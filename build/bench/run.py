"""Switchboard's benchmark (issue 7): added latency, CPU and memory of the gateway.

    python build/bench/run.py                      # everything (a 10-minute soak)
    python build/bench/run.py --soak-seconds 60    # shorter soak
    python build/bench/run.py --scenarios tiny-c1,stream50-c32
    python build/bench/run.py --smoke              # a few requests per scenario (CI)

A mock upstream (mock.py, raw asyncio) serves OpenAI Chat Completions and
Anthropic Messages on loopback; the load generator (loadgen.py, raw asyncio
HTTP/1.1 with keep-alive) drives three targets in interleaved rounds:

  direct       the mock's /v1/messages (Anthropic format) with no gateway: the baseline
  translated   Switchboard -> the mock's /v1/chat/completions
  passthrough  Switchboard -> the mock's /v1/messages

The gateway is ``python -m server`` in a subprocess pinned to CPU 0 with
``taskset -c 0`` (when there are at least two CPUs); the mock and this process
run on CPU 1. Gateway CPU per request comes from /proc/<pid>/stat
(utime+stime) deltas over its phases, RSS from /proc/<pid>/status
(VmRSS, VmHWM). Prints a table, writes JSON to build/bench-results/.
Never part of the test suite's pass/fail; tests/bench runs ``--smoke`` only
to check that the harness works.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))

import loadgen  # noqa: E402

HOST = "127.0.0.1"
ACCESS_KEY = "bench-local-access-key-not-a-secret"
FIXTURE = REPO.parent / "shared" / "fixtures" / "clients" / "claude_code_main_text_turn.json"
TARGETS = ("direct", "translated", "passthrough")
CLK_TCK = os.sysconf("SC_CLK_TCK")
SOAK_FLAT_TOLERANCE_MB = 3.0


@dataclass
class Scenario:
    name: str
    title: str
    stream: bool
    concurrency: int
    model: str = "bench"  # the mock reads -n<chunks> and -d<ms> from it
    chunks: int = 0
    fixture: bool = False


SCENARIOS = [
    Scenario("tiny-c1", "tiny non-stream, C=1", False, 1),
    Scenario("tiny-c32", "tiny non-stream, C=32", False, 32),
    Scenario("stream50-c1", "50-chunk stream, C=1", True, 1, "bench-n50-d0", 50),
    Scenario("stream50-c32", "50-chunk stream, C=32", True, 32, "bench-n50-d0", 50),
    Scenario("paced64", "64 streams x 50 chunks, 5 ms apart", True, 64, "bench-n50-d5", 50),
    Scenario("cc30k-c1", "Claude Code request (fixture), C=1", True, 1, "bench-n20-d0", 20, fixture=True),
    Scenario("paced256", "256 streams x 50 chunks, 5 ms apart", True, 256, "bench-n50-d5", 50),
]
EXTRA = ("idle1000", "startup", "soak")
IDLE_CONNECTIONS = 1000
ALL_NAMES = [s.name for s in SCENARIOS] + list(EXTRA)


# -- processes ---------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def pin_prefix(cpu: int, pin: bool) -> list[str]:
    return ["taskset", "-c", str(cpu)] if pin else []


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat", "rb") as fh:
        fields = fh.read().rsplit(b")", 1)[1].split()
    # fields[0] is field 3 (state); utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def rss_mb(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) in MB."""
    rss = hwm = 0.0
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) / 1024
            elif line.startswith("VmHWM:"):
                hwm = int(line.split()[1]) / 1024
    return rss, hwm


class Mock:
    def __init__(self, pin: bool) -> None:
        self.proc = subprocess.Popen(
            pin_prefix(1, pin) + [sys.executable, str(HERE / "mock.py"), "--port", "0"],
            stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.startswith("PORT "):
            raise RuntimeError(f"mock did not start: {line!r}")
        self.port = int(line.split()[1])

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def write_config(home: Path, mock_port: int, history: bool = True) -> Path:
    config: dict[str, Any] = {
        "providers": {
            "mock-oai": {"type": "openai", "base_url": f"http://{HOST}:{mock_port}/v1", "api_key": ""},
            "mock-ant": {"type": "anthropic", "base_url": f"http://{HOST}:{mock_port}", "api_key": ""},
        },
        "routes": {"bench": {"default": "mock-ant/bench"}},
        "active_route": "bench",
    }
    if not history:  # --no-history: measure what the usage history costs (issue 15)
        config["usage"] = {"history": False}
    path = home / "switchboard.json"
    path.write_bytes(orjson.dumps(config, option=orjson.OPT_INDENT_2))
    return path


async def first_200(port: int, raw: bytes, proc: subprocess.Popen[Any], timeout: float,
                    log_tail: Any = lambda: "") -> None:
    """Send ``raw`` to 127.0.0.1:``port`` until it answers 200 (or ``proc`` exits)."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited ({proc.returncode}):\n{log_tail()}")
        conn = loadgen.Conn(HOST, port)
        try:
            await conn.open()
        except OSError:
            await asyncio.sleep(0.005)
            continue
        result = await conn.request(raw, False)
        conn.close()
        if result.ok:
            return
        await asyncio.sleep(0.005)
    raise RuntimeError(f"127.0.0.1:{port} did not answer 200 within {timeout} s:\n{log_tail()}")


class Gateway:
    def __init__(self, python: str, home: Path, config: Path, pin: bool, server_dir: Path = REPO) -> None:
        self.port = free_port()
        self.log_path = home / f"gateway-{self.port}.log"
        env = {**os.environ, "SWITCHBOARD_HOME": str(home), "SWITCHBOARD_API_KEY": ACCESS_KEY,
               "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
               "PYTHONDONTWRITEBYTECODE": "1"}
        env.pop("PYTHONPATH", None)
        self._log = open(self.log_path, "wb")
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            pin_prefix(0, pin) + [python, "-m", "server", "--config", str(config), "--port", str(self.port)],
            cwd=server_dir, env=env, stdout=self._log, stderr=subprocess.STDOUT)
        self.pid = self.proc.pid  # taskset execs the interpreter: same pid

    async def wait_ready(self, raw: bytes, timeout: float = 20.0) -> float:
        """Seconds from spawn to the first 200 from /v1/messages."""
        await first_200(self.port, raw, self.proc, timeout, self.log_tail)
        return time.perf_counter() - self.started

    def log_tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-3000:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


# -- requests ------------------------------------------------------------------------

def request_body(sc: Scenario, fixture: dict[str, Any] | None) -> dict[str, Any]:
    if sc.fixture:
        assert fixture is not None
        body = dict(fixture)
        body["stream"] = sc.stream
        return body
    body: dict[str, Any] = {"model": sc.model, "max_tokens": 64,
                            "messages": [{"role": "user", "content": "Say hello."}]}
    if sc.stream:
        body["stream"] = True
    return body


def raw_request(target: str, body: dict[str, Any], model: str, mock_port: int, gw_port: int) -> tuple[int, bytes]:
    body = dict(body)
    if target == "direct":
        body["model"] = model
        port = mock_port
    else:
        body["model"] = ("mock-oai/" if target == "translated" else "mock-ant/") + model
        port = gw_port
    headers = {"x-api-key": ACCESS_KEY, "anthropic-version": "2023-06-01"}
    return port, loadgen.build_request(HOST, port, "/v1/messages", orjson.dumps(body), headers)


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = (len(values) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def summarize(phases: list[loadgen.Phase], cpu: float | None) -> dict[str, Any]:
    results = [r for ph in phases for r in ph.results]
    good = [r for r in results if r.ok]
    lat = [r.latency * 1000 for r in good]
    ttft = [r.ttft * 1000 for r in good]
    wall = sum(ph.wall for ph in phases)
    errors = [r.error for r in results if not r.ok]
    out: dict[str, Any] = {
        "requests": len(results), "errors": len(errors), "error_samples": errors[:3],
        "p50_ms": pct(lat, 50), "p90_ms": pct(lat, 90), "p99_ms": pct(lat, 99),
        "ttft_p50_ms": pct(ttft, 50), "ttft_p90_ms": pct(ttft, 90), "ttft_p99_ms": pct(ttft, 99),
        "rps": len(good) / wall if wall else float("nan"),
        "max_stall_ms": max((r.max_stall for r in good), default=0.0) * 1000,
        "stall_p99_ms": pct([r.max_stall * 1000 for r in good], 99),
    }
    if cpu is not None:
        out["gateway_cpu_ms_per_req"] = cpu * 1000 / len(results) if results else float("nan")
        out["gateway_cpu_s"] = cpu
    return out


async def run_scenario(sc: Scenario, args: argparse.Namespace, gw: Gateway, mock: Mock,
                       fixture: dict[str, Any] | None) -> dict[str, Any]:
    body = request_body(sc, fixture)
    reqs = {t: raw_request(t, body, sc.model, mock.port, gw.port) for t in TARGETS}
    if args.smoke:
        limits = {"requests": max(4, sc.concurrency)}
        warm = {"requests": sc.concurrency}
        rounds = 1
    else:
        limits = {"duration": args.phase_seconds}
        warm = {"duration": min(1.0, args.phase_seconds)}
        rounds = args.rounds
    for t in TARGETS:  # warm-up: connections, caches, the provider objects
        port, raw = reqs[t]
        await loadgen.run(HOST, port, raw, stream=sc.stream, concurrency=sc.concurrency, **warm)
    phases: dict[str, list[loadgen.Phase]] = {t: [] for t in TARGETS}
    cpu: dict[str, float] = {t: 0.0 for t in TARGETS}
    for r in range(rounds):
        order = TARGETS[r % 3:] + TARGETS[:r % 3]  # rotate so drift hits all targets alike
        for t in order:
            port, raw = reqs[t]
            c0 = cpu_seconds(gw.pid)
            phases[t].append(await loadgen.run(HOST, port, raw, stream=sc.stream,
                                               concurrency=sc.concurrency, **limits))
            cpu[t] += cpu_seconds(gw.pid) - c0
    out: dict[str, Any] = {"title": sc.title, "concurrency": sc.concurrency, "stream": sc.stream,
                           "chunks": sc.chunks, "request_bytes": len(orjson.dumps(body)), "targets": {}}
    for t in TARGETS:
        out["targets"][t] = summarize(phases[t], None if t == "direct" else cpu[t])
        out["targets"][t]["gateway_cpu_idle_s"] = cpu[t] if t == "direct" else None
    d = out["targets"]["direct"]
    for t in ("translated", "passthrough"):
        s = out["targets"][t]
        s["added_p50_ms"] = s["p50_ms"] - d["p50_ms"]
        s["added_p99_ms"] = s["p99_ms"] - d["p99_ms"]
        s["ratio_p50"] = s["p50_ms"] / d["p50_ms"] if d["p50_ms"] else float("nan")
        s["added_ttft_p50_ms"] = s["ttft_p50_ms"] - d["ttft_p50_ms"]
        s["rps_ratio"] = s["rps"] / d["rps"] if d["rps"] else float("nan")
    return out


async def run_startup(args: argparse.Namespace, home: Path, config: Path, mock: Mock) -> dict[str, Any]:
    times, rss = [], []
    for _ in range(1 if args.smoke else args.startup_runs):
        gw = Gateway(args.python, home, config, args.pin, args.server_dir)
        try:
            _, raw = raw_request("passthrough", request_body(SCENARIOS[0], None), "bench", mock.port, gw.port)
            times.append(await gw.wait_ready(raw))
            await asyncio.sleep(0.3)
            rss.append(rss_mb(gw.pid)[0])
        finally:
            gw.stop()
    return {"runs_s": times, "median_s": statistics.median(times), "max_s": max(times),
            "rss_after_first_200_mb": statistics.median(rss)}


async def run_idle(args: argparse.Namespace, gw: Gateway, mock: Mock) -> dict[str, Any]:
    """Issue 22: 1,000 keep-alive client connections, each served one tiny
    request and then left idle; the gateway's RSS before and while they are
    open gives the memory per idle connection. Measured well inside the
    gateway's keep-alive limit (it closes idle connections after 5 s). Run
    on the fresh gateway, before any load."""
    count = 50 if args.smoke else IDLE_CONNECTIONS
    port, raw = raw_request("passthrough", request_body(SCENARIOS[0], None), "bench", mock.port, gw.port)
    await asyncio.sleep(0.5)
    before = rss_mb(gw.pid)[0]
    conns = [loadgen.Conn(HOST, port) for _ in range(count)]
    try:
        results: list[loadgen.Result] = []
        for i in range(0, count, 100):  # 100 at a time: the whole set opens in about a second
            results += await asyncio.gather(*(c.request(raw, False) for c in conns[i:i + 100]))
        await asyncio.sleep(0.3)
        during = rss_mb(gw.pid)[0]
    finally:
        for c in conns:
            c.close()
    return {"connections": count, "errors": sum(not r.ok for r in results),
            "error_samples": [r.error for r in results if not r.ok][:3],
            "rss_before_mb": before, "rss_open_mb": during,
            "kb_per_connection": (during - before) * 1024 / count}


async def run_soak(args: argparse.Namespace, gw: Gateway, mock: Mock) -> dict[str, Any]:
    seconds = 2.0 if args.smoke else args.soak_seconds
    interval = max(0.5, seconds / 60)
    # Moderate load: 4 translated streams (50 chunks, 2 ms apart), 4 passthrough
    # streams, 2 translated and 2 passthrough non-stream clients.
    stream = Scenario("soak", "", True, 4, "bench-n50-d2", 50)
    tiny = SCENARIOS[0]
    work = [
        (request_body(stream, None), "translated", stream.model, True, 4),
        (request_body(stream, None), "passthrough", stream.model, True, 4),
        (request_body(tiny, None), "translated", tiny.model, False, 2),
        (request_body(tiny, None), "passthrough", tiny.model, False, 2),
    ]
    samples: list[tuple[float, float]] = []
    start = time.perf_counter()
    c0 = cpu_seconds(gw.pid)

    async def sampler() -> None:
        while True:
            samples.append((time.perf_counter() - start, rss_mb(gw.pid)[0]))
            await asyncio.sleep(interval)

    task = asyncio.create_task(sampler())
    try:
        runs = await asyncio.gather(*(
            loadgen.run(HOST, *raw_request(target, body, model, mock.port, gw.port),
                        stream=is_stream, concurrency=c, duration=seconds)
            for body, target, model, is_stream, c in work))
    finally:
        task.cancel()
    samples.append((time.perf_counter() - start, rss_mb(gw.pid)[0]))
    cpu = cpu_seconds(gw.pid) - c0
    results = [r for ph in runs for r in ph.results]
    warm_idx = max(1, len(samples) // 4)
    after_warm = samples[warm_idx][1]
    tail = [mb for _, mb in samples[-max(1, len(samples) // 4):]]
    growth = max(tail) - after_warm
    return {
        "seconds": seconds, "requests": len(results), "errors": sum(not r.ok for r in results),
        "error_samples": [r.error for r in results if not r.ok][:3],
        "rps": len(results) / seconds, "gateway_cpu_ms_per_req": cpu * 1000 / max(1, len(results)),
        "rss_samples_mb": [(round(t, 1), round(mb, 1)) for t, mb in samples],
        "rss_after_warmup_mb": after_warm, "rss_end_mb": samples[-1][1],
        "rss_growth_after_warmup_mb": growth,
        "flat": growth <= SOAK_FLAT_TOLERANCE_MB,
    }


# -- targets and output ------------------------------------------------------------

def check_targets(res: dict[str, Any]) -> list[dict[str, Any]]:
    sc = res["scenarios"]
    checks: list[dict[str, Any]] = []

    def add(name: str, value: Any, limit: str, met: bool | None) -> None:
        checks.append({"target": name, "value": value, "limit": limit,
                       "met": None if met is None else bool(met)})

    def both(scn: str, key: str) -> list[tuple[str, float]]:
        if scn not in sc:
            return []
        return [(t, sc[scn]["targets"][t][key]) for t in ("translated", "passthrough")]

    for t, v in both("tiny-c1", "added_p50_ms"):
        add(f"tiny non-stream C=1 added p50 ({t})", round(v, 3), "<= 1.0 ms", v <= 1.0)
    for t, v in both("tiny-c1", "gateway_cpu_ms_per_req"):
        add(f"tiny non-stream gateway CPU/request ({t})", round(v, 3), "<= 1.0 ms", v <= 1.0)
    for t, v in both("stream50-c1", "added_p50_ms"):
        add(f"50-chunk stream C=1 added p50 ({t})", round(v, 3), "<= 1.5 ms", v <= 1.5)
    for scn in ("stream50-c1", "paced64"):
        if scn in sc and "tiny-c1" in sc:
            for t in ("translated", "passthrough"):
                per = (sc[scn]["targets"][t]["gateway_cpu_ms_per_req"]
                       - sc["tiny-c1"]["targets"][t]["gateway_cpu_ms_per_req"]) * 1000 / sc[scn]["chunks"]
                limit = 25 if t == "translated" else 10  # issue 22
                add(f"per-chunk gateway CPU, {scn} ({t}) [(stream - tiny)/chunks]",
                    round(per, 1), f"<= {limit} us", per <= limit)
    for t, v in both("cc30k-c1", "gateway_cpu_ms_per_req"):
        add(f"Claude Code request gateway CPU/request ({t})", round(v, 3), "<= 2.5 ms", v <= 2.5)
    if "paced64" in sc:
        for t in ("translated", "passthrough"):
            s = sc["paced64"]["targets"][t]
            add(f"64x5ms streams errors ({t})", s["errors"], "0", s["errors"] == 0)
            add(f"64x5ms streams added TTFT p50 ({t})", round(s["added_ttft_p50_ms"], 3), "<= 15 ms",
                s["added_ttft_p50_ms"] <= 15)
            add(f"64x5ms streams added p50 total ({t})", round(s["added_p50_ms"], 3), "<= 15 ms",
                s["added_p50_ms"] <= 15)
            add(f"64x5ms streams longest stall ({t}; direct {sc['paced64']['targets']['direct']['max_stall_ms']:.1f})",
                round(s["max_stall_ms"], 2), "<= 15 ms", s["max_stall_ms"] <= 15)
    if "paced256" in sc:
        for t in ("translated", "passthrough"):
            s = sc["paced256"]["targets"][t]
            add(f"256x5ms streams errors ({t})", s["errors"], "0", s["errors"] == 0)
    if "idle" in res:
        add(f"{res['idle']['connections']} idle keep-alive connections: errors", res["idle"]["errors"], "0",
            res["idle"]["errors"] == 0)
    mem = res.get("memory", {})
    if "idle_mb" in mem:
        add("RSS idle (after load)", round(mem["idle_mb"], 1), "<= 60 MB", mem["idle_mb"] <= 60)
        add("RSS peak (VmHWM)", round(mem["peak_mb"], 1), "<= 120 MB", mem["peak_mb"] <= 120)
    if "soak" in res:
        add(f"RSS flat over soak ({res['soak']['seconds']:.0f} s; growth after warm-up, MB)",
            round(res["soak"]["rss_growth_after_warmup_mb"], 2), f"<= {SOAK_FLAT_TOLERANCE_MB} MB",
            res["soak"]["flat"])
    if "startup" in res:
        add("start to first 200 (median)", round(res["startup"]["median_s"], 3), "<= 1.0 s",
            res["startup"]["median_s"] <= 1.0)
    if "tiny-c1" in sc and "tiny-c32" in sc:
        for t in ("translated", "passthrough"):
            a, b = sc["tiny-c1"]["targets"][t]["rps"], sc["tiny-c32"]["targets"][t]["rps"]
            add(f"requests/s C=32 >= C=1, tiny ({t})", f"{b:.0f} vs {a:.0f}", ">=", b >= a)
    return checks


def fmt(v: Any, nd: int = 2) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        if v != v:
            return "n/a"
        return f"{v:.{nd}f}"
    return str(v)


def table(res: dict[str, Any]) -> str:
    cols = ["scenario", "target", "p50", "p90", "p99", "+p50", "x p50", "TTFT p50", "+TTFT",
            "req/s", "CPU ms/req", "max stall", "errors"]
    rows = [cols]
    for name, s in res["scenarios"].items():
        for t in TARGETS:
            m = s["targets"][t]
            rows.append([name, t, fmt(m["p50_ms"]), fmt(m["p90_ms"]), fmt(m["p99_ms"]),
                         fmt(m.get("added_p50_ms")), fmt(m.get("ratio_p50")),
                         fmt(m["ttft_p50_ms"]) if s["stream"] else "-",
                         fmt(m.get("added_ttft_p50_ms")) if s["stream"] else "-",
                         fmt(m["rps"], 0), fmt(m.get("gateway_cpu_ms_per_req"), 3),
                         fmt(m["max_stall_ms"]) if s["stream"] else "-", str(m["errors"])])
    widths = [max(len(r[i]) for r in rows) for i in range(len(cols))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |" for r in rows]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    out = ["Latencies in ms (+ = added over direct; x = ratio to direct). CPU = gateway CPU per request.", *lines, ""]
    if "startup" in res:
        st = res["startup"]
        out.append(f"startup to first 200: median {st['median_s'] * 1000:.0f} ms, max {st['max_s'] * 1000:.0f} ms "
                   f"({len(st['runs_s'])} runs)")
    if "memory" in res:
        m = res["memory"]
        out.append(f"RSS: fresh idle {fmt(m.get('fresh_idle_mb'), 1)} MB, idle after load {fmt(m.get('idle_mb'), 1)} MB, "
                   f"peak (VmHWM) {fmt(m.get('peak_mb'), 1)} MB")
    if "idle" in res:
        i = res["idle"]
        out.append(f"{i['connections']} idle keep-alive connections: RSS {i['rss_before_mb']:.1f} -> {i['rss_open_mb']:.1f} MB "
                   f"({i['kb_per_connection']:.1f} KB each), {i['errors']} errors")
    if "soak" in res:
        so = res["soak"]
        out.append(f"soak {so['seconds']:.0f} s: {so['requests']} requests, {so['errors']} errors, "
                   f"CPU {so['gateway_cpu_ms_per_req']:.3f} ms/req, RSS after warm-up {so['rss_after_warmup_mb']:.1f} MB, "
                   f"end {so['rss_end_mb']:.1f} MB, growth {so['rss_growth_after_warmup_mb']:+.2f} MB")
        out.append("  RSS samples (s, MB): " + ", ".join(f"{t:g}:{mb:g}" for t, mb in so["rss_samples_mb"]))
    out.append("")
    out.append("Targets:")
    for c in res["targets"]:
        mark = {True: "met", False: "NOT MET", None: "n/a"}[c["met"]]
        out.append(f"  [{mark:7}] {c['target']}: {c['value']} (target {c['limit']})")
    return "\n".join(out)


def machine_info(pin: bool, server_dir: Path) -> dict[str, Any]:
    model = ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    commit = ""
    dirty = None
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=server_dir, capture_output=True,
                                text=True, timeout=5).stdout.strip()
        dirty = bool(subprocess.run(["git", "status", "--porcelain", "--", "server"], cwd=server_dir,
                                    capture_output=True, text=True, timeout=5).stdout.strip())
    except (OSError, subprocess.SubprocessError):
        pass
    if not commit:
        commit = (server_dir / "COMMIT").read_text().strip() if (server_dir / "COMMIT").exists() else "unknown"
    return {"cpu": model, "cpus": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform(), "commit": commit, "server_tree_dirty": dirty,
            "server_dir": str(server_dir), "pinned": pin, "loadavg_start": os.getloadavg()}


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    wanted = args.scenarios
    res: dict[str, Any] = {"when": dt.datetime.now().isoformat(timespec="seconds"), "smoke": args.smoke,
                           "machine": machine_info(args.pin, args.server_dir), "scenarios": {}, "skipped": []}
    fixture = None
    if any(s.fixture and s.name in wanted for s in SCENARIOS):
        if FIXTURE.exists():
            fixture = orjson.loads(FIXTURE.read_bytes())
        elif args.smoke:
            res["skipped"].append(f"cc30k-c1: {FIXTURE} is absent")
        else:
            raise SystemExit(f"bench: the fixture {FIXTURE} is missing (needed by cc30k-c1)")
    home = Path(tempfile.mkdtemp(prefix="switchboard-bench-"))
    mock = Mock(args.pin)
    gw: Gateway | None = None
    try:
        config = write_config(home, mock.port, args.history)
        if "startup" in wanted:
            print("== startup", file=sys.stderr, flush=True)
            res["startup"] = await run_startup(args, home, config, mock)
        gw = Gateway(args.python, home, config, args.pin, args.server_dir)
        _, probe = raw_request("passthrough", request_body(SCENARIOS[0], None), "bench", mock.port, gw.port)
        await gw.wait_ready(probe)
        await asyncio.sleep(0.5)
        res["memory"] = {"fresh_idle_mb": rss_mb(gw.pid)[0]}
        if "idle1000" in wanted:  # on the fresh gateway: after load, freed memory would hide the cost
            print("== idle1000", file=sys.stderr, flush=True)
            res["idle"] = await run_idle(args, gw, mock)
        for sc in SCENARIOS:
            if sc.name not in wanted or (sc.fixture and fixture is None):
                continue
            print(f"== {sc.name}", file=sys.stderr, flush=True)
            res["scenarios"][sc.name] = await run_scenario(sc, args, gw, mock, fixture)
        await asyncio.sleep(1.0)
        res["memory"]["idle_mb"], res["memory"]["peak_mb"] = rss_mb(gw.pid)
        if "soak" in wanted:
            print(f"== soak ({2 if args.smoke else args.soak_seconds} s)", file=sys.stderr, flush=True)
            res["soak"] = await run_soak(args, gw, mock)
            await asyncio.sleep(1.0)
            res["memory"]["idle_after_soak_mb"], res["memory"]["peak_mb"] = rss_mb(gw.pid)
        if gw.proc.poll() is not None:
            raise RuntimeError(f"the gateway died:\n{gw.log_tail()}")
    finally:
        if gw is not None:
            gw.stop()
        mock.stop()
        if not args.keep_home:
            shutil.rmtree(home, ignore_errors=True)
    res["machine"]["loadavg_end"] = os.getloadavg()
    res["targets"] = check_targets(res)
    return res


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="build/bench/run.py", description="Switchboard benchmark (issue 7)")
    p.add_argument("--smoke", action="store_true", help="a few requests per scenario, a 2 s soak (CI)")
    p.add_argument("--scenarios", default=",".join(ALL_NAMES),
                   help=f"comma-separated subset of: {', '.join(ALL_NAMES)}")
    p.add_argument("--soak-seconds", type=float, default=600.0)
    p.add_argument("--phase-seconds", type=float, default=3.0, help="length of one measured phase")
    p.add_argument("--rounds", type=int, default=3, help="interleaved rounds per scenario")
    p.add_argument("--startup-runs", type=int, default=5)
    p.add_argument("--python", default=sys.executable, help="interpreter for the gateway")
    p.add_argument("--server-dir", type=Path, default=REPO,
                   help="the checkout whose server/ runs as the gateway (default: this repo)")
    p.add_argument("--no-pin", dest="pin", action="store_false", help="do not use taskset")
    p.add_argument("--no-history", dest="history", action="store_false",
                   help="run the gateway with the usage history off (to measure what recording costs)")
    p.add_argument("--json-out", help="where to write the JSON (default build/bench-results/bench-<time>.json)")
    p.add_argument("--keep-home", action="store_true", help="keep the temp SWITCHBOARD_HOME (gateway logs)")
    args = p.parse_args(argv)
    args.scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = set(args.scenarios) - set(ALL_NAMES)
    if unknown:
        p.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    args.pin = args.pin and shutil.which("taskset") is not None and (os.cpu_count() or 1) >= 2
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)  # 1,000 idle + 256 streaming sockets
    if soft != resource.RLIM_INFINITY and soft < 4096:
        resource.setrlimit(resource.RLIMIT_NOFILE, (4096 if hard == resource.RLIM_INFINITY else min(4096, hard), hard))
    if args.pin:
        os.sched_setaffinity(0, {1})  # the load generator shares CPU 1 with the mock
    res = asyncio.run(main_async(args))
    out = Path(args.json_out) if args.json_out else (
        REPO / "build" / "bench-results" / f"bench-{dt.datetime.now():%Y%m%d-%H%M%S}{'-smoke' if args.smoke else ''}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(orjson.dumps(res, option=orjson.OPT_INDENT_2 | orjson.OPT_SERIALIZE_NUMPY))
    m = res["machine"]
    print(f"Switchboard benchmark{' (smoke)' if args.smoke else ''} - {m['cpu']} x{m['cpus']}, Python {m['python']}, "
          f"server {m['server_dir']} commit {m['commit']}{' + local changes' if m['server_tree_dirty'] else ''}, "
          f"{'gateway pinned to CPU 0' if m['pinned'] else 'not pinned'}, load avg {m['loadavg_start'][0]:.2f}")
    print(table(res))
    if res["skipped"]:
        print("skipped: " + "; ".join(res["skipped"]))
    print(f"JSON: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
