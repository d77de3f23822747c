"""Issue 13.18: no noise in the terminal: a second launch prints no httpx
request lines, and the package's licence metadata is the SPDX form current
setuptools wants (the table form printed a deprecation warning per build step)."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

from tests.conftest import gateway_config
from tests.tray.conftest import REPO, free_port, wait_health, write_config


def test_second_launch_prints_no_http_request_lines(tmp_path: Path, tray_procs) -> None:
    port = free_port()
    home = tmp_path / "home"
    write_config(home, gateway_config("http://127.0.0.1:9"), port)
    first = tray_procs(home, "--headless")
    wait_health(port, proc=first)
    second = tray_procs(home, "--headless")
    assert second.wait_exit(30) == 0
    assert "already running" in second.stderr  # it did talk to the first one
    assert "HTTP Request:" not in second.stderr, second.stderr
    assert "httpx" not in second.stderr
    assert first.terminate() == 0


def test_licence_metadata_is_spdx() -> None:
    data = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    project = data["project"]
    assert project["license"] == "Apache-2.0"
    assert project["license-files"] and all((REPO / f).is_file() for f in project["license-files"])
    assert "Apache License" in (REPO / project["license-files"][0]).read_text(encoding="utf-8")[:200]
    classifiers = project.get("classifiers", [])
    assert not [c for c in classifiers if c.startswith("License ::")]  # forbidden next to an SPDX license
    requires = " ".join(data["build-system"]["requires"])
    version = re.search(r"setuptools>=(\d+)", requires)
    assert version and int(version.group(1)) >= 77  # the first setuptools that reads the SPDX string
