"""The settings page (issue 6): ``/settings`` on the engine's own port.

The tray opens it with a one-time login link::

    from server.settings_page import issue_login_token, login_url
    url = login_url(app, port)          # http://127.0.0.1:<port>/settings/login?token=...
    token = issue_login_token(app)      # or build the URL yourself

``app`` is the Quart app from ``server.app.create_app`` (or its Gateway).
"""
from server.settings_page.auth import issue_login_token, login_url

__all__ = ["issue_login_token", "login_url"]
