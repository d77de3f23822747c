"""Bring in another router's setup: ``switchboard import`` / ``export``.

One module per source, each reading only (never writing) what the other app
keeps, into a :class:`~server.importers.model.Source`: providers, routes,
keys, and what was left behind with the reason.

* ``ccr2``      claude-code-router 2's ``config.json`` (server/ccr_import does the work)
* ``ccr3``      claude-code-router 3's ``config.sqlite`` (one JSON document in ``app_config``)
* ``ccswitch``  cc-switch's ``cc-switch.db`` (``providers`` rows for Claude)
* ``setup_file`` a setup written by ``switchboard export`` (no keys in it)
* ``detect``    what a PATH is, and the default places of all of them
* ``plan``      Source + switchboard.json -> the new config, the keys, the report;
                then apply it all or nothing
* ``export``    switchboard.json -> a setup without any key
* ``cli``       the ``import`` and ``export`` commands
"""
from server.importers.model import ImportSourceError, Source, SourceProvider, SourceRoute

__all__ = ["ImportSourceError", "Source", "SourceProvider", "SourceRoute"]
