"""The packaged app's entry point: exactly ``python -m tray``.

PyInstaller needs a script, not a ``-m`` module; this one only forwards the
command line (``--headless``, ``--version``) to ``tray.__main__.main``.
"""
import sys

from tray.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
