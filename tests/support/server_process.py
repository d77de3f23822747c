"""``python -m server`` as a real child process on a free loopback port."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

import httpx

from tests.support.live_server import free_port

REPO = Path(__file__).resolve().parents[2]
PROCESS_KEY = "sk-swb-process-test-key-000000000"


class ServerProcess:
    def __init__(self, home: Path, config: dict[str, Any], *, args: list[str] | None = None,
                 env: dict[str, str] | None = None, preexec_fn: Callable[[], None] | None = None,
                 api_key: str | None = PROCESS_KEY) -> None:
        home.mkdir(parents=True, exist_ok=True)
        (home / "switchboard.json").write_text(json.dumps(config))
        self.home = home
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        environ = {**os.environ, "SWITCHBOARD_HOME": str(home), "PYTHONPATH": str(REPO)}
        environ.pop("SWITCHBOARD_API_KEY", None)
        if api_key is not None:
            environ["SWITCHBOARD_API_KEY"] = api_key
        environ.update(env or {})
        self.key = api_key
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "server", "--port", str(self.port), *(args or [])],
            cwd=home, env=environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            preexec_fn=preexec_fn)
        self.output = ""

    @property
    def pid(self) -> int:
        return self.proc.pid

    def wait_ready(self, timeout: float = 20) -> "ServerProcess":
        started = time.monotonic()
        while True:
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited: {self.proc.stdout.read()}")
            if time.monotonic() - started > timeout:
                raise AssertionError("server did not start")
            time.sleep(0.05)

    def status(self, field: str) -> int:
        """A numeric field of /proc/<pid>/status in kB (VmHWM, VmRSS...)."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
        raise KeyError(field)

    def stop(self) -> str:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            out, _ = self.proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, _ = self.proc.communicate()
        self.output = out or ""
        return self.output
