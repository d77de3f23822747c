"""Tool definitions: Anthropic tools -> Gemini ``functionDeclarations``.

Gemini's ``FunctionDeclaration.parameters`` is a ``Schema``: "a select subset
of an OpenAPI 3.0 schema object"
(https://ai.google.dev/api/caching#Schema). Keywords outside that subset
(``$schema``, ``additionalProperties``, ``$ref``, ``const``, ``oneOf``,
``exclusiveMinimum``, ``propertyNames`` ...) make generateContent answer 400,
so :func:`convert_schema` rewrites a client's JSON Schema into that subset
(translation.md §G.33). Where a keyword carries meaning Gemini cannot
express, the meaning is kept in a safe form (``const`` -> one-value ``enum``,
``"type": ["x", "null"]`` -> ``nullable``, ``$ref`` inlined) and otherwise
dropped rather than failing the request.

Function names must match ``^[a-zA-Z_][a-zA-Z0-9_.:-]{0,63}$``
(https://ai.google.dev/api/caching#FunctionDeclaration). :func:`tool_name`
sanitises one name; :func:`tool_name_map` builds the per-request
original -> Gemini mapping, which convert_request uses for declarations and
history, and whose inverse the stream translator uses to give the client its
own tool name back (no state is kept between requests: the same request
always yields the same mapping).
"""
from __future__ import annotations

import hashlib
import re
from typing import Any

# Fields of Gemini's Schema we emit (https://ai.google.dev/api/caching#Schema).
# ``title``/``default``/``example`` exist there too but are documentation only;
# they are dropped (default: Gemini ignores it, title: older models reject it).
_COPY = ("format", "description", "pattern", "minimum", "maximum",
         "minLength", "maxLength", "minItems", "maxItems",
         "minProperties", "maxProperties")
_INT_FIELDS = ("minLength", "maxLength", "minItems", "maxItems",
               "minProperties", "maxProperties")
_TYPES = {"string", "number", "integer", "boolean", "array", "object"}
# The formats Gemini documents per type; others (uri, email ...) are moved
# into the description so the hint is not lost.
_FORMATS = {"string": ("enum", "date-time"), "integer": ("int32", "int64"),
            "number": ("float", "double")}
_MAX_DEPTH = 32

_NAME_OK = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_.:-]{0,63}$")
_NAME_BAD_CHARS = re.compile(r"[^a-zA-Z0-9_.:-]")


# -- names ---------------------------------------------------------------------
def tool_name(name: str) -> str:
    """A Gemini-valid function name for ``name`` (unchanged when already valid)."""
    if _NAME_OK.match(name):
        return name
    clean = _NAME_BAD_CHARS.sub("_", name)
    if not clean or not (clean[0].isalpha() or clean[0] == "_"):
        clean = "_" + clean
    if clean != name or len(clean) > 64:
        # A short hash of the original keeps two names that sanitise alike apart.
        digest = hashlib.sha1(name.encode("utf-8")).hexdigest()[:8]
        clean = clean[:55] + "_" + digest
    return clean


def tool_name_map(request: dict[str, Any]) -> dict[str, str]:
    """original name -> Gemini name for every tool the request mentions.

    Covers the declared tools and the ``tool_use`` names in the history (a
    tool may have been removed since it was called). Use the inverse
    (:func:`reverse_name_map`) to translate functionCall names back.
    """
    names: list[str] = [t["name"] for t in request.get("tools") or [] if isinstance(t, dict) and t.get("name")]
    for msg in request.get("messages") or []:
        content = msg.get("content")
        if isinstance(content, list):
            names.extend(b["name"] for b in content
                         if isinstance(b, dict) and b.get("type") == "tool_use" and b.get("name"))
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for name in names:
        if name in mapping:
            continue
        g = tool_name(name)
        if g in used:  # collision after sanitising: disambiguate deterministically
            g = g[:55] + "_" + hashlib.sha1(("dup:" + name).encode()).hexdigest()[:8]
        mapping[name] = g
        used.add(g)
    return mapping


