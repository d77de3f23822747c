"""The Provider interface: one Anthropic request in, a Reply out.

``Provider.send`` does the I/O and raises a :class:`server.errors.SwitchboardError`
for anything that goes wrong *before* the upstream answered 2xx, so the client
gets a real HTTP status it can retry (translation.md §A.8). After that, a
failure travels inside the Reply's stream as an ``error`` event.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Awaitable, Callable

from server.providers import billing_header

Event = dict[str, Any]


@dataclass(frozen=True)
class Target:
    """Where a request goes: a configured provider id and an upstream model."""

    provider_id: str
    model: str

    def __str__(self) -> str:
        return f"{self.provider_id}/{self.model}"


@dataclass
class Call:
    """One validated client request on its way to one target."""

    request: dict[str, Any]          # the client's Anthropic body (validated)
    model: str                       # the upstream model to ask for
    stream: bool
    requested_model: str             # what the client asked for; echoed back
    betas: tuple[str, ...] = ()      # the client's anthropic-beta values
    anthropic_version: str = "2023-06-01"
    ping_interval: float | None = None  # seconds of upstream silence before a ping (§A.6)


async def _noop() -> None:
    return None


@dataclass
class Reply:
    """What a provider answered, in exactly one of four forms.

    * ``events``: batches of Anthropic events (translated streams), one batch
      per upstream read, already well-formed (see protocol/events.py);
    * ``raw``: SSE bytes to forward unchanged (Anthropic-compatible passthrough);
    * ``message``: a complete Anthropic Message (translated non-stream);
    * ``body``: JSON bytes to forward unchanged (passthrough non-stream).
    """

    events: AsyncIterator[list[Event]] | None = None
    raw: AsyncIterator[bytes] | None = None
    message: dict[str, Any] | None = None
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    # Releases the upstream connection; safe to call more than once.
    aclose: Callable[[], Awaitable[None]] = _noop
    usage: dict[str, int] = field(default_factory=dict)
    key: str = ""  # the name of the key that answered when the provider has several


class Provider:
    """Base class; subclasses implement :meth:`send`."""

    kind = "base"

    def __init__(
        self,
        provider_id: str,
        settings: Any,
        client: Any,  # an upstream with post(): AiohttpTransport or providers.http.HttpxUpstream
        api_key: str | None,
        profile: dict[str, Any] | None = None,
    ) -> None:
        self.provider_id = provider_id
        self.settings = settings
        self.client = client
        self._api_key = api_key
        # Provider quirks as data (providers/presets.py), e.g. auth style.
        self.profile: dict[str, Any] = profile or {}
        # Claude Code's billing line busts every prompt cache but Anthropic's.
        self.strip_billing = billing_header.should_strip(
            getattr(settings, "base_url", "") or "", bool(getattr(settings, "keep_billing_header", False)))

    def hub_request(self, call: Call) -> dict[str, Any]:
        """The client's request as this provider should see it."""
        return billing_header.strip(call.request) if self.strip_billing else call.request

    @property
    def display_name(self) -> str:
        return getattr(self.settings, "display_name", None) or self.provider_id

    async def send(self, call: Call) -> Reply:  # pragma: no cover - interface
        raise NotImplementedError

    def __repr__(self) -> str:  # never shows the key
        return f"{type(self).__name__}({self.provider_id!r})"
