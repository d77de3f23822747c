"""Logging: one line per request to a rotating file; never bodies or keys.

Request lines carry time, route, provider, model, status, latency and tokens
(issue 2 §8). A redacting filter masks anything shaped like a key in every
record, as a last line of defence for third-party log messages, and escapes
control characters so that no value (a newline in a model name) can forge a
line (issue 14 §8).

The folder is private (0700) and the files 0600. If the folder or the file is
deleted while the app runs, the next record notices (at most once a second)
and logging goes on in a new file (issue 14).
"""
from __future__ import annotations

import logging
import logging.handlers
import os
import re
import time
from pathlib import Path

from server.fileio import PRIVATE_FILE_MODE as _FILE_MODE, ensure_private_dir, own_private_dir

REQUEST_LOGGER = "switchboard.requests"
_KEYISH = re.compile(
    r"(sk-[A-Za-z0-9_\-]{8,}|AIza[0-9A-Za-z_\-]{20,}|(?i:bearer)\s+[A-Za-z0-9._\-]{8,}|gsk_[A-Za-z0-9]{8,})"
)
_CONTROL = re.compile(r"[^\S ]|[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CHECK_EVERY = 1.0  # seconds between checks that the log file still exists


def redact(text: str) -> str:
    return _KEYISH.sub("[redacted]", text)


_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape_char(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 256 else f"\\u{code:04x}"


def escape_controls(text: str) -> str:
    """Newlines, NUL, DEL and other control characters as visible escapes."""
    if text.isprintable():
        return text
    return _CONTROL.sub(_escape_char, text)


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = escape_controls(redact(message))
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class _RotatingFile(logging.handlers.RotatingFileHandler):
    """RotatingFileHandler that counts bytes instead of asking the OS.

    The standard ``shouldRollover`` stats and seeks the file on every
    record: 4.5 % of a small request's CPU here (build/bench, issue 7).
    Whether the file was deleted is checked at most once a second.
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._bytes = self.stream.tell() if self.stream else 0
        self._checked = time.monotonic()

    def _open(self):  # type: ignore[no-untyped-def]
        ensure_private_dir(Path(self.baseFilename).parent)
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, _FILE_MODE)
        _chmod(self.baseFilename, _FILE_MODE)  # a file made before this version
        return os.fdopen(fd, "a", encoding=self.encoding, errors=self.errors)

    def format(self, record: logging.LogRecord) -> str:
        # Once per record: shouldRollover (to count bytes) and emit both ask.
        line = record.__dict__.get("_sb_line")
        if line is None or record.__dict__.get("_sb_by") is not self:
            line = super().format(record)
            record.__dict__["_sb_line"], record.__dict__["_sb_by"] = line, self
        return line

    def emit(self, record: logging.LogRecord) -> None:
        now = time.monotonic()
        if now - self._checked >= _CHECK_EVERY:
            self._checked = now
            self._reopen_if_deleted()
        super().emit(record)

    def _reopen_if_deleted(self) -> None:
        stream = self.stream
        if stream is None:
            return
        try:
            gone = os.fstat(stream.fileno()).st_nlink == 0 or not os.path.exists(self.baseFilename)
        except (OSError, ValueError):
            gone = True
        if gone:
            self.acquire()
            try:
                try:
                    stream.close()
                except (OSError, ValueError):
                    pass
                self.stream = self._open()
                self._bytes = 0
            except OSError:
                self.stream = None  # type: ignore[assignment]
            finally:
                self.release()

    def shouldRollover(self, record: logging.LogRecord) -> int:
        if self.maxBytes <= 0:
            return 0
        self._bytes += len(self.format(record)) + 1
        return 1 if self._bytes >= self.maxBytes else 0

    def doRollover(self) -> None:
        super().doRollover()
        self._bytes = 0


def _chmod(path: str | Path, mode: int) -> None:
    try:
        os.chmod(path, mode)
    except OSError:
        pass


def _lean_records() -> None:
    """No caller, thread or process lookups for each record: no format here
    uses them (the logging HOWTO's "Optimization" knobs; ~15 % of a request
    line's cost, build/bench issue 22)."""
    logging._srcfile = None  # type: ignore[attr-defined]
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False


def setup_file_logging(log_dir: Path, level: int = logging.INFO) -> Path:
    """Attach a rotating file handler to the root logger; return the file."""
    own_private_dir(log_dir)  # missing parents (the Switchboard home) are 0700 too
    path = log_dir / "switchboard.log"
    root = logging.getLogger()
    for handler in root.handlers:
        if isinstance(handler, logging.handlers.RotatingFileHandler) and Path(handler.baseFilename) == path:
            return path
    for old in log_dir.glob("switchboard.log*"):
        _chmod(old, _FILE_MODE)
    handler = _RotatingFile(path, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.addFilter(RedactingFilter())
    root.addHandler(handler)
    _lean_records()
    if root.level > level or root.level == logging.NOTSET:
        root.setLevel(level)
    # Hypercorn's access log would duplicate our request line.
    logging.getLogger("hypercorn.access").disabled = True
    return path
