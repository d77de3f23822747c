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
* ``import_api``      bring in claude-code-router / cc-switch settings; export a setup
* ``activity_api``    recent requests
* ``claude_code_api`` Connect Claude Code, the access key
* ``sessions_api``    live Claude Code sessions, moving one to another route
* ``projects_api``    project folders pinned to a route; open Claude Code with a route
* ``events_api``      change notices for an open page (server-sent events, a short poll)

Config edits are pure functions (edits.py) validated by ``config.parse``
before anything is written; then ``Gateway.save_config`` saves atomically,
applies at once and tells the tray.
"""
from __future__ import annotations

from server.settings_page import (activity_api, check_api, claude_code_api, events_api, keys_api,  # noqa: F401
                                  network_api, pages, providers_api, routes_api, setup_api, state_api)
from server.settings_page import import_api  # noqa: F401,E402
from server.settings_page import projects_api, sessions_api  # noqa: F401  (issue 16)
from server.settings_page.common import bp

__all__ = ["bp"]

# Issue 15: the Usage screen (registers on bp like the modules above).
from server.settings_page import usage_api  # noqa: E402,F401
# Issue 19: the page's language.
from server.settings_page import language_api  # noqa: E402,F401
