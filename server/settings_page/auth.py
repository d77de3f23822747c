"""Who may use the settings page: one-time login tokens, in-memory sessions,
and the Host / Origin checks that stop DNS rebinding and CSRF.

The tray calls :func:`issue_login_token` and opens
``http://127.0.0.1:<port>/settings/login?token=<token>`` in the browser. The
token works once, within two minutes; redeeming it sets a random session
cookie (HttpOnly, SameSite=Strict) and redirects to the page. Sessions live
only in memory: restarting Switchboard logs everyone out.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import threading
import time
import weakref
from typing import Any

TOKEN_TTL = 120.0              # seconds a login token is valid
SESSION_IDLE = 12 * 3600.0     # a session unused this long expires
MAX_SESSIONS = 32              # the oldest is dropped beyond this
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _digest(value: str) -> bytes:
    # Stored hashed, so a memory dump or a timing probe of dict lookups does
    # not hand out a usable value.
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).digest()


class Sessions:
    """Login tokens and sessions of one gateway; thread-safe (the tray calls
    :meth:`issue_token` from its own thread)."""

    def __init__(self, clock: Any = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens: dict[bytes, float] = {}     # digest -> expiry
        self._sessions: dict[bytes, float] = {}   # digest -> last use

    def issue_token(self) -> str:
        token = secrets.token_urlsafe(32)
        now = self._clock()
        with self._lock:
            self._tokens = {k: exp for k, exp in self._tokens.items() if exp > now}
            self._tokens[_digest(token)] = now + TOKEN_TTL
        return token

    def redeem(self, token: str) -> str | None:
        """A new session id for a valid token (which is then spent), else None."""
        if not token or len(token) > 200:
            return None
        now = self._clock()
        with self._lock:
            expiry = self._tokens.pop(_digest(token), None)
            if expiry is None or expiry <= now:
                return None
            session = secrets.token_urlsafe(32)
            self._sessions[_digest(session)] = now
            if len(self._sessions) > MAX_SESSIONS:
                oldest = min(self._sessions, key=self._sessions.__getitem__)
                del self._sessions[oldest]
        return session

    def check(self, session: str | None) -> bool:
        if not session or len(session) > 200:
            return False
        now = self._clock()
        key = _digest(session)
        with self._lock:
            last = self._sessions.get(key)
            if last is None:
                return False
            if now - last > SESSION_IDLE:
                del self._sessions[key]
                return False
            self._sessions[key] = now
        return True

    def end(self, session: str | None) -> None:
        if session:
            with self._lock:
                self._sessions.pop(_digest(session), None)


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


def issue_login_token(app_or_gateway: Any) -> str:
    """A one-time token (2 minutes) for ``/settings/login?token=...``.

    Accepts the Quart app from ``create_app`` or its Gateway.
    """
    return sessions_for(app_or_gateway).issue_token()


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
