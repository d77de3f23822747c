"""Come over in one click: the first-run offer to bring in claude-code-router
/ cc-switch settings, importing a shared setup, and "Export setup".

* ``GET  /settings/api/import``  what was found in the other apps' usual places
* ``POST /settings/api/import``  bring it in (``{"setup": {...}}``: a shared setup instead)
* ``GET  /settings/api/export``  this setup without any key

The work is server/importers'; here it runs off the event loop, inside
``Gateway.update_config`` (so hand edits are kept and the change applies at
once), with the keys stored only for a config that validates and put back
if the save fails. The home the importers look in is ``IMPORT_HOME`` in the
app config when set (tests), else the user's home.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from quart import Response, current_app

from server.errors import SwitchboardError
from server.importers import detect, export, plan as plan_mod, setup_file
from server.importers.model import ImportSourceError
from server import said
from server.import_words import ERRORS, ROUTE_NAMES
from server.routes.common import gateway
from server.settings_page import edits
from server.settings_page.common import bp, json_response, off_loop, page_error, read_body, update


# A source that could not be read (its reason stays as the reader worded it).
LEFT = said.Words({"import.line.unreadable": "Left behind: {problem}"})


def _route_names(body: dict[str, Any]) -> dict[str, str]:
    """The page's words for the routes an import names itself (import_words.ROUTE_NAMES)."""
    raw = body.get("route_names")
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise edits.BadInput("bad_field", "route_names")
    names = {}
    for code in ROUTE_NAMES:
        value = edits.text(raw, code, limit=120)
        if value:
            names[code] = value
    return names


class _Unchanged(Exception):
    """Everything was imported before: the config is not written again."""


def _home() -> Path:
    configured = current_app.config.get("IMPORT_HOME")
    return Path(configured) if configured else Path.home()


def _failed(exc: ImportSourceError) -> SwitchboardError:
    """The page words it from ``said`` (its {detail}); API clients read the English message."""
    error = page_error("import_failed", 422, str(exc), detail=str(exc))
    if exc.said is not None:
        error.details["said"] = exc.said.as_json()
    return error


def _read_places(home: Path) -> tuple[list[tuple[Any, Any]], list[ImportSourceError]]:
    """The other apps' settings found in ``home``: (place, source) for each
    one that reads, and the errors of those that do not. Blocking."""
    read, errors = [], []
    for place in detect.found_places(home, os.environ, sys.platform)[0]:
        try:
            read.append((place, detect.read(place.path, home=home, environ=os.environ)))
        except ImportSourceError as exc:
            errors.append(exc)
    return read, errors


def _found(home: Path) -> dict[str, Any]:
    read, errors = _read_places(home)
    sources = []
    for place, src in read:
        n = getattr(src, "provider_count", None)
        sources.append({"kind": place.kind, "path": str(place.path),
                        "providers": n if n is not None else len(src.providers)})
    return {"sources": sources, "providers": sum(s["providers"] for s in sources),
            "problems": [str(exc) for exc in errors]}


@bp.get("/settings/api/import")
async def import_found() -> Response:
    return json_response(await off_loop(_found, _home()))


@bp.post("/settings/api/import")
async def import_now() -> Response:
    gw = gateway()
    body = await read_body()
    home = _home()

    problems: list[said.Said] = []
    route_names = _route_names(body)

    def read_sources() -> list[Any]:
        if isinstance(body.get("setup"), dict):
            if not setup_file.looks_like(body["setup"]):
                raise ImportSourceError(ERRORS("import.error.notSetup"))
            return [setup_file.convert(body["setup"], "")]
        read, errors = _read_places(home)
        if not read and not errors:
            raise ImportSourceError(ERRORS("import.error.nothingFound"))
        if not read:
            raise errors[0]
        # The others still come in; one that does not read is named.
        problems.extend(LEFT("import.line.unreadable", problem=exc.said or str(exc)) for exc in errors)
        return [src for _, src in read]

    try:
        sources = await off_loop(read_sources)
    except ImportSourceError as exc:
        raise _failed(exc) from None
    written: list[tuple[str, str | None]] = []
    result: dict[str, Any] = {}

    def edit(data: dict[str, Any]) -> None:
        # The imported route becomes active only when none works yet: the
        # page never switches routes silently (the report names the new ones).
        plan = plan_mod.build(sources, data, activate=data.get("active_route") not in data["routes"],
                              route_names=route_names)

        class Recording:
            def get(self, entry: str) -> str | None:
                return gw.secrets.get(entry)

            def set(self, entry: str, value: str) -> None:
                written.append((entry, gw.secrets.get(entry)))
                gw.secrets.set(entry, value)

            def delete(self, entry: str) -> None:
                written.append((entry, gw.secrets.get(entry)))
                gw.secrets.delete(entry)

        changed = plan_mod.apply(plan, existing=data, secrets=Recording(), save=lambda new: None)
        report = [*problems, *plan.lines]
        # ``lines``: the English (API clients); ``said_lines``: the same for the page's language.
        result.update(lines=[str(line) for line in report], said_lines=[said.as_json(line) for line in report],
                      needs_keys=plan.needs_keys, created=plan.created, changed=changed,
                      providers=plan.providers_found)
        if not changed:
            raise _Unchanged  # the same import again: nothing to write
        data.clear()
        data.update(plan.config)

    try:
        await update(gw, edit)
    except _Unchanged:
        pass
    except ImportSourceError as exc:
        await off_loop(plan_mod._restore, gw.secrets, written)
        raise _failed(exc) from None
    except BaseException:
        await off_loop(plan_mod._restore, gw.secrets, written)
        raise
    return json_response({"ok": True, **result})


@bp.get("/settings/api/export")
async def export_setup() -> Response:
    doc, notes = export.build(gateway().config.raw)
    return json_response({"setup": doc, "notes": notes})
