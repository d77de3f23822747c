"""A small JSON5 reader: enough for claude-code-router's config.json.

Accepts what JSON5 adds to JSON and people actually type: ``//`` and
``/* */`` comments, trailing commas, unquoted (identifier) keys, single-quoted
strings, escaped line continuations, hex numbers, leading/trailing decimal
points, a leading ``+``, ``Infinity`` and ``NaN``. Plain JSON parses to the same
values as :func:`json.loads`. Errors are :class:`JSON5Error` naming the line
and column.

Not supported (not seen in CCR configs): identifiers with ``\\u`` escapes or
non-ASCII letters in unquoted keys.
"""
from __future__ import annotations

import math
import re
from typing import Any

__all__ = ["JSON5Error", "loads"]

_WS = " \t\n\r\v\f\u00a0\ufeff\u2028\u2029"
_IDENT_START = re.compile(r"[A-Za-z_$]")
_IDENT = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
_NUMBER = re.compile(
    r"[+-]?(?:0[xX][0-9a-fA-F]+|Infinity|NaN|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
)
_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
            "0": "\0", "'": "'", '"': '"', "\\": "\\", "/": "/"}
_MAX_DEPTH = 200


class JSON5Error(ValueError):
    """The text is not valid JSON5; ``line`` and ``column`` are 1-based."""

    def __init__(self, msg: str, text: str, pos: int) -> None:
        self.msg = msg
        self.pos = pos
        self.line = text.count("\n", 0, pos) + 1
        self.column = pos - (text.rfind("\n", 0, pos) + 1) + 1
        super().__init__(f"line {self.line}, column {self.column}: {msg}")


