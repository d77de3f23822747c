"""A provider's keys (issue 18): list, add, name, test, reorder, remove.

The config holds only references (``api_keys``: ``keyring``, ``keyring#2``,
``env:NAME``, each with an optional name); values live in the keyring under
``<provider id>``, ``<provider id>#2``… and leave this module only masked
(``sk-…1234``). A key added here is saved for the provider's address as it
is now; when that address changes, the extra keys are dropped with it
(``drop_on_url_change``, called by providers_api): a stored key only goes to
the base URL it was saved with.
"""
from __future__ import annotations

from typing import Any

from quart import Response

from server.config import ProviderConfig
from server.errors import SwitchboardError
from server.gateway import Gateway
from server.routes.common import gateway
from server.secrets import KeyringUnavailable, mask
from server.settings_page import edits, probe
from server.settings_page.common import (bp, delete_key, json_response, off_loop, read_body, read_key,
                                         set_key, update, validate)

MAX_NAME = 64
ORDERS = ("order", "round_robin")


# -- the raw config entry ------------------------------------------------------------

def key_list(entry: dict[str, Any]) -> list[dict[str, str]]:
    """The entry's keys as ``[{"ref", "name"}]`` (from ``api_keys``, else the
    single ``api_key``)."""
    raw = entry.get("api_keys")
    if isinstance(raw, list) and raw:
        out = []
        for item in raw:
            if isinstance(item, str):
                out.append({"ref": item, "name": ""})
            elif isinstance(item, dict):
                out.append({"ref": str(item.get("ref") or ""), "name": str(item.get("name") or "")})
        return out
    single = entry.get("api_key")
    return [{"ref": single, "name": ""}] if isinstance(single, str) and single else []


def _store(entry: dict[str, Any], keys: list[dict[str, str]]) -> None:
    if keys:
        entry["api_keys"] = [{"ref": k["ref"], "name": k["name"]} if k["name"] else k["ref"] for k in keys]
        entry["api_key"] = keys[0]["ref"]  # what single-key readers of the file see
    else:
        entry.pop("api_keys", None)
        entry["api_key"] = ""


def keyring_entry(pid: str, ref: str) -> str | None:
    """The keyring entry a reference names (None: not in the keyring)."""
    if ref == "keyring":
        return pid
    if ref.startswith("keyring#"):
        return pid + ref[7:]
    return None


def pool_entries(pid: str, entry: dict[str, Any]) -> list[str]:
    """Every keyring entry of the provider's key list."""
    return [e for k in key_list(entry) if (e := keyring_entry(pid, k["ref"]))]


def drop_on_url_change(pid: str, current: dict[str, Any], entry: dict[str, Any]) -> list[str]:
    """After an edit of the provider's address: when it is not the same
    place, the extra keys do not follow (issue 14.2). Returns the keyring
    entries to delete once the edit is saved."""
    if not isinstance(entry.get("api_keys"), list):
        return []
    if edits.same_base_url(str(current.get("base_url") or ""), str(entry.get("base_url") or "")):
        return []
    # The provider's own entry holds the one key it keeps (typed again for the new address).
    gone = [e for e in pool_entries(pid, entry) if e != pid]
    entry.pop("api_keys", None)
    return gone


def _next_ref(keys: list[dict[str, str]]) -> str:
    used = {k["ref"] for k in keys}
    if "keyring" not in used and not keys:
        return "keyring"
    n = 2
    while f"keyring#{n}" in used:
        n += 1
    return f"keyring#{n}"


def _name(body: dict[str, Any]) -> str:
    name = edits.text(body, "name", limit=MAX_NAME)
    if any(c in name for c in "'\"\r\n"):
        raise edits.BadInput("bad_field", "name")
    return name


def _current(data: dict[str, Any], pid: str) -> dict[str, Any]:
    entry = data["providers"].get(pid)
    if not isinstance(entry, dict):
        raise edits.BadInput("no_such_provider", "id")
    return entry


def _index(keys: list[dict[str, str]], index: str) -> int:
    try:
        i = int(index)
    except ValueError:
        raise edits.BadInput("no_such_key", "key") from None
    if not 0 <= i < len(keys):
        raise edits.BadInput("no_such_key", "key")
    return i


# -- what the page sees ----------------------------------------------------------------

def _saved(gw: Gateway, pid: str) -> tuple[ProviderConfig, dict[str, Any]]:
    """The provider as saved: its parsed config and its raw file entry."""
    pconf = gw.config.providers.get(pid)
    raw = (gw.config.raw.get("providers") or {}).get(pid)
    if pconf is None or not isinstance(raw, dict):
        raise edits.BadInput("no_such_provider", "id")
    return pconf, raw


def _saved_ref(gw: Gateway, pid: str, index: str) -> tuple[ProviderConfig, str]:
    """The saved provider and the reference of its key at ``index``."""
    pconf, raw = _saved(gw, pid)
    keys = key_list(raw)
    return pconf, keys[_index(keys, index)]["ref"]


