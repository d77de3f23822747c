"""Logging: one line per request to a rotating file; never bodies or keys.

Request lines carry time, route, provider, model, status, latency and tokens
(issue 2 §8). A redacting filter masks anything shaped like a key in every
record, as a last line of defence for third-party log messages.
"""
from __future__ import annotations

import logging
import logging.handlers
import re
from pathlib import Path

REQUEST_LOGGER = "switchboard.requests"
_KEYISH = re.compile(
    r"(sk-[A-Za-z0-9_\-]{8,}|AIza[0-9A-Za-z_\-]{20,}|(?i:bearer)\s+[A-Za-z0-9._\-]{8,}|gsk_[A-Za-z0-9]{8,})"
)


def redact(text: str) -> str:
    return _KEYISH.sub("[redacted]", text)


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class _RotatingFile(logging.handlers.RotatingFileHandler):
    """RotatingFileHandler that counts bytes instead of asking the OS.

    The standard ``shouldRollover`` stats and seeks the file on every
    record: 4.5 % of a small request's CPU here (build/bench, issue 7).
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._bytes = self.stream.tell() if self.stream else 0

    def shouldRollover(self, record: logging.LogRecord) -> int:
        if self.maxBytes <= 0:
            return 0
        self._bytes += len(self.format(record)) + 1
        return 1 if self._bytes >= self.maxBytes else 0

    def doRollover(self) -> None:
        super().doRollover()
        self._bytes = 0


def setup_file_logging(log_dir: Path, level: int = logging.INFO) -> Path:
    """Attach a rotating file handler to the root logger; return the file."""
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / "switchboard.log"
    root = logging.getLogger()
    for handler in root.handlers:
        if isinstance(handler, logging.handlers.RotatingFileHandler) and Path(handler.baseFilename) == path:
            return path
    handler = _RotatingFile(path, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.addFilter(RedactingFilter())
    root.addHandler(handler)
    if root.level > level or root.level == logging.NOTSET:
        root.setLevel(level)
    # Hypercorn's access log would duplicate our request line.
    logging.getLogger("hypercorn.access").disabled = True
    return path
