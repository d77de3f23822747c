"""Who may use the settings page: one-time login tokens, in-memory sessions,
and the Host / Origin checks that stop DNS rebinding and CSRF.

The tray calls :func:`issue_login_token` and has the browser open
``http://127.0.0.1:<port>/settings/login?token=<token>`` (through a 0600
file, never on a command line: see ``launch.py``). The token works once,
within two minutes; redeeming it creates a session of two random values:

* a cookie (HttpOnly, SameSite=Strict), which lets the browser load the page;
* a page secret, in the login answer's body, which ``signin.js`` moves into
  ``sessionStorage`` before opening the page. The page sends it as
  ``X-Switchboard-Session`` on every API call.

Cookies are shared by every port of 127.0.0.1, so a page any local program
serves on another port receives the cookie; ``sessionStorage`` is isolated
per origin (port included), so it never gets the secret. The API therefore
needs both: the cookie alone is refused (401). Only digests are stored and
the secret is compared in constant time. Sessions live only in memory:
restarting Switchboard logs everyone out.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import threading
import time
import weakref
from dataclasses import dataclass
from typing import Any, Callable

TOKEN_TTL = 120.0              # seconds a login token is valid
SESSION_IDLE = 12 * 3600.0     # a session unused this long expires
MAX_SESSIONS = 32              # the oldest is dropped beyond this
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SESSION_HEADER = "X-Switchboard-Session"
MAX_VALUE = 200                # longer tokens, cookies or secrets are never ours


def _digest(value: str) -> bytes:
    # Stored hashed, so a memory dump or a timing probe of dict lookups does
    # not hand out a usable value.
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).digest()


@dataclass
class _Session:
    secret: bytes   # digest of the page secret
    last: float     # last use (clock)


class Sessions:
    """Login tokens and sessions of one gateway; thread-safe (the tray calls
    :meth:`issue_token` from its own thread)."""

    def __init__(self, clock: Any = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens: dict[bytes, float] = {}     # digest -> expiry
        self._on_spent: dict[bytes, Callable[[], None]] = {}
        self._sessions: dict[bytes, _Session] = {}  # cookie digest -> session

    def issue_token(self, on_spent: Callable[[], None] | None = None) -> str:
        """A one-time token. ``on_spent`` runs once when it is redeemed or
        found expired (the launch file that holds it is deleted then)."""
        token = secrets.token_urlsafe(32)
        now = self._clock()
        with self._lock:
            spent = self._purge(now)
            self._tokens[_digest(token)] = now + TOKEN_TTL
            if on_spent is not None:
                self._on_spent[_digest(token)] = on_spent
        _run(spent)
        return token

    def _purge(self, now: float) -> list[Callable[[], None]]:
        expired = [k for k, exp in self._tokens.items() if exp <= now]
        for key in expired:
            del self._tokens[key]
        return [cb for cb in (self._on_spent.pop(k, None) for k in expired) if cb is not None]

    def expire_tokens(self) -> None:
        """Forget expired tokens now (and run their ``on_spent``)."""
        with self._lock:
            spent = self._purge(self._clock())
        _run(spent)

    def token_valid(self, token: str) -> bool:
        """Is ``token`` live? (Does not spend it: for HEAD.)"""
        if not token or len(token) > MAX_VALUE:
            return False
        with self._lock:
            expiry = self._tokens.get(_digest(token))
        return expiry is not None and expiry > self._clock()

    def redeem(self, token: str) -> tuple[str, str] | None:
        """``(cookie, page_secret)`` of a new session for a valid token (which
        is then spent), else None."""
        if not token or len(token) > MAX_VALUE:
            return None
        now = self._clock()
        key = _digest(token)
        with self._lock:
            expiry = self._tokens.pop(key, None)
            spent = [cb for cb in [self._on_spent.pop(key, None)] if cb is not None]
            if expiry is None or expiry <= now:
                result = None
            else:
                cookie, secret = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
                self._sessions[_digest(cookie)] = _Session(_digest(secret), now)
                if len(self._sessions) > MAX_SESSIONS:
                    oldest = min(self._sessions, key=lambda k: self._sessions[k].last)
                    del self._sessions[oldest]
                result = (cookie, secret)
        _run(spent)
        return result

    def check(self, cookie: str | None, secret: str | None) -> bool:
        """The API's test: a live session cookie AND its page secret."""
        if not secret or len(secret) > MAX_VALUE:
            return False
        return self._touch(cookie, _digest(secret))

    def check_cookie(self, cookie: str | None) -> bool:
        """Enough to be sent the page's HTML (which holds nothing secret);
        never enough for the API."""
        return self._touch(cookie, None)

    def _touch(self, cookie: str | None, secret: bytes | None) -> bool:
        if not cookie or len(cookie) > MAX_VALUE:
            return False
        now = self._clock()
        key = _digest(cookie)
        with self._lock:
            session = self._sessions.get(key)
            if session is None:
                return False
            if now - session.last > SESSION_IDLE:
                del self._sessions[key]
                return False
            if secret is not None:
                if not hmac.compare_digest(secret, session.secret):
                    return False
                session.last = now
        return True

    def end(self, cookie: str | None) -> None:
        if cookie:
            with self._lock:
                self._sessions.pop(_digest(cookie), None)


