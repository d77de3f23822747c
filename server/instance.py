"""This instance, provably: the instance file, its per-run secret, and the
loopback endpoints through which a program of the same user checks that an
address really is this Switchboard and asks it for a settings login link.

1. ``<home>/switchboard.lock`` is locked exclusively for the life of the
   process (the OS drops the lock on exit, even on a crash).
2. Once it listens, the lock holder writes ``<home>/switchboard.instance.json``
   (mode 0600, so only this user reads it): ``{"pid", "port", "config",
   "secret"}``; the secret is random per run.
3. Proof, both ways, without the secret ever going over the wire (so a
   program that holds the port learns nothing it could use):

   * ``GET /_switchboard/hello?nonce=<client nonce>`` answers
     ``{"service": "switchboard", "proof": HMAC(secret, "server|" + nonce),
     "challenge": <server nonce>}``. A client that knows the secret checks
     the proof: only this instance can make it.
   * ``POST /_switchboard/settings-link`` ``{"challenge", "proof":
     HMAC(secret, "client|" + challenge), "file": bool}`` proves the caller
     read the 0600 file; it answers a one-time settings login link and, with
     ``file``, the path of a 0600 file that opens it (see
     ``server.settings_page.launch``) so no token lands on a command line.

``switchboard settings-link [--open] [--config PATH]`` (:func:`settings_link_main`)
is the command-line client; the tray uses the same functions.
"""
from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import secrets
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from server.fileio import atomic_write_json, ensure_private_dir

LOCK_NAME = "switchboard.lock"
INFO_NAME = "switchboard.instance.json"
HELLO_PATH = "/_switchboard/hello"
LINK_PATH = "/_switchboard/settings-link"
CHALLENGE_TTL = 30.0
MAX_CHALLENGES = 64


# -- the lock and the instance file ------------------------------------------------

class InstanceLock:
    """One Switchboard per home folder; ``publish`` writes the instance file."""

    def __init__(self, home: Path, config_path: Path | None = None) -> None:
        self.home = Path(home)
        self.config_path = config_path
        self._fh: IO[bytes] | None = None
        self.secret = secrets.token_urlsafe(32)

    @property
    def info_path(self) -> Path:
        return self.home / INFO_NAME

    @property
    def held(self) -> bool:
        return self._fh is not None

    def acquire(self) -> bool:
        ensure_private_dir(self.home)
        fh = open(self.home / LOCK_NAME, "a+b")
        try:
            _lock(fh)
        except OSError:
            fh.close()
            return False
        self._fh = fh
        return True

    def publish(self, port: int) -> None:
        """Tell later launches where this instance listens (0600 file)."""
        data: dict[str, Any] = {"pid": os.getpid(), "port": port, "secret": self.secret}
        if self.config_path is not None:
            data["config"] = str(Path(self.config_path).resolve())
        atomic_write_json(self.info_path, data, indent=None)  # 0600 (mkstemp)

    def release(self) -> None:
        if self._fh is None:
            return
        try:
            self.info_path.unlink(missing_ok=True)
        except OSError:
            pass
        try:
            _unlock(self._fh)
        finally:
            self._fh.close()
            self._fh = None


def _lock(fh: IO[bytes]) -> None:
    if sys.platform == "win32":
        import msvcrt

        fh.seek(0)
        msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)  # raises OSError if held
    else:
        import fcntl

        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