def keys_view(gw: Gateway, pid: str) -> dict[str, Any]:
    """Blocking (keyring reads): run with ``off_loop``."""
    pconf, raw = _saved(gw, pid)
    pool = gw.keys.pool(pconf)
    resting = {s["ref"]: s for s in pool.state()} if pool else {}
    rows = []
    for i, k in enumerate(key_list(raw)):
        value, problem = read_key(gw, k["ref"], pid)
        source = "env" if k["ref"].startswith("env:") else "keyring" if keyring_entry(pid, k["ref"]) else "file"
        rest = resting.get(k["ref"]) or {}
        rows.append({"index": i, "name": k["name"], "label": k["name"] or f"key {i + 1}",
                     "source": source, "env": k["ref"][4:] if source == "env" else "",
                     "set": bool(value), "masked": mask(value), "problem": problem,
                     "resting": rest.get("resting") or "", "until": rest.get("until")})
    return {"id": pid, "name": pconf.display_name, "order": pconf.key_order, "keys": rows}


@bp.get("/settings/api/providers/<pid>/keys")
async def list_keys(pid: str) -> Response:
    return json_response(await off_loop(keys_view, gateway(), pid))


@bp.post("/settings/api/providers/<pid>/keys")
async def add_key(pid: str) -> Response:
    """Add a key: ``{"api_key": value, "name": "personal"}``."""
    gw = gateway()
    body = await read_body()
    value = edits.key_field(body)
    if not value:
        raise edits.BadInput("key_required", "api_key")
    name = _name(body)

    def edit(data: dict[str, Any]) -> int:
        entry = _current(data, pid)
        keys = key_list(entry)
        ref = _next_ref(keys)
        keys.append({"ref": ref, "name": name})
        _store(entry, keys)
        validate(data)
        set_key(gw, keyring_entry(pid, ref) or pid, value)
        return len(keys) - 1

    index = await update(gw, edit)
    return json_response({"ok": True, "index": index}, 201)


@bp.put("/settings/api/providers/<pid>/keys")
async def arrange_keys(pid: str) -> Response:
    """Rename and reorder: ``{"keys": [{"index": old position, "name"}…],
    "order": "order" | "round_robin"}``; every key once."""
    gw = gateway()
    body = await read_body()
    wanted = body.get("keys")
    order = body.get("order")
    if order is not None and order not in ORDERS:
        raise edits.BadInput("bad_field", "order")

    def edit(data: dict[str, Any]) -> None:
        entry = _current(data, pid)
        keys = key_list(entry)
        if wanted is not None:
            if not isinstance(wanted, list) or len(wanted) != len(keys):
                raise edits.BadInput("bad_field", "keys")
            seen, arranged = set(), []
            for item in wanted:
                item = edits.obj(item)
                i = _index(keys, str(item.get("index")))
                if i in seen:
                    raise edits.BadInput("bad_field", "keys")
                seen.add(i)
                arranged.append({"ref": keys[i]["ref"], "name": _name(item) if "name" in item else keys[i]["name"]})
            _store(entry, arranged)
        if order is not None:
            if order == "order":
                entry.pop("key_order", None)
            else:
                entry["key_order"] = order
        validate(data)

    await update(gw, edit)
    return json_response({"ok": True})


@bp.delete("/settings/api/providers/<pid>/keys/<index>")
async def remove_key(pid: str, index: str) -> Response:
    gw = gateway()

    def edit(data: dict[str, Any]) -> str | None:
        entry = _current(data, pid)
        keys = key_list(entry)
        gone = keys.pop(_index(keys, index))
        _store(entry, keys)
        validate(data)
        return keyring_entry(pid, gone["ref"])

    stored = await update(gw, edit)  # nothing is deleted unless the config saved
    if stored:
        await off_loop(delete_key, gw, stored)
    return json_response({"ok": True})


@bp.post("/settings/api/providers/<pid>/keys/<index>/test")
async def test_key(pid: str, index: str) -> Response:
    """Test one key against the provider's saved address (never a draft's):
    on success a resting key is ready again."""
    gw = gateway()
    body = await read_body()
    pconf, ref = _saved_ref(gw, pid, index)
    model = edits.text(body, "model", limit=200) or (pconf.models[0] if pconf.models else "")
    if not model:
        raise edits.BadInput("model_required", "model")
    value, _ = await off_loop(read_key, gw, ref, pid)
    try:
        provider = gw.build_provider(pconf, value)
    except (SwitchboardError, KeyringUnavailable) as exc:
        return json_response({"ok": False, **probe.describe_error(exc, pconf, model, value)})
    result = await probe.test_connection(provider, pconf, model, value)
    pool = gw.keys.pool(pconf)
    if result.get("ok") and pool is not None:
        pool.reset(ref)
    return json_response(result)


@bp.post("/settings/api/providers/<pid>/keys/<index>/reset")
async def reset_key(pid: str, index: str) -> Response:
    """The person says a resting key is fine again (quota topped up, key fixed)."""
    gw = gateway()
    pconf, ref = _saved_ref(gw, pid, index)
    pool = gw.keys.pool(pconf)
    if pool is not None:
        pool.reset(ref)
    return json_response({"ok": True})
