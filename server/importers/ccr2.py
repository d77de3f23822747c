"""claude-code-router 2: ``config.json`` (JSON5). server/ccr_import does the
converting; this adapter runs it inside the shared plan, so its keys go
through the same all-or-nothing apply as every other source."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from server.ccr_import.convert import CCRImportError, import_ccr, parse_ccr
from server.importers.model import ImportSourceError
from server.import_words import ERRORS, from_line, route_name

KIND = "claude-code-router 2"


def default_path(home: Path) -> Path:
    return home / ".claude-code-router" / "config.json"


class _KeyCollector:
    """Stands in for the keyring while converting: keys go to the plan."""

    def __init__(self) -> None:
        self.keys: dict[str, str] = {}

    def set(self, entry: str, value: str) -> None:
        self.keys[entry] = value


@dataclass
class Ccr2Source:
    text: str = field(repr=False)
    path: str
    environ: Mapping[str, str] = field(repr=False, default_factory=dict)
    kind: str = KIND

    @property
    def provider_count(self) -> int:
        providers = parse_ccr(self.text).get("Providers")
        return len(providers) if isinstance(providers, list) else 0

    def add_to(self, plan: Any, *, activate: bool) -> bool:
        collector = _KeyCollector()
        try:
            result = import_ccr(self.text, environ=self.environ, secrets=collector, existing=plan.config,
                                activate=activate, route_name=route_name("import.routeName.ccr", plan.route_names))
        except CCRImportError as exc:
            raise _in_file(self.path, exc) from None
        plan.lines.append(from_line(self.kind, str(self.path)))
        plan.config = result.config
        plan.keys.update(collector.keys)
        plan.lines.extend(result.report)
        plan.created.extend(result.providers.values())
        plan.providers_found += len(result.providers)
        return bool(activate and result.route_id)


def read(path: Path, environ: Mapping[str, str]) -> Ccr2Source:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise ImportSourceError(ERRORS("import.error.noCcrConfig", path=str(path))) from None
    except (OSError, UnicodeDecodeError) as exc:
        why = getattr(exc, "strerror", None)
        raise ImportSourceError(ERRORS("import.error.cannotRead", path=str(path), reason=why) if why
                                else ERRORS("import.error.notUtf8", path=str(path))) from None
    try:
        parse_ccr(text)
    except CCRImportError as exc:
        raise _in_file(path, exc) from None
    return Ccr2Source(text=text, path=str(path), environ=environ)


def _in_file(path: Any, exc: CCRImportError) -> ImportSourceError:
    return ImportSourceError(ERRORS("import.error.inFile", path=str(path), problem=exc.said or str(exc)))
