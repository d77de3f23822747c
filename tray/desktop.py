"""Small desktop services: open a URL or a folder, copy text to the clipboard.

Each returns True on success so the caller can tell the user otherwise.
"""
from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import webbrowser
from pathlib import Path

log = logging.getLogger("switchboard.tray")


def open_url(url: str) -> bool:
    try:
        return bool(webbrowser.open(url, new=2))
    except Exception as exc:
        log.warning("cannot open the browser: %s", type(exc).__name__)
        return False


def open_folder(path: Path) -> bool:
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    try:
        if sys.platform == "win32":
            os.startfile(str(path))  # type: ignore[attr-defined]
            return True
        opener = "open" if sys.platform == "darwin" else "xdg-open"
        if shutil.which(opener) is None:
            return open_url(path.as_uri())
        subprocess.Popen([opener, str(path)], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        return True
    except Exception as exc:
        log.warning("cannot open the folder: %s", type(exc).__name__)
        return False


def copy_text(text: str) -> bool:
    """Copy with the first tool that works: GTK (Linux tray), the OS
    command-line tools, then Tk."""
    if sys.platform.startswith("linux") and _copy_gtk(text):
        return True
    for cmd in _commands():
        if shutil.which(cmd[0]) is None:
            continue
        try:
            subprocess.run(cmd, input=text.encode("utf-8"), check=True, timeout=5,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            return True
        except (OSError, subprocess.SubprocessError):
            continue
    return _copy_tk(text)


def _commands() -> list[list[str]]:
    if sys.platform == "darwin":
        return [["pbcopy"]]
    if sys.platform == "win32":
        return [["clip"]]
    return [["wl-copy"], ["xclip", "-selection", "clipboard"], ["xsel", "--clipboard", "--input"]]


def _copy_gtk(text: str) -> bool:
    if "gi" not in sys.modules:
        return False  # only when the GTK tray already runs (its main loop owns the clipboard)
    try:
        import gi

        gi.require_version("Gtk", "3.0")
        from gi.repository import Gdk, Gtk

        clipboard = Gtk.Clipboard.get(Gdk.SELECTION_CLIPBOARD)
        clipboard.set_text(text, -1)
        clipboard.store()
        return True
    except Exception:
        return False


def _copy_tk(text: str) -> bool:
    try:
        import tkinter

        root = tkinter.Tk()
        root.withdraw()
        root.clipboard_clear()
        root.clipboard_append(text)
        root.update()
        root.destroy()
        return True
    except Exception:
        return False
