"""Runtime hook (runs before the app): keep the bundle's private library
path out of the programs the app starts.

On Linux the PyInstaller bootloader points LD_LIBRARY_PATH at the bundle so
its own process finds the bundled .so files (the loader reads the variable
once, at process start). Programs the app starts (xdg-open, the browser,
xclip) inherit os.environ, and a browser loading the bundle's copies of
GLib/GTK can crash. The loader has already read the value, so restoring the
user's original here only affects children.
"""
import os
import sys


def _restore() -> None:
    if not sys.platform.startswith("linux"):
        return
    original = os.environ.pop("LD_LIBRARY_PATH_ORIG", None)
    if original:
        os.environ["LD_LIBRARY_PATH"] = original
    else:
        os.environ.pop("LD_LIBRARY_PATH", None)


_restore()
del _restore
