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
from server.secrets import SecretStore
from server.settings import Settings

log = logging.getLogger("switchboard")


def error_response(error: SwitchboardError) -> Response:
    return Response(orjson.dumps(error.body()), status=error.status,
                    content_type="application/json", headers=error.headers)


def create_app(
    settings: Settings,
    *,
    secrets: SecretStore | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    config: Config | None = None,
) -> Quart:
    app = Quart("switchboard")
    app.config.update(
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        BODY_TIMEOUT=120,
        RESPONSE_TIMEOUT=None,  # streams of thinking models run for many minutes
        PROVIDE_AUTOMATIC_OPTIONS=True,
    )
    gateway = Gateway(settings, secrets=secrets, transport=transport, config=config)
    app.config["GATEWAY"] = gateway
    from server.usage.service import UsageService

    usage = app.config["USAGE"] = UsageService(gateway, settings)  # issue 15: history, prices, budget

    from server.routes import health, messages

    app.register_blueprint(health.bp)
    app.register_blueprint(messages.bp)
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
        return error_response(error)

    @app.errorhandler(HTTPException)
    async def _http_error(error: HTTPException) -> Response:
        status = error.code or 500
        if status != 413:
            await drain_body()
        messages = {
            404: "Not found: Switchboard serves POST /v1/messages and POST /v1/messages/count_tokens",
            405: "Method not allowed",
            413: f"The request body is larger than {settings.max_body_bytes // (1024 * 1024)} MB",
        }
        err = SwitchboardError(messages.get(status, error.description or error.name),
                               status=status, error_type=error_type_for_status(status))
        return error_response(err)

    @app.errorhandler(Exception)
    async def _unexpected(error: Exception) -> Response:
        log.error("unexpected error: %s", type(error).__name__, exc_info=error)
        return error_response(SwitchboardError("Switchboard hit an internal error", status=500))

    return app