def _run(callbacks: list[Callable[[], None]]) -> None:
    for callback in callbacks:
        try:
            callback()
        except Exception:  # a cleanup must never break a login
            pass


_STORES: "weakref.WeakKeyDictionary[Any, Sessions]" = weakref.WeakKeyDictionary()
_STORES_LOCK = threading.Lock()


def _gateway_of(app_or_gateway: Any) -> Any:
    config = getattr(app_or_gateway, "config", None)
    if isinstance(config, dict) and "GATEWAY" in config:
        return config["GATEWAY"]
    return app_or_gateway


def sessions_for(app_or_gateway: Any) -> Sessions:
    gateway = _gateway_of(app_or_gateway)
    with _STORES_LOCK:
        store = _STORES.get(gateway)
        if store is None:
            store = _STORES[gateway] = Sessions()
    return store


def issue_login_token(app_or_gateway: Any, on_spent: Callable[[], None] | None = None) -> str:
    """A one-time token (2 minutes) for ``/settings/login?token=...``.

    Accepts the Quart app from ``create_app`` or its Gateway.
    """
    return sessions_for(app_or_gateway).issue_token(on_spent)


def login_url(app_or_gateway: Any, port: int, host: str = "127.0.0.1") -> str:
    """The URL the tray opens: a fresh token included."""
    return f"http://{host}:{port}/settings/login?token={issue_login_token(app_or_gateway)}"


def cookie_name(port: int) -> str:
    # Browsers share cookies between ports of one host; the port in the name
    # keeps two Switchboards (or a test run) from clobbering each other.
    return f"switchboard_session_{port}"


# -- request checks (pure, so tests can call them directly) --------------------

def allowed_hosts(port: int) -> frozenset[str]:
    return frozenset({f"127.0.0.1:{port}", f"localhost:{port}"})


def host_ok(host: str | None, port: int) -> bool:
    """DNS rebinding: a page from evil.example resolved to 127.0.0.1 still
    sends ``Host: evil.example``."""
    return (host or "").lower() in allowed_hosts(port)


def remote_ok(remote: str | None) -> bool:
    """Only this computer may use the page, even when the API listens wider."""
    if not remote:
        return False
    try:
        return ipaddress.ip_address(remote.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def origin_ok(method: str, origin: str | None, fetch_site: str | None, host: str | None) -> bool:
    """CSRF: a state-changing request must come from our own page."""
    if method.upper() in SAFE_METHODS:
        return True
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        return False
    if not origin or not host:
        return False
    return hmac.compare_digest(origin.lower().encode(), f"http://{host.lower()}".encode())
