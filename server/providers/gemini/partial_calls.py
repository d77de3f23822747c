"""Function calls whose arguments Gemini streams in pieces -> whole calls.

With ``toolConfig.functionCallingConfig.streamFunctionCallArguments`` (Vertex
AI; Gemini 3 models) one call arrives over several ``functionCall`` parts
(field names from Google's reference: ``FunctionCall.partialArgs``,
``FunctionCall.willContinue``, ``PartialArg{jsonPath, stringValue,
numberValue, boolValue, nullValue, willContinue}``;
https://cloud.google.com/vertex-ai/generative-ai/docs/reference/rest/v1/Content#FunctionCall
and googleapis/googleapis commit 286c66a, aiplatform ``content.proto``):

* the first part has the ``name`` (often the ``thoughtSignature``) and
  ``willContinue: true``;
* later parts have no name: ``partialArgs`` (each value at an RFC 9535 JSON
  path; a ``stringValue`` with ``willContinue: true`` is continued by the
  next piece for the same path), or only ``willContinue: true``;
* the call ends with a part whose ``willContinue`` is not true (an empty
  ``functionCall: {}``, or a last piece without it;
  tests/fixtures/upstream/gemini/stream-vertex-partial-args-*.chunks.txt).

:class:`PartialCalls` gathers the pieces and hands back one
:class:`AssembledCall` (name, arguments object, signature) per call, so the
stream translator emits one ``tool_use`` block with its complete input.
Pieces correlate by ``id`` when Gemini sends ids (several calls streaming
interleaved), else they continue the latest unfinished call. What cannot be
assembled (a piece with no call to belong to, a second id-less call starting
before the first ended, a bad JSON path) raises :class:`CallAssemblyError`,
which the translator turns into an ``event: error``: never a nameless
``tool_use``, never silently wrong arguments.

Limitation: the input is emitted when the call is complete, not piece by
piece (paths may revisit earlier keys, which a streamed JSON text cannot).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from server.errors import UpstreamProtocolError

Path = tuple[str | int, ...]


class CallAssemblyError(UpstreamProtocolError):
    """Gemini's streamed function-call pieces do not add up to calls."""


@dataclass
class AssembledCall:
    name: str
    args: dict[str, Any]
    signature: str | None = None  # the raw thoughtSignature of the call's parts


@dataclass
class _Pending:
    name: str
    upstream_id: str | None
    signature: str | None
    args: dict[str, Any] = field(default_factory=dict)
    open_strings: set[Path] = field(default_factory=set)


def is_piece(call: dict[str, Any]) -> bool:
    """True for a functionCall that is (part of) a streamed call.

    A whole call (``name`` + ``args``, no ``partialArgs``/``willContinue``)
    is not a piece; a part without a name always is (it can only continue
    or end a call).
    """
    return "partialArgs" in call or call.get("willContinue") is True or not call.get("name")


