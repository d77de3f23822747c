"""Start-up plumbing that keeps a windowed app alive and its failures visible.

* A windowed build (PyInstaller ``--windowed``, ``pythonw``) has
  ``sys.stdout``/``sys.stderr`` set to None; any ``print`` would crash.
  ``redirect_stdio`` sends them to the log file instead (line by line,
  redacted like every other record).
* ``install_excepthooks`` logs unhandled exceptions from any thread, with
  the traceback redacted, and tells the tray (status line) through
  ``on_crash``.
"""
from __future__ import annotations

import io
import logging
import sys
import threading
import traceback
from typing import Any, Callable

from server.logs import redact

log = logging.getLogger("switchboard.tray")


class LogStream(io.TextIOBase):
    """A text stream whose complete lines become log records."""

    def __init__(self, logger: logging.Logger, level: int) -> None:
        self._logger = logger
        self._level = level
        self._buffer = ""
        self._lock = threading.Lock()

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        with self._lock:
            self._buffer += text
            *lines, self._buffer = self._buffer.split("\n")
        for line in lines:
            if line.strip():
                self._logger.log(self._level, "%s", redact(line))
        return len(text)

    def flush(self) -> None:
        with self._lock:
            line, self._buffer = self._buffer, ""
        if line.strip():
            self._logger.log(self._level, "%s", redact(line))


def redirect_stdio(force: bool = False) -> bool:
    """Replace missing stdout/stderr (windowed builds) by log streams."""
    changed = False
    console = logging.getLogger("switchboard.console")
    if force or sys.stdout is None:
        sys.stdout = LogStream(console, logging.INFO)
        changed = True
    if force or sys.stderr is None:
        sys.stderr = LogStream(console, logging.WARNING)
        changed = True
    return changed


def describe(exc_type: type[BaseException] | None, exc: BaseException | None, tb: Any) -> str:
    text = "".join(traceback.format_exception(exc_type, exc, tb)) if exc_type else "unknown error"
    return redact(text)


def install_excepthooks(on_crash: Callable[[str], None]) -> None:
    def report(where: str, exc_type: Any, exc: Any, tb: Any) -> None:
        try:
            log.error("unhandled exception in %s:\n%s", where, describe(exc_type, exc, tb))
            on_crash(getattr(exc_type, "__name__", "error"))
        except Exception:
            pass  # never let the hook itself fail

    def sys_hook(exc_type: Any, exc: Any, tb: Any) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        report("the main thread", exc_type, exc, tb)

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        name = args.thread.name if args.thread is not None else "a thread"
        report(f"thread {name}", args.exc_type, args.exc_value, args.exc_traceback)

    sys.excepthook = sys_hook
    threading.excepthook = thread_hook
