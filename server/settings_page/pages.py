"""The page itself: the guard every settings request passes, the security
headers, the login link, logout and the static files.

:func:`guard`: Host must be ours (DNS rebinding), the client must be this
computer, state-changing requests must carry our Origin (CSRF), and
everything but the login link and the static assets needs a session.
"""
from __future__ import annotations

import orjson
from quart import Response, redirect, request

from server.errors import NotFound
from server.routes.common import gateway
from server.settings_page import auth
from server.settings_page.common import STATIC, bp, json_response, page, request_port

PUBLIC_ENDPOINTS = {"settings_page.login", "settings_page.static_file"}
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def refuse(status: int, code: str) -> Response:
    body = {"type": "error", "error": {"type": "permission_error" if status == 403 else "authentication_error",
                                      "message": code, "details": {"code": code}}}
    return Response(orjson.dumps(body), status=status, content_type="application/json")


@bp.before_request
async def guard() -> Response | None:
    if request.content_length or "transfer-encoding" in request.headers:
        # Read the body even when refusing: a keep-alive connection whose
        # request body is left unread is dropped after the response, and
        # the client's next request on it fails.
        await request.get_data(cache=True)
    port = request_port()
    if not auth.remote_ok(request.remote_addr):
        return refuse(403, "not_local")
    if not auth.host_ok(request.headers.get("host"), port):
        return refuse(403, "bad_host")
    if not auth.origin_ok(request.method, request.headers.get("origin"),
                          request.headers.get("sec-fetch-site"), request.headers.get("host")):
        return refuse(403, "bad_origin")
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if not auth.sessions_for(gateway()).check(request.cookies.get(auth.cookie_name(port))):
        if request.endpoint == "settings_page.index":
            return page("signed-out.html", 401)
        return refuse(401, "no_session")
    return None


@bp.after_request
async def security_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


@bp.get("/settings")
async def root() -> Response:
    return redirect("/settings/", 302)


@bp.get("/settings/")
async def index() -> Response:
    return page("index.html")


@bp.get("/settings/login")
async def login() -> Response:
    port = request_port()
    session = auth.sessions_for(gateway()).redeem(request.args.get("token", ""))
    if session is None:
        return page("signed-out.html", 403)
    response = redirect("/settings/", 303)
    response.set_cookie(auth.cookie_name(port), session, httponly=True, samesite="Strict",
                        path="/settings", secure=False)
    return response


@bp.post("/settings/api/logout")
async def logout() -> Response:
    port = request_port()
    auth.sessions_for(gateway()).end(request.cookies.get(auth.cookie_name(port)))
    response = json_response({"ok": True})
    response.delete_cookie(auth.cookie_name(port), path="/settings")
    return response


@bp.get("/settings/static/<name>")
async def static_file(name: str) -> Response:
    if name not in STATIC or name.endswith(".html"):
        raise NotFound("not found")
    return page(name)