class PartialCalls:
    """The unfinished streamed calls of one response."""

    __slots__ = ("provider", "_pending")

    def __init__(self, provider: str) -> None:
        self.provider = provider
        self._pending: list[_Pending] = []

    @property
    def unfinished(self) -> bool:
        return bool(self._pending)

    def feed(self, call: dict[str, Any], signature: str | None) -> AssembledCall | None:
        """One streamed ``functionCall`` piece; the call when this piece ended it."""
        name = call.get("name")
        upstream_id = call.get("id") if isinstance(call.get("id"), str) and call.get("id") else None
        if isinstance(name, str) and name:
            target = self._begin(name, upstream_id, signature)
        else:
            found = self._find(upstream_id)
            if found is None:
                if not _has_content(call):
                    return None  # a stray end marker ({}): nothing to finish
                raise self._error("a piece of a function call's arguments arrived with no call it belongs to")
            target = found
            if signature and not target.signature:
                target.signature = signature
        pieces = call.get("partialArgs")
        if pieces is not None and not isinstance(pieces, list):
            raise self._error("partialArgs is not a list")
        for piece in pieces or ():
            self._apply(target, piece)
        if isinstance(call.get("args"), dict):
            target.args.update(call["args"])
        if call.get("willContinue") is True or any(
                isinstance(p, dict) and p.get("willContinue") is True for p in pieces or ()):
            return None
        self._pending.remove(target)
        return AssembledCall(name=target.name, args=target.args, signature=target.signature)

    # -- internals -------------------------------------------------------------
    def _error(self, what: str) -> CallAssemblyError:
        return CallAssemblyError(
            f"{self.provider}: the streamed function call could not be put together ({what}). "
            "Try again, or turn off streamFunctionCallArguments for this provider.")

    def _begin(self, name: str, upstream_id: str | None, signature: str | None) -> _Pending:
        for p in self._pending:
            if p.upstream_id == upstream_id:
                # Without ids (or with a repeated one) later pieces could
                # belong to either call: they cannot be told apart.
                raise self._error(f"call {name!r} started before the previous call's arguments ended")
        pending = _Pending(name=name, upstream_id=upstream_id, signature=signature)
        self._pending.append(pending)
        return pending

    def _find(self, upstream_id: str | None) -> _Pending | None:
        if upstream_id:
            return next((p for p in self._pending if p.upstream_id == upstream_id), None)
        return self._pending[-1] if self._pending else None

    def _apply(self, call: _Pending, piece: Any) -> None:
        if not isinstance(piece, dict):
            raise self._error("a partial argument is not an object")
        path = parse_json_path(piece.get("jsonPath"))
        if path is None:
            raise self._error(f"unreadable jsonPath {piece.get('jsonPath')!r}")
        if not path:
            raise self._error("a partial argument replaces the whole arguments object")
        if "stringValue" in piece:
            text = piece["stringValue"]
            if not isinstance(text, str):
                raise self._error("stringValue is not a string")
            if path in call.open_strings:
                current = _get(call.args, path)
                text = (current if isinstance(current, str) else "") + text
            if piece.get("willContinue") is True:
                call.open_strings.add(path)
            else:
                call.open_strings.discard(path)
            value: Any = text
        elif "numberValue" in piece:
            value = piece["numberValue"]
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise self._error("numberValue is not a number")
        elif "boolValue" in piece:
            value = piece["boolValue"]
            if not isinstance(value, bool):
                raise self._error("boolValue is not true or false")
        elif "nullValue" in piece:
            value = None
        else:
            return  # a path with no value yet: nothing to record
        if not _set(call.args, path, value):
            raise self._error(f"jsonPath {piece.get('jsonPath')!r} conflicts with earlier arguments")


def _has_content(call: dict[str, Any]) -> bool:
    return bool(call.get("partialArgs")) or bool(call.get("args"))


# -- RFC 9535 paths (the normalized subset Gemini sends) -----------------------
_SEGMENT = re.compile(
    r"""\.(?P<name>[^.\[\]'"]+)"""
    r"""|\[(?P<index>\d+)\]"""
    r"""|\['(?P<sq>(?:[^'\\]|\\.)*)'\]"""
    r"""|\["(?P<dq>(?:[^"\\]|\\.)*)"\]""")
_ESCAPE = re.compile(r"\\(.)")


def parse_json_path(raw: Any) -> Path | None:
    """``$.a.b[0]['c d']`` -> ``("a", "b", 0, "c d")``; None when unreadable."""
    if not isinstance(raw, str) or not raw.startswith("$"):
        return None
    out: list[str | int] = []
    pos = 1
    while pos < len(raw):
        m = _SEGMENT.match(raw, pos)
        if m is None:
            return None
        if m.group("name") is not None:
            out.append(m.group("name"))
        elif m.group("index") is not None:
            out.append(int(m.group("index")))
        else:
            quoted = m.group("sq") if m.group("sq") is not None else m.group("dq")
            out.append(_ESCAPE.sub(r"\1", quoted))
        pos = m.end()
    return tuple(out)


def _get(root: Any, path: Path) -> Any:
    node = root
    for key in path:
        if isinstance(key, int):
            if not isinstance(node, list) or key >= len(node):
                return None
        elif not isinstance(node, dict):
            return None
        node = node[key] if isinstance(key, int) else node.get(key)
    return node


def _set(root: dict[str, Any], path: Path, value: Any) -> bool:
    """Put ``value`` at ``path``, creating objects/arrays on the way."""
    node: Any = root
    for depth, key in enumerate(path):
        last = depth == len(path) - 1
        fresh: Any = value if last else ({} if isinstance(path[depth + 1], str) else [])
        if isinstance(key, int):
            if not isinstance(node, list):
                return False
            node.extend([None] * (key + 1 - len(node)))
            if last or node[key] is None:
                node[key] = fresh
        else:
            if not isinstance(node, dict):
                return False
            if last or key not in node or node[key] is None:
                node[key] = fresh
        node = node[key]
    return True
