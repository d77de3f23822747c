"""The settings page: ``/settings`` (static HTML/CSS/JS) and its JSON API.

One blueprint (``common.bp``); each screen's endpoints live in their own
module, imported here so they register on it:

* ``pages``           the guard (Host, loopback, Origin, session), headers, login, static files
* ``state_api``       ``GET /settings/api/state``
* ``providers_api``   providers, test connection, model lists
* ``keys_api``        a provider's several keys (add, name, test, reorder, remove)
* ``check_api``       "Check with Claude Code": estimate, run, kept results
* ``network_api``     proxy, CA file, timeouts
* ``routes_api``      routes and the active route
* ``setup_api``       the first-run guide
* ``activity_api``    recent requests
* ``claude_code_api`` Connect Claude Code, the access key
* ``events_api``      change notices for an open page (server-sent events, a short poll)

Config edits are pure functions (edits.py) validated by ``config.parse``
before anything is written; then ``Gateway.save_config`` saves atomically,
applies at once and tells the tray.
"""
from __future__ import annotations

from server.settings_page import (activity_api, check_api, claude_code_api, events_api, keys_api,  # noqa: F401
                                  network_api, pages, providers_api, routes_api, setup_api, state_api)
from server.settings_page.common import bp

__all__ = ["bp"]
