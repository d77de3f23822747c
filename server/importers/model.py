"""What a reader found in another app's setup, before it meets switchboard.json.

Readers are pure apart from opening their file read-only: they return a
:class:`Source`. Names stay the source's own (routes name providers by their
source name); ``plan.py`` turns them into Switchboard ids.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from server.said import Said, Telling


class ImportSourceError(Telling, ValueError):
    """The source cannot be read; the message says why in plain words and
    what to do next (never a traceback, never a key). ``said``: the sentence
    (server/import_words.py ERRORS), for the settings page's language."""


class ImportFailed(ImportSourceError):
    """The import could not be applied (keyring, config); nothing was changed."""


@dataclass
class SourceProvider:
    name: str                       # the source's name for it (routes refer to it)
    type: str                       # openai / anthropic / gemini
    base_url: str
    models: list[str] = field(default_factory=list)
    # The key: a literal value for the keyring, or None (see key_env / needs_key).
    key: str | None = field(default=None, repr=False)
    key_env: str = ""               # $VAR / ${VAR}: becomes env:VAR
    needs_key: bool = False         # a setup file: the key must be added by hand
    profile: str = ""
    extra: dict[str, Any] = field(default_factory=dict)  # other switchboard.json fields (headers…)


@dataclass
class SourceRoute:
    name: str
    name_code: str = ""                        # a name the import gives (import_words.ROUTE_NAMES): translatable
    id: str = ""                               # a wished-for route id (setup files keep theirs)
    slots: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # slot -> [(provider name, model)]
    active: bool = False                       # the one the source uses now
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Source:
    kind: str                 # "claude-code-router 3", "cc-switch", …
    mark: str                 # "imported_from" on what we add: re-imports update it
    path: str
    route_prefix: str         # route ids: <prefix> or <prefix>-<name>
    id_suffix: str            # provider id clashes: <name>-<suffix>
    providers: list[SourceProvider] = field(default_factory=list)
    routes: list[SourceRoute] = field(default_factory=list)
    left: list[Said] = field(default_factory=list)    # "Left behind: …" lines (server/import_words.py)
    notes: list[Said] = field(default_factory=list)   # "Note: …" lines
    extra_config: dict[str, Any] = field(default_factory=dict)  # server/network of a setup file