def reverse_name_map(request: dict[str, Any]) -> dict[str, str]:
    """Gemini name -> original name; pass to GeminiStreamTranslator(name_map=...)."""
    return {g: o for o, g in tool_name_map(request).items()}


# -- tools ---------------------------------------------------------------------
def referenced_tools(request: dict[str, Any]) -> set[str]:
    """Tool names loaded through tool search (``tool_reference`` blocks)."""
    found: set[str] = set()
    for msg in request.get("messages") or []:
        content = msg.get("content")
        if not isinstance(content, list):
            continue
        for block in content:
            if isinstance(block, dict) and block.get("type") == "tool_result" \
                    and isinstance(block.get("content"), list):
                for inner in block["content"]:
                    if isinstance(inner, dict) and inner.get("type") == "tool_reference":
                        found.add(inner.get("tool_name", ""))
    return found


def convert_tools(request: dict[str, Any], names: dict[str, str]) -> list[dict[str, Any]]:
    """``tools`` for generateContent: one Tool holding all functionDeclarations.

    Dropped: Anthropic server tools (``type`` other than ``custom``, e.g.
    ``web_search_20250305``; Gemini has no equivalent we could call) and
    ``defer_loading`` tools, unless a ``tool_reference`` in the history has
    loaded them: Anthropic's tool search makes a referenced deferred tool
    callable, so Gemini must see its declaration too.
    """
    loaded = referenced_tools(request)
    decls: list[dict[str, Any]] = []
    for tool in request.get("tools") or []:
        if not isinstance(tool, dict) or tool.get("type") not in (None, "custom"):
            continue
        if tool.get("defer_loading") and tool.get("name") not in loaded:
            continue
        decl: dict[str, Any] = {"name": names.get(tool["name"], tool_name(tool["name"]))}
        if tool.get("description"):
            decl["description"] = tool["description"]
        params = convert_schema(tool.get("input_schema") or {})
        # An object with no properties is rejected ("properties: should be
        # non-empty for OBJECT type"); a function without parameters is how
        # Gemini spells a no-argument tool.
        if params.get("properties"):
            decl["parameters"] = params
        decls.append(decl)
    return [{"functionDeclarations": decls}] if decls else []


# -- schemas -------------------------------------------------------------------
def convert_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """JSON Schema (draft 7 / 2020-12) -> Gemini's OpenAPI 3.0 subset."""
    if not isinstance(schema, dict):
        return {}
    defs: dict[str, Any] = {}
    for key in ("$defs", "definitions"):
        if isinstance(schema.get(key), dict):
            defs.update({f"#/{key}/{k}": v for k, v in schema[key].items()})
    return _convert(schema, defs, (), 0)


