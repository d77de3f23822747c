"""Print the server's requirements: pyproject.toml's dependencies without the
tray's GUI packages. The Dockerfile installs exactly these (then the project
with --no-deps); tests/deploy checks the list and that the server runs
without the tray packages.

    python deploy/server_requirements.py > requirements-server.txt
"""
from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

TRAY_ONLY = {"pystray", "pillow"}  # the tray icon and its image; the server never imports them


def server_requirements(pyproject: Path) -> list[str]:
    data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    out = []
    for req in data["project"]["dependencies"]:
        name = re.split(r"[<>=!~;\[ ]", req, maxsplit=1)[0].strip().lower()
        if name not in TRAY_ONLY:
            out.append(req)
    return out


if __name__ == "__main__":
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1]
    print("\n".join(server_requirements(root / "pyproject.toml")))
