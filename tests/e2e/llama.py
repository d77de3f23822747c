"""llama.cpp's ``llama-server`` as a real upstream for the end-to-end tests (issue 9).

:func:`provision` runs ``provision_llama.sh`` (fast when the cache is warm)
and returns the cache directory; :class:`LlamaServer` starts one server on a
free loopback port, waits (bounded) for ``GET /health`` to answer 200, and
stops it. Facts about the server: ../shared/docs/local-upstream.md.
"""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Sequence

import httpx

HERE = Path(__file__).resolve().parent
PROVISION_SCRIPT = HERE / "provision_llama.sh"
MODEL_ALIAS = "smollm2"
# The first time, the script builds llama-server from source: 6-11 min on 2 cores.
PROVISION_TIMEOUT = float(os.environ.get("SWITCHBOARD_LLAMA_PROVISION_TIMEOUT", 45 * 60))


class LlamaUnavailable(RuntimeError):
    """The server could not be provisioned or started."""


def provision(timeout: float = PROVISION_TIMEOUT) -> Path:
    """Run the provisioning script; return the cache dir (its last output line)."""
    env = dict(os.environ)
    env.setdefault("PYTHON", sys.executable)
    try:
        proc = subprocess.run(["bash", str(PROVISION_SCRIPT)], capture_output=True, text=True,
                              env=env, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise LlamaUnavailable(f"{PROVISION_SCRIPT.name} failed: {exc}") from None
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    if proc.returncode != 0 or not lines:
        raise LlamaUnavailable(
            f"{PROVISION_SCRIPT.name} exited {proc.returncode}:\n{proc.stderr[-3000:]}"
            f"\n{proc.stdout[-1000:]}")
    cache = Path(lines[-1].strip())
    missing = [name for name in ("bin/llama-server", "smollm2.gguf", "llama-3.2.jinja")
               if not (cache / name).is_file()]
    if missing:
        raise LlamaUnavailable(f"{PROVISION_SCRIPT.name} did not produce {', '.join(missing)} in {cache}")
    return cache


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LlamaServer:
    """One llama-server process on 127.0.0.1, serving SmolLM2 as ``smollm2``."""

    def __init__(self, cache: Path, extra_args: Sequence[str] = (), *, name: str = "llama",
                 log_dir: Path | None = None) -> None:
        self.cache = Path(cache)
        self.extra_args = list(extra_args)
        self.name = name
        log_dir = Path(log_dir) if log_dir else Path(tempfile.mkdtemp(prefix="llama-e2e-"))
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = log_dir / f"{name}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self, port: int) -> list[str]:
        return [str(self.cache / "bin" / "llama-server"), "-m", str(self.cache / "smollm2.gguf"),
                "-a", MODEL_ALIAS, "--host", "127.0.0.1", "--port", str(port),
                "-c", "4096", "-t", "1", "--seed", "42", *self.extra_args]

    def start(self, timeout: float = 30.0, attempts: int = 3) -> "LlamaServer":
        last = ""
        for _ in range(attempts):  # a free port can be taken between probe and bind
            self.port = free_port()
            with open(self.log_path, "ab") as log:
                self.proc = subprocess.Popen(self.command(self.port), stdout=log,
                                             stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            if self._wait_healthy(timeout):
                return self
            last = self.log_tail()
            self.stop()
        raise LlamaUnavailable(f"{self.name}: llama-server did not become healthy within "
                               f"{timeout:.0f} s:\n{last}")

    def _wait_healthy(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        assert self.proc is not None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                if httpx.get(self.url + "/health", timeout=2).status_code == 200:
                    return True
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        return False

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)

    # -- what the tests look at -------------------------------------------------
    def slots(self) -> list[dict[str, Any]]:
        """``GET /slots`` (enabled by default): one entry per slot."""
        response = httpx.get(self.url + "/slots", timeout=5)
        response.raise_for_status()
        return response.json()

    def busy_slots(self) -> list[dict[str, Any]]:
        return [s for s in self.slots() if s.get("is_processing")]

    def wait_idle(self, timeout: float) -> float | None:
        """Seconds until no slot is processing, or None if still busy at ``timeout``."""
        start = time.monotonic()
        while True:
            if not self.busy_slots():
                return time.monotonic() - start
            if time.monotonic() - start > timeout:
                return None
            time.sleep(0.05)

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def cancelled_tasks(self) -> set[int]:
        """Task ids llama-server logged as cancelled (its client went away)."""
        return {int(m) for m in re.findall(r"cancel task, id_task = (\d+)", self.log_text())}
