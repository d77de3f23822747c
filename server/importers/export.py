"""switchboard.json -> a setup to share: providers, routes, network settings,
and never a key.

A provider whose key lives in the keyring (or, in tests, is written out) is
exported with ``"api_key": ""`` and ``"needs_key": true``; an ``env:NAME``
reference is kept (it names a variable, it is not a key; importing asks for
the key all the same, see ``setup_file``). Headers that may carry credentials
are dropped. ``setup_file.py`` reads the result back.
"""
from __future__ import annotations

import copy
import re
from typing import Any

FORMAT = "switchboard-setup"
VERSION = 1
_SECRET_HEADER = re.compile(r"auth|key|token|secret|cookie|session|password", re.IGNORECASE)
_DROP = ("imported_from",)


def build(raw: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The setup document and one plain line per thing left out."""
    notes: list[str] = []
    out: dict[str, Any] = {"format": FORMAT, "version": VERSION}
    providers: dict[str, Any] = {}
    for pid, entry in (raw.get("providers") or {}).items():
        if not isinstance(entry, dict):
            continue
        e = {k: copy.deepcopy(v) for k, v in entry.items() if k not in _DROP}
        ref = e.get("api_key", "")
        if isinstance(ref, str) and ref.startswith("env:") and len(ref) > 4:
            pass
        elif ref:
            e["api_key"] = ""
            e["needs_key"] = True
        headers = e.get("headers")
        if isinstance(headers, dict):
            kept = {k: v for k, v in headers.items() if not _SECRET_HEADER.search(str(k))}
            for name in sorted(set(headers) - set(kept)):
                notes.append(f"Left out: header {name!r} of provider {pid!r} (it may hold a key)")
            if kept:
                e["headers"] = kept
            else:
                e.pop("headers")
        providers[pid] = e
    out["providers"] = providers
    out["routes"] = {rid: {k: copy.deepcopy(v) for k, v in r.items() if k not in _DROP}
                     for rid, r in (raw.get("routes") or {}).items() if isinstance(r, dict)}
    if raw.get("active_route"):
        out["active_route"] = raw["active_route"]
    # Where this computer listens (server) stays here: an import never takes it.
    if isinstance(raw.get("network"), dict):
        out["network"] = copy.deepcopy(raw["network"])
    needs = [pid for pid, e in providers.items() if e.get("needs_key")]
    if needs:
        notes.append(f"Keys left out ({len(needs)}): {', '.join(needs)}; whoever imports this setup adds their own")
    return out, notes
