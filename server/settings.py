"""Runtime settings: where files live and how the server behaves.

Injected into create_app() so tests and the tray choose the folders. The
config folder comes from ``SWITCHBOARD_HOME`` when set, else the platform's
config dir (platformdirs, app name ``switchboard``).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

APP_NAME = "switchboard"


def default_home(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    if env.get("SWITCHBOARD_HOME"):
        return Path(env["SWITCHBOARD_HOME"]).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def default_log_dir(home: Path, environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    if env.get("SWITCHBOARD_HOME"):
        return home / "logs"
    import platformdirs

    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


@dataclass
class Settings:
    home: Path
    config_path: Path
    log_dir: Path
    host: str | None = None          # overrides config.server.host
    port: int | None = None          # overrides config.server.port
    ping_interval: float = 10.0      # seconds of upstream silence before a ping (§A.6)
    max_body_bytes: int = 64 * 1024 * 1024
    body_timeout: float = 120.0      # seconds for a request body to arrive (then 408)
    log_to_file: bool = True
    # Team mode (issue 20): shared state in Redis, and how long streams in
    # flight may take to finish after SIGTERM.
    redis_url: str | None = None
    redis_timeout: float = 0.5       # seconds per Redis call (server/shared/store.py)
    shutdown_grace: float = 3.0
    # A header set by the load balancer (nginx: X-Request-Id $request_id)
    # that names a request across replicas; usage is counted once per value.
    request_id_header: str | None = None
    metrics_token: str | None = None  # serves /metrics to whoever presents it (server/metrics.py)

    @classmethod
    def from_env(cls, *, config_path: str | os.PathLike[str] | None = None,
                 environ: Mapping[str, str] | None = None, **overrides: object) -> "Settings":
        env = os.environ if environ is None else environ
        home = default_home(environ)
        config_path = config_path or env.get("SWITCHBOARD_CONFIG") or None
        path = Path(config_path) if config_path else home / "switchboard.json"
        overrides.setdefault("redis_url", env.get("SWITCHBOARD_REDIS_URL") or None)
        overrides.setdefault("metrics_token", env.get("SWITCHBOARD_METRICS_TOKEN") or None)
        overrides.setdefault("request_id_header", env.get("SWITCHBOARD_REQUEST_ID_HEADER") or None)
        for name, field in (("SWITCHBOARD_SHUTDOWN_GRACE", "shutdown_grace"),
                            ("SWITCHBOARD_REDIS_TIMEOUT", "redis_timeout")):
            value = env.get(name)
            if value:
                try:
                    overrides.setdefault(field, max(0.01 if field == "redis_timeout" else 0.0, float(value)))
                except ValueError:
                    pass
        return cls(home=home, config_path=path, log_dir=default_log_dir(home, environ), **overrides)  # type: ignore[arg-type]
