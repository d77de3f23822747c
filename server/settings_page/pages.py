"""The page itself: the guard every settings request passes, the security
headers, the login link, logout and the static files.

:func:`guard`: Host must be ours (DNS rebinding), the client must be this
computer, state-changing requests must carry our Origin (CSRF), and
everything but the login link, the signed-out page and the static assets
needs a session: the cookie to load the page's HTML (a browser navigation
without one gets the friendly signed-out page, never JSON), the cookie AND
the page secret (``X-Switchboard-Session``) for every API call. A refused
request's body is never read; its connection is closed instead.
"""
from __future__ import annotations

import functools

import orjson
from quart import Response, redirect, request

from server import said
from server.errors import NotFound
from server.routes.common import gateway
from server.settings_page import auth
from server.settings_page.common import STATIC, bp, json_response, page, request_port

PUBLIC_ENDPOINTS = {"settings_page.login", "settings_page.static_file", "settings_page.server_words",
                    "settings_page.signed_out_page"}
# Browser navigations (HTML): without a session they get the signed-out page.
PAGE_ENDPOINTS = {"settings_page.root", "settings_page.index", "settings_page.other_page"}
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


SIGNIN_PAGE = ('<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
               '<meta name="referrer" content="no-referrer">'
               '<meta name="switchboard-session" content="{secret}">'
               '<title>Switchboard settings</title>'
               '<script src="/settings/static/signin.js"></script></head>'
               '<body><noscript>Switchboard settings need JavaScript.</noscript></body></html>\n')


def refuse(status: int, code: str) -> Response:
    body = {"type": "error", "error": {"type": "permission_error" if status == 403 else "authentication_error",
                                      "message": code, "details": {"code": code}}}
    response = Response(orjson.dumps(body), status=status, content_type="application/json")
    return _unread_body(response)


def _unread_body(response: Response) -> Response:
    """A refused request's body is never read (a large one would sit in
    memory): the connection closes after the answer instead, so the unread
    rest of the body cannot be taken for the next request."""
    if request.content_length or "transfer-encoding" in request.headers:
        response.headers["Connection"] = "close"
    return response


def signed_out(status: int) -> Response:
    return _unread_body(page("signed-out.html", status))


@bp.before_request
async def guard() -> Response | None:
    # Every refusal below happens before the body is read.
    port = request_port()
    if not auth.remote_ok(request.remote_addr):
        return refuse(403, "not_local")
    if not auth.host_ok(request.headers.get("host"), port):
        return refuse(403, "bad_host")
    if not auth.origin_ok(request.method, request.headers.get("origin"),
                          request.headers.get("sec-fetch-site"), request.headers.get("host")):
        return refuse(403, "bad_origin")
    if request.endpoint not in PUBLIC_ENDPOINTS:
        sessions = auth.sessions_for(gateway())
        cookie = request.cookies.get(auth.cookie_name(port))
        if request.endpoint in PAGE_ENDPOINTS and not request.path.startswith("/settings/api/"):
            # The HTML holds nothing secret: the cookie is enough to load it;
            # the page then needs its secret for every API call.
            if not sessions.check_cookie(cookie):
                return signed_out(401)
        elif not sessions.check(cookie, request.headers.get(auth.SESSION_HEADER)):
            return refuse(401, "no_session")
    if request.content_length or "transfer-encoding" in request.headers:
        # Read now (bounded by MAX_CONTENT_LENGTH) and keep it for the
        # handler: a keep-alive connection whose request body is left
        # unread is dropped after the response.
        await request.get_data(cache=True)
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


@bp.get("/settings/signed-out")
async def signed_out_page() -> Response:
    return page("signed-out.html")


@bp.route("/settings/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
async def other_page(rest: str) -> Response:
    """Any other address under /settings passes the guard too (so a body
    sent there is refused unread like any other). The API's own 404 stays
    JSON; a page address leads to the page."""
    if request.method != "GET" or rest.startswith(("api/", "static/")) or ".." in rest:
        raise NotFound("not found")
    return redirect("/settings/", 302)


@bp.route("/settings/login", methods=["GET", "HEAD"])
async def login() -> Response:
    token = request.args.get("token", "")
    sessions = auth.sessions_for(gateway())
    if request.method == "HEAD":
        # Link checkers, previews and prefetchers send HEAD: it never spends
        # the token.
        return Response(b"", status=200 if sessions.token_valid(token) else 403,
                        content_type="text/html; charset=utf-8")
    redeemed = sessions.redeem(token)
    if redeemed is None:
        return signed_out(403)
    cookie, secret = redeemed
    # The page secret goes in the answer's body (never in an address, so not
    # in history or a Referer); signin.js moves it to sessionStorage and opens
    # the page. Not a redirect: a login link opened from a file (the tray's
    # launch file) is a cross-site navigation, and a redirect would arrive
    # without the SameSite=Strict cookie.
    response = Response(SIGNIN_PAGE.replace("{secret}", secret), status=200,
                        content_type="text/html; charset=utf-8")
    response.set_cookie(auth.cookie_name(request_port()), cookie, httponly=True, samesite="Strict",
                        path="/settings", secure=False)
    return response


@bp.post("/settings/api/logout")
async def logout() -> Response:
    port = request_port()
    auth.sessions_for(gateway()).end(request.cookies.get(auth.cookie_name(port)))
    response = json_response({"ok": True})
    response.delete_cookie(auth.cookie_name(port), path="/settings")
    return response


@bp.get("/settings/static/server-words.js")
async def server_words() -> Response:
    return Response(_served_words(), content_type="text/javascript; charset=utf-8")


def server_words_js(words: dict[str, str]) -> bytes:
    """The English of the sentences the server words (server/said.py) as a
    block of the page's English catalogue: written once, on the server; the
    translations are in the page's own catalogues (strings-zh-CN.js …)."""
    return (b"// Made by the server from server/said.py's tables: the page's English for its sentences.\n"
            b"(function () {\n"
            b"  const all = window.SWITCHBOARD_STRINGS = window.SWITCHBOARD_STRINGS || { en: {} };\n"
            b"  all.en = Object.assign(" + orjson.dumps(words) + b", all.en);\n"
            b"})();\n")


@functools.cache
def _served_words() -> bytes:
    return server_words_js(said.page_english())  # on first use: the app has imported every table


@bp.get("/settings/static/<name>")
async def static_file(name: str) -> Response:
    if name not in STATIC or name.endswith(".html"):
        raise NotFound("not found")
    return page(name)