def _unlock(fh: IO[bytes]) -> None:
    if sys.platform == "win32":
        import msvcrt

        fh.seek(0)
        msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def read_info(home: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((Path(home) / INFO_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("port"), int):
        return None
    if not isinstance(data.get("secret"), str) or not data["secret"]:
        return None
    return data


# -- proofs ---------------------------------------------------------------------------

def proof(secret: str, role: str, nonce: str) -> str:
    return hmac.new(secret.encode(), f"{role}|{nonce}".encode(), hashlib.sha256).hexdigest()


class Challenges:
    """Server nonces handed out by /hello: each works once, for 30 s."""

    def __init__(self, clock: Any = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._live: dict[str, float] = {}

    def new(self) -> str:
        nonce = secrets.token_urlsafe(24)
        now = self._clock()
        with self._lock:
            self._live = {k: exp for k, exp in self._live.items() if exp > now}
            if len(self._live) >= MAX_CHALLENGES:
                del self._live[min(self._live, key=self._live.__getitem__)]
            self._live[nonce] = now + CHALLENGE_TTL
        return nonce

    def spend(self, nonce: str) -> bool:
        with self._lock:
            expiry = self._live.pop(nonce, None)
        return expiry is not None and expiry > self._clock()


def make_blueprint(secret: str, home: Path) -> Any:
    """The two loopback endpoints; ``secret`` is the one in the instance file."""
    from quart import Blueprint, Response, current_app, request

    from server.errors import InvalidRequest, PermissionDenied
    from server.settings_page import auth, launch

    bp = Blueprint("switchboard_instance", __name__)
    challenges = Challenges()

    def check_caller() -> None:
        # Loopback only, and never a browser page (a page sends Origin).
        if not auth.remote_ok(request.remote_addr) or "origin" in request.headers:
            raise PermissionDenied("Only a program on this computer may ask for this")

    def served_port() -> int:
        server = request.scope.get("server")
        return int(server[1]) if server and len(server) > 1 and server[1] else 0

    @bp.get(HELLO_PATH)
    async def hello() -> Response:
        check_caller()
        nonce = request.args.get("nonce", "")
        if not 16 <= len(nonce) <= 128:
            raise InvalidRequest("nonce: send 16 to 128 random characters")
        body = {"service": "switchboard", "pid": os.getpid(), "proof": proof(secret, "server", nonce),
                "challenge": challenges.new()}
        return Response(json.dumps(body), content_type="application/json",
                        headers={"Cache-Control": "no-store"})

    @bp.post(LINK_PATH)
    async def settings_link() -> Response:
        check_caller()
        if (request.content_length or 0) > 4096:
            raise InvalidRequest("The request body is too large")
        try:
            body = json.loads(await request.get_data(as_text=True))
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise InvalidRequest("Send a JSON object with challenge and proof")
        challenge, given = str(body.get("challenge", "")), str(body.get("proof", ""))
        if not challenge or not challenges.spend(challenge) or not hmac.compare_digest(
                given.encode(), proof(secret, "client", challenge).encode()):
            raise PermissionDenied("The proof does not match this Switchboard's instance file")
        port = served_port()
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        result: dict[str, Any] = {"expires_in": int(auth.TOKEN_TTL)}
        if body.get("file"):
            path = launch.login_file(app, port, home)
            result["file"] = str(path)
            result["url"] = None
        else:
            result["url"] = auth.login_url(app, port)
            result["file"] = None
        return Response(json.dumps(result), content_type="application/json",
                        headers={"Cache-Control": "no-store"})

    return bp


# -- the client side -------------------------------------------------------------------

@dataclass
class Link:
    url: str | None     # the login link (to print)
    file: Path | None   # or a 0600 file that opens it (to give a browser)


class NotThisInstance(Exception):
    """The address did not prove it is the instance of the instance file."""


def loopback_client(timeout: float) -> Any:
    """An HTTP client for 127.0.0.1 (no proxy from the environment)."""
    import httpx

    # trust_env=False: a user's HTTP(S)_PROXY must not capture loopback calls.
    return httpx.Client(timeout=timeout, trust_env=False)


def _hello(client: Any, base: str, secret: str) -> str:
    """The server's challenge, once it proved it knows ``secret``."""
    import httpx

    nonce = secrets.token_urlsafe(24)
    try:
        r = client.get(base + HELLO_PATH, params={"nonce": nonce})
        data = r.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise NotThisInstance(type(exc).__name__) from None
    if (r.status_code != 200 or not isinstance(data, dict) or not isinstance(data.get("proof"), str)
            or not isinstance(data.get("challenge"), str)
            or not hmac.compare_digest(data["proof"].encode(), proof(secret, "server", nonce).encode())):
        raise NotThisInstance(f"answer {r.status_code}")
    return data["challenge"]


def proves_instance(port: int, secret: str, host: str = "127.0.0.1", timeout: float = 3.0) -> bool:
    """Does whatever answers on ``host:port`` know ``secret``?"""
    try:
        with loopback_client(timeout) as client:
            _hello(client, f"http://{connect_host(host)}:{port}", secret)
        return True
    except NotThisInstance:
        return False


def request_link(info: dict[str, Any], *, file: bool, timeout: float = 5.0) -> Link:
    """Ask the instance of ``info`` (from :func:`read_info`) for a one-time
    settings link, after it proved it is that instance."""
    import httpx

    port, secret = info.get("port"), info.get("secret")
    if not isinstance(port, int) or not isinstance(secret, str):
        raise NotThisInstance("no port or secret")
    base = f"http://127.0.0.1:{port}"
    with loopback_client(timeout) as client:
        challenge = _hello(client, base, secret)
        try:
            r = client.post(base + LINK_PATH, json={"challenge": challenge, "file": file,
                                                    "proof": proof(secret, "client", challenge)})
            data = r.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise NotThisInstance(type(exc).__name__) from None
    if r.status_code != 200 or not isinstance(data, dict):
        raise NotThisInstance(f"answer {r.status_code}")
    return Link(url=data.get("url") or None, file=Path(data["file"]) if data.get("file") else None)


def connect_host(host: str) -> str:
    """Where to connect for a server bound to ``host`` (a wildcard: loopback)."""
    if host in ("0.0.0.0", "::", ""):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


# -- switchboard settings-link -------------------------------------------------------------

def settings_link_main(argv: list[str], *, open_url: Any = None) -> int:
    from server.settings import Settings

    parser = argparse.ArgumentParser(
        prog="switchboard settings-link",
        description="Print a one-time link that opens the settings page of the Switchboard running "
                    "for this config (works once, for two minutes).")
    parser.add_argument("--open", action="store_true", help="open it in the browser instead of printing it")
    parser.add_argument("--config", help="path to switchboard.json (default: in SWITCHBOARD_HOME or the user config folder)")
    args = parser.parse_args(argv)
    settings = Settings.from_env(config_path=args.config)
    info = read_info(settings.home)
    if info is None:
        print(f"switchboard: no Switchboard is running for {settings.home}. Start it (switchboard, "
              "or the app), then run this again.", file=sys.stderr)
        return 1
    wanted = str(Path(settings.config_path).resolve())
    if info.get("config") and info["config"] != wanted:
        print(f"switchboard: the Switchboard running from {settings.home} uses {info['config']}, "
              f"not {wanted}. Run this with --config {info['config']}, or start one for {wanted}.",
              file=sys.stderr)
        return 1
    try:
        link = request_link(info, file=args.open)
    except NotThisInstance:
        print(f"switchboard: port {info['port']} does not answer as the Switchboard started from "
              f"{settings.home} (it stopped, or another program holds the port). Start Switchboard "
              "again, then run this again.", file=sys.stderr)
        return 1
    if args.open:
        assert link.file is not None
        opener = open_url or _open_in_browser
        if opener(link.file.as_uri()):
            print("Opened Switchboard settings in your browser.", file=sys.stderr)
            return 0
        print("switchboard: could not start a browser. Run `switchboard settings-link` without --open "
              "and open the link it prints.", file=sys.stderr)
        return 1
    print(link.url)
    print("This link works once, within two minutes, and only on this computer.", file=sys.stderr)
    return 0


def _open_in_browser(url: str) -> bool:
    import webbrowser

    try:
        return bool(webbrowser.open(url, new=2))
    except Exception:
        return False
