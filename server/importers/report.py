"""The import report's own lines, as sentences (server/said.py): the
settings page words them in its language, the CLI prints the English.
A reader's "Left behind" and "Note" lines may still be plain English text."""
from __future__ import annotations

from server.said import Said, Words

REPORT = Words({
    "import.line.from": "From {source} ({path}):",
    "import.line.fromNoPath": "From {source}:",
    "import.line.providerAdded": "Added provider '{name}' ({type}, {host}, {models}, {key})",
    "import.line.providerUpdated": "Updated provider '{name}' ({type}, {host}, {models}, {key})",
    "import.line.providerUnchanged": "Unchanged provider '{name}' ({type}, {host}, {models}, {key})",
    "import.line.providerAddedAs": "Added provider '{name}' as '{id}' ({type}, {host}, {models}, {key})",
    "import.line.providerUpdatedAs": "Updated provider '{name}' as '{id}' ({type}, {host}, {models}, {key})",
    "import.line.providerUnchangedAs": "Unchanged provider '{name}' as '{id}' ({type}, {host}, {models}, {key})",
    "import.line.models.one": "{count} model",
    "import.line.models.other": "{count} models",
    "import.line.keyNeeded": "needs a key",
    "import.line.keyKeyring": "key in the keyring",
    "import.line.keyNone": "no key",
    "import.line.keyEnv": "key from ${name}",
    "import.line.routeAdded": "Added route '{id}' ({slots})",
    "import.line.routeUpdated": "Updated route '{id}' ({slots})",
    "import.line.routeUnchanged": "Unchanged route '{id}' ({slots})",
    "import.line.active": "Route '{id}' is now the active route",
    "import.line.keptYours": "Left behind: the setup's {section} settings: yours are kept",
    "import.line.needsKey": "Needs a key: provider '{id}': paste it on the settings page (Providers), "
                            "or set api_key to env:NAME in switchboard.json",
})


def key_words(ref: str, needs: bool) -> Said:
    if needs:
        return REPORT("import.line.keyNeeded")
    if ref == "keyring":
        return REPORT("import.line.keyKeyring")
    if not ref:
        return REPORT("import.line.keyNone")
    return REPORT("import.line.keyEnv", name=ref[4:])


def models_words(n: int) -> Said:
    return REPORT("import.line.models.one" if n == 1 else "import.line.models.other", count=n)


def from_line(kind: str, path: str) -> Said:
    return REPORT("import.line.from", source=kind, path=path) if path else REPORT("import.line.fromNoPath", source=kind)