def loads(text: str) -> Any:
    parser = _Parser(text)
    parser.skip()
    value = parser.value(0)
    parser.skip()
    if parser.pos < len(text):
        parser.fail(f"unexpected {parser.describe()} after the end of the value")
    return value


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    # -- helpers ----------------------------------------------------------------

    def fail(self, msg: str, pos: int | None = None) -> None:
        raise JSON5Error(msg, self.text, self.pos if pos is None else pos)

    def describe(self) -> str:
        if self.pos >= len(self.text):
            return "end of file"
        ch = self.text[self.pos]
        return repr(ch) if ch.isprintable() else f"character U+{ord(ch):04X}"

    def _found_at(self) -> str:
        line = self.text.count("\n", 0, self.pos) + 1
        return f"{self.describe()} on line {line}"

    def skip(self) -> None:
        """Skip whitespace and comments."""
        text, n = self.text, len(self.text)
        while self.pos < n:
            ch = text[self.pos]
            if ch in _WS:
                self.pos += 1
            elif text.startswith("//", self.pos):
                end = text.find("\n", self.pos)
                self.pos = n if end < 0 else end + 1
            elif text.startswith("/*", self.pos):
                end = text.find("*/", self.pos + 2)
                if end < 0:
                    self.fail("a /* comment is never closed with */")
                self.pos = end + 2
            else:
                return

    # -- values -----------------------------------------------------------------

    def value(self, depth: int) -> Any:
        if depth > _MAX_DEPTH:
            self.fail("objects and arrays are nested too deeply")
        if self.pos >= len(self.text):
            self.fail("expected a value but the file ended")
        ch = self.text[self.pos]
        if ch == "{":
            return self.object(depth)
        if ch == "[":
            return self.array(depth)
        if ch in "\"'":
            return self.string()
        for word, val in (("true", True), ("false", False), ("null", None)):
            if self.text.startswith(word, self.pos) and not self._ident_continues(len(word)):
                self.pos += len(word)
                return val
        if ch in "+-.0123456789IN":
            return self.number()
        self.fail(f"expected a value, found {self.describe()}")

    def _ident_continues(self, length: int) -> bool:
        end = self.pos + length
        return end < len(self.text) and (self.text[end].isalnum() or self.text[end] in "_$")

    def number(self) -> int | float:
        m = _NUMBER.match(self.text, self.pos)
        if not m or self._ident_continues(m.end() - self.pos):
            self.fail(f"expected a value, found {self.describe()}")
        raw = m.group()
        self.pos = m.end()
        sign = -1 if raw.startswith("-") else 1
        body = raw.lstrip("+-")
        if body == "Infinity":
            return sign * math.inf
        if body == "NaN":
            return math.nan
        if body[:2] in ("0x", "0X"):
            return sign * int(body, 16)
        if len(body) > 1 and body[0] == "0" and body[1].isdigit():
            self.fail("numbers cannot have leading zeros", m.start())
        if any(c in body for c in ".eE"):
            return float(raw)
        return int(raw)

    def string(self) -> str:
        quote = self.text[self.pos]
        start = self.pos
        self.pos += 1
        out: list[str] = []
        text, n = self.text, len(self.text)
        while True:
            if self.pos >= n:
                self.fail(f"a string starting here is never closed with {quote}", start)
            ch = text[self.pos]
            if ch == quote:
                self.pos += 1
                return "".join(out)
            if ch == "\n" or ch == "\r":
                self.fail(f"a string starting here is never closed with {quote} on its line", start)
            if ch != "\\":
                out.append(ch)
                self.pos += 1
                continue
            self.pos += 1
            if self.pos >= n:
                self.fail(f"a string starting here is never closed with {quote}", start)
            esc = text[self.pos]
            if esc in _ESCAPES:
                if esc == "0" and self.pos + 1 < n and text[self.pos + 1].isdigit():
                    self.fail("octal escapes are not allowed")
                out.append(_ESCAPES[esc])
                self.pos += 1
            elif esc in "\n\u2028\u2029":  # line continuation
                self.pos += 1
            elif esc == "\r":
                self.pos += 2 if text.startswith("\r\n", self.pos) else 1
            elif esc in "xu":
                size = 2 if esc == "x" else 4
                digits = text[self.pos + 1:self.pos + 1 + size]
                if len(digits) != size or not all(c in "0123456789abcdefABCDEF" for c in digits):
                    self.fail(f"\\{esc} needs {size} hex digits")
                code = int(digits, 16)
                self.pos += 1 + size
                if esc == "u" and 0xD800 <= code < 0xDC00 and text.startswith("\\u", self.pos):
                    low = text[self.pos + 2:self.pos + 6]
                    if len(low) == 4 and all(c in "0123456789abcdefABCDEF" for c in low):
                        low_code = int(low, 16)
                        if 0xDC00 <= low_code < 0xE000:
                            code = 0x10000 + ((code - 0xD800) << 10) + (low_code - 0xDC00)
                            self.pos += 6
                out.append(chr(code))
            elif esc.isdigit():
                self.fail("octal escapes are not allowed")
            else:  # JSON5: any other escaped character stands for itself
                out.append(esc)
                self.pos += 1

    def key(self) -> str:
        ch = self.text[self.pos] if self.pos < len(self.text) else ""
        if ch in ("'", '"'):
            return self.string()
        m = _IDENT.match(self.text, self.pos)
        if not m:
            self.fail(f"expected a key (a name or a quoted string), found {self.describe()}")
        self.pos = m.end()
        return m.group()

    def object(self, depth: int) -> dict[str, Any]:
        start = self.pos
        self.pos += 1
        result: dict[str, Any] = {}
        while True:
            self.skip()
            if self.pos >= len(self.text):
                self.fail("an object starting here is never closed with }", start)
            if self.text[self.pos] == "}":
                self.pos += 1
                return result
            key = self.key()
            self.skip()
            if self.pos >= len(self.text) or self.text[self.pos] != ":":
                self.fail(f"expected ':' after the key {key!r}, found {self.describe()}")
            self.pos += 1
            self.skip()
            result[key] = self.value(depth + 1)
            after = self.pos
            self.skip()
            if self.pos < len(self.text) and self.text[self.pos] == ",":
                self.pos += 1
                continue
            if self.pos < len(self.text) and self.text[self.pos] == "}":
                continue
            if self.pos >= len(self.text):
                self.fail("an object starting here is never closed with }", start)
            self.fail(f"expected ',' or '}}' after the value of {key!r}, found {self._found_at()}", after)

    def array(self, depth: int) -> list[Any]:
        start = self.pos
        self.pos += 1
        result: list[Any] = []
        while True:
            self.skip()
            if self.pos >= len(self.text):
                self.fail("an array starting here is never closed with ]", start)
            if self.text[self.pos] == "]":
                self.pos += 1
                return result
            result.append(self.value(depth + 1))
            after = self.pos
            self.skip()
            if self.pos < len(self.text) and self.text[self.pos] == ",":
                self.pos += 1
                continue
            if self.pos < len(self.text) and self.text[self.pos] == "]":
                continue
            if self.pos >= len(self.text):
                self.fail("an array starting here is never closed with ]", start)
            self.fail(f"expected ',' or ']' after an array item, found {self._found_at()}", after)
