"""Every sentence table the server has (server/said.py), found by importing
each module of ``server`` rather than from a hand-kept list, so a new
module's sentences cannot escape the catalogue tests."""
from __future__ import annotations

import importlib
import pkgutil

import server
from server import said


def every_table() -> list[said.Words]:
    for module in pkgutil.walk_packages(server.__path__, "server."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    return list(said.TABLES)
