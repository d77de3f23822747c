"""create_app(settings, ...): the Quart app, its blueprints, one error handler.

Every error leaves in Anthropic's shape
``{"type":"error","error":{"type":...,"message":...}}`` — ours, Quart's
(404, 405, 413) and unexpected ones (500, logged, no stack trace to the
client).
"""
from __future__ import annotations

import asyncio
import logging

import httpx
import orjson
from quart import Quart, Response
from werkzeug.exceptions import HTTPException

from server.config import Config
from server.errors import SwitchboardError, error_type_for_status
from server.gateway import Gateway
from server.routes.common import drain_body
from server.routes.guard import NOT_ALLOWED, NOT_FOUND, EarlyRefusal
from server.secrets import SecretStore
from server.settings import Settings

log = logging.getLogger("switchboard")


def error_response(error: SwitchboardError, *, close: bool = False) -> Response:
    """The error in Anthropic's shape; ``close`` ends the connection after it
    (the request body was not read and is not worth reading)."""
    headers = {**error.headers, "connection": "close"} if close else error.headers
    return Response(orjson.dumps(error.body()), status=error.status,
                    content_type="application/json", headers=headers)


def create_app(
    settings: Settings,
    *,
    secrets: SecretStore | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    config: Config | None = None,
) -> Quart:
    app = Quart("switchboard")
    # Requests refused before their body is read: a wrong key, an unknown
    # path or method (issue 14 §4). Quart would buffer the body first.
    app.asgi_app = EarlyRefusal(app, app.asgi_app)  # type: ignore[method-assign]
    app.config.update(
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        BODY_TIMEOUT=settings.body_timeout,
        RESPONSE_TIMEOUT=None,  # streams of thinking models run for many minutes
        PROVIDE_AUTOMATIC_OPTIONS=True,
    )
    gateway = Gateway(settings, secrets=secrets, transport=transport, config=config)
    app.config["GATEWAY"] = gateway
    from server.usage.service import UsageService

    usage = app.config["USAGE"] = UsageService(gateway, settings)  # issue 15: history, prices, budget

    from server.routes import health, messages, models

    app.register_blueprint(health.bp)
    app.register_blueprint(messages.bp)
    app.register_blueprint(models.bp)
    # Route addresses: http://127.0.0.1:3456/r/<route> is a base URL whose
    # requests use that route whatever the active one is (issue 16 §1).
    app.register_blueprint(messages.bp, url_prefix="/r/<route_id>", name="route_messages")
    app.register_blueprint(models.bp, url_prefix="/r/<route_id>", name="route_models")
    from server.settings_page import routes as settings_routes

    app.register_blueprint(settings_routes.bp)

    @app.before_serving
    async def _startup() -> None:
        await gateway.startup()
        usage.start()

    @app.after_serving
    async def _shutdown() -> None:
        await gateway.shutdown()
        await asyncio.to_thread(usage.close)  # the last rows are written off the loop

    @app.errorhandler(SwitchboardError)
    async def _switchboard_error(error: SwitchboardError) -> Response:
        return error_response(error, close=not await drain_body())

    http_messages = {  # the settings are fixed for this app: built once
        404: NOT_FOUND,
        405: NOT_ALLOWED,
        408: f"The request body did not arrive within {settings.body_timeout:g} s",
        413: f"The request body is larger than {settings.max_body_bytes // (1024 * 1024)} MB",
    }

    @app.errorhandler(HTTPException)
    async def _http_error(error: HTTPException) -> Response:
        status = error.code or 500
        # 408 (the body was too slow) and 413 (too large): the body is not
        # read again; one timeout, once (issue 14 §9).
        drained = status not in (408, 413) and await drain_body()
        err = SwitchboardError(http_messages.get(status, error.description or error.name),
                               status=status, error_type=error_type_for_status(status))
        return error_response(err, close=not drained)

    @app.errorhandler(Exception)
    async def _unexpected(error: Exception) -> Response:
        log.error("unexpected error: %s", type(error).__name__, exc_info=error)
        return error_response(SwitchboardError("Switchboard hit an internal error", status=500))

    return app
