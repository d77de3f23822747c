"""Real forward proxies on 127.0.0.1 for the network tests.

``HttpProxy`` speaks HTTP/1.1 proxying (absolute-form requests and CONNECT
tunnels) with optional Basic auth; ``Socks5Proxy`` speaks SOCKS5 (RFC 1928)
with optional user/password auth (RFC 1929). Both send every connection to
``127.0.0.1:<the requested port>`` whatever host was asked for, so tests can
use a non-local name (which Switchboard must proxy) for a local fake
upstream, and both log what they carried: the proof a request went through.
"""
from __future__ import annotations

import base64
import socket
import struct
import threading


def _relay(a: socket.socket, b: socket.socket) -> None:
    def pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    t = threading.Thread(target=pump, args=(b, a), daemon=True)
    t.start()
    pump(a, b)
    t.join(5)
    a.close()
    b.close()


class _Server:
    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.log: list[str] = []
        self.refused: list[str] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle_safe, args=(conn,), daemon=True).start()

    def _handle_safe(self, conn: socket.socket) -> None:
        try:
            self._handle(conn)
        except OSError:
            conn.close()

    def _handle(self, conn: socket.socket) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def close(self) -> None:
        self.sock.close()


class HttpProxy(_Server):
    def __init__(self, user: str | None = None, password: str | None = None) -> None:
        self.auth = None
        if user is not None:
            self.auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        super().__init__()
        self.url = f"http://127.0.0.1:{self.port}"

    def _handle(self, conn: socket.socket) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            data = conn.recv(65536)
            if not data:
                conn.close()
                return
            head += data
        header_blob, rest = head.split(b"\r\n\r\n", 1)
        lines = header_blob.decode("latin-1").split("\r\n")
        method, target, version = lines[0].split(" ", 2)
        headers = {l.split(":", 1)[0].strip().lower(): l.split(":", 1)[1].strip() for l in lines[1:] if ":" in l}
        if self.auth and headers.get("proxy-authorization") != self.auth:
            self.refused.append(target)
            conn.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                         b"Proxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            conn.close()
            return
        if method == "CONNECT":
            port = int(target.rsplit(":", 1)[1])
            self.log.append(f"CONNECT {target}")
            upstream = socket.create_connection(("127.0.0.1", port))
            conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            if rest:
                upstream.sendall(rest)
            _relay(conn, upstream)
            return
        # Absolute-form: http://host:port/path -> origin-form to 127.0.0.1:port.
        self.log.append(f"{method} {target}")
        hostport, _, path = target.split("://", 1)[1].partition("/")
        port = int(hostport.rsplit(":", 1)[1]) if ":" in hostport else 80
        upstream = socket.create_connection(("127.0.0.1", port))
        kept = [l for l in lines[1:] if not l.lower().startswith("proxy-")]
        upstream.sendall(f"{method} /{path} {version}\r\n".encode() + "\r\n".join(kept).encode()
                         + b"\r\n\r\n" + rest)
        _relay(conn, upstream)


class Socks5Proxy(_Server):
    def __init__(self, user: str | None = None, password: str | None = None) -> None:
        self.user, self.password = user, password
        super().__init__()
        self.url = f"socks5://127.0.0.1:{self.port}"

    def _recv(self, conn: socket.socket, n: int) -> bytes:
        data = b""
        while len(data) < n:
            part = conn.recv(n - len(data))
            if not part:
                raise OSError("closed")
            data += part
        return data

    def _handle(self, conn: socket.socket) -> None:
        ver, nmethods = self._recv(conn, 2)
        methods = self._recv(conn, nmethods)
        want = 0x02 if self.user is not None else 0x00
        if want not in methods:
            conn.sendall(b"\x05\xff")
            conn.close()
            return
        conn.sendall(bytes([5, want]))
        if want == 0x02:
            _, ulen = self._recv(conn, 2)
            user = self._recv(conn, ulen).decode()
            (plen,) = self._recv(conn, 1)
            password = self._recv(conn, plen).decode()
            ok = user == self.user and password == self.password
            conn.sendall(b"\x01\x00" if ok else b"\x01\x01")
            if not ok:
                self.refused.append(user)
                conn.close()
                return
        _, cmd, _, atyp = self._recv(conn, 4)
        if atyp == 1:
            host = socket.inet_ntoa(self._recv(conn, 4))
        elif atyp == 3:
            (n,) = self._recv(conn, 1)
            host = self._recv(conn, n).decode()
        else:
            host = socket.inet_ntop(socket.AF_INET6, self._recv(conn, 16))
        (port,) = struct.unpack("!H", self._recv(conn, 2))
        self.log.append(f"CONNECT {host}:{port}")
        upstream = socket.create_connection(("127.0.0.1", port))
        conn.sendall(b"\x05\x00\x00\x01" + socket.inet_aton("127.0.0.1") + struct.pack("!H", port))
        _relay(conn, upstream)
