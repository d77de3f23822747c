"""Why a connection to an upstream failed, as a type, not as text.

Both transports end in the same few kinds: aiohttp (direct requests) raises
``UpstreamConnectError`` with its ``kind`` set from aiohttp's own exception
types; httpx (proxied requests, injected transports) keeps the original
``OSError`` / ``ssl.SSLError`` in the exception's cause chain, which
:func:`kind_of` walks. ``REASONS`` words each kind for people.
"""
from __future__ import annotations

import errno
import socket
import ssl
from enum import Enum

import httpx


class Kind(str, Enum):
    REFUSED = "refused"
    DNS = "dns"
    TLS = "tls"
    UNREACHABLE = "unreachable"
    RESET = "reset"
    NO_DESCRIPTORS = "no_descriptors"
    OTHER = "other"


REASONS = {
    Kind.REFUSED: "connection refused",
    Kind.DNS: "the server name could not be resolved",
    Kind.TLS: "TLS certificate problem",
    Kind.UNREACHABLE: "the network or host is unreachable",
    Kind.RESET: "the connection was reset",
    Kind.NO_DESCRIPTORS: ("Switchboard has run out of file descriptors (too many open connections or "
                          "files); close some programs, or raise the limit (ulimit -n), and try again"),
    Kind.OTHER: "could not connect",
}

_ERRNO_KINDS = {
    errno.ECONNREFUSED: Kind.REFUSED,
    errno.EHOSTUNREACH: Kind.UNREACHABLE,
    errno.ENETUNREACH: Kind.UNREACHABLE,
    errno.ECONNRESET: Kind.RESET,
    errno.EMFILE: Kind.NO_DESCRIPTORS,
    errno.ENFILE: Kind.NO_DESCRIPTORS,
}


class UpstreamConnectError(httpx.ConnectError):
    """A connection failure whose kind is already known (the aiohttp path)."""

    def __init__(self, kind: Kind, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def kind_of_os_error(error: BaseException) -> Kind | None:
    if isinstance(error, ssl.SSLError):  # SSLCertVerificationError included
        return Kind.TLS
    if isinstance(error, socket.gaierror):
        return Kind.DNS
    if isinstance(error, OSError) and error.errno in _ERRNO_KINDS:
        return _ERRNO_KINDS[error.errno]
    return None


def kind_of(exc: BaseException) -> Kind:
    """The kind of a connection failure, from types along the cause chain."""
    known = getattr(exc, "kind", None)
    if isinstance(known, Kind):
        return known
    cur: BaseException | None = exc
    for _ in range(8):
        if cur is None:
            break
        kind = kind_of_os_error(cur)
        if kind is not None:
            return kind
        os_error = getattr(cur, "os_error", None)  # aiohttp's ClientConnectorError
        if isinstance(os_error, BaseException):
            kind = kind_of_os_error(os_error)
            if kind is not None:
                return kind
        cur = cur.__cause__ or cur.__context__
    return Kind.OTHER