def _convert(s: Any, defs: dict[str, Any], seen: tuple[str, ...], depth: int) -> dict[str, Any]:
    if not isinstance(s, dict) or depth > _MAX_DEPTH:
        return {}
    if isinstance(s.get("$ref"), str):
        ref = s["$ref"]
        # Seen on this path already = a recursive schema, which Gemini's
        # Schema cannot express: stop expanding there.
        target = defs.get(ref) if ref not in seen else None
        if not isinstance(target, dict):
            # Cycle or unknown ref: an untyped object is the honest fallback.
            out = {"type": "object"}
            if s.get("description"):
                out["description"] = s["description"]
            return out
        merged = {**target, **{k: v for k, v in s.items() if k != "$ref"}}
        return _convert(merged, defs, seen + (ref,), depth + 1)

    out: dict[str, Any] = {}
    nullable = bool(s.get("nullable"))

    # allOf: merge the members (the usual use is a single $ref plus siblings).
    if isinstance(s.get("allOf"), list):
        merged: dict[str, Any] = {}
        for member in s["allOf"]:
            conv = _convert(member, defs, seen, depth + 1)
            props = {**merged.get("properties", {}), **conv.get("properties", {})}
            req = merged.get("required", []) + [r for r in conv.get("required", []) if r not in merged.get("required", [])]
            merged.update(conv)
            if props:
                merged["properties"] = props
            if req:
                merged["required"] = req
        out.update(merged)

    # anyOf / oneOf: Gemini has anyOf (no oneOf). A null member becomes
    # ``nullable``; a single remaining member is inlined.
    variants = s.get("anyOf") if isinstance(s.get("anyOf"), list) else s.get("oneOf")
    if isinstance(variants, list):
        members = [v for v in variants if not (isinstance(v, dict) and v.get("type") == "null")]
        nullable = nullable or len(members) != len(variants)
        conv = [c for c in (_convert(v, defs, seen, depth + 1) for v in members) if c]
        if len(conv) == 1:
            out.update(conv[0])
        elif conv:
            out["anyOf"] = conv

    # type: a list with "null" -> nullable; other multi-type lists -> anyOf.
    typ = s.get("type")
    if isinstance(typ, list):
        types = [t for t in typ if t != "null"]
        nullable = nullable or len(types) != len(typ)
        if len(types) == 1:
            typ = types[0]
        elif types:
            out["anyOf"] = [{"type": t} for t in types if t in _TYPES]
            typ = None
        else:
            typ = None
    if typ == "null":
        typ, nullable = None, True
    if typ in _TYPES:
        out["type"] = typ

    # const -> a one-value enum; Gemini enums are strings ("format: enum").
    enum = [s["const"]] if "const" in s else s.get("enum")
    if isinstance(enum, list):
        values = [v for v in enum if v is not None]
        nullable = nullable or len(values) != len(enum)
        if values:
            out["enum"] = [v if isinstance(v, str) else _json_text(v) for v in values]
            out["type"] = "string"
            out.pop("anyOf", None)

    for key in _COPY:
        if key in s and s[key] is not None:
            out[key] = s[key]
    for key in _INT_FIELDS:  # int64 fields in Gemini's proto
        if isinstance(out.get(key), float):
            out[key] = int(out[key])
    # exclusiveMinimum/Maximum (numbers in draft 2020-12) are not in the
    # subset; the inclusive bound is the closest Gemini can express.
    for exc, inc in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        bound = s.get(exc)
        if isinstance(bound, (int, float)) and not isinstance(bound, bool) and inc not in out:
            out[inc] = bound
    # "Supported formats: for NUMBER type: float, double; for INTEGER type:
    # int32, int64; for STRING type: enum, date-time" (Schema.format docs).
    fmt = out.get("format")
    if fmt is not None and fmt not in _FORMATS.get(out.get("type"), ()):
        out.pop("format")
        if isinstance(fmt, str) and fmt:
            out["description"] = (out.get("description", "") + f" (format: {fmt})").strip()

    props = s.get("properties")
    if isinstance(props, dict):
        # Merged onto what allOf members contributed, not over it.
        conv_props = {**out.get("properties", {}),
                      **{k: _convert(v, defs, seen, depth + 1) for k, v in props.items()}}
        if conv_props:
            out["properties"] = conv_props
            out.setdefault("type", "object")
    req = list(out.get("required", []))
    req += [r for r in s.get("required") or [] if isinstance(r, str) and r not in req]
    req = [r for r in req if r in out.get("properties", {})]
    if req:
        out["required"] = req
    else:
        out.pop("required", None)
    if "items" in s:
        items = s["items"]
        if isinstance(items, list):  # tuple form: Gemini has no tuples
            items = {"anyOf": items} if len(items) > 1 else (items[0] if items else {})
        conv_items = _convert(items, defs, seen, depth + 1)
        out["items"] = conv_items or {"type": "string"}
        out.setdefault("type", "array")
    elif out.get("type") == "array":
        out["items"] = {"type": "string"}  # Gemini requires items for ARRAY
    if nullable:
        out["nullable"] = True
    return out


def _json_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
