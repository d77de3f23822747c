"""A sentence for a person, as a stable code and its params (issue 19).

The server words some things a person reads itself: the cards of "Check
with Claude Code", the spending-limit alerts and today's usage line, the
"Claude Code moved" notice, the import report and why an import failed,
why a settings file was not changed, why the keyring cannot be used, a
resting key, why a session stays on a fallback, why the tray's server is
not running. Each is a :class:`Said`:
its ``code`` (the settings page's catalogue key, static/strings.js), its
``params`` and its English ``template``. The page shows ``t(code, params)``
in its language, the tray ``_(template)`` through gettext (tray/locale);
logs, the CLI and API clients read ``text``, English on purpose.

Each module keeps its sentences in one :class:`Words` table, code ->
English. Those tables are the page's English for these codes too: the page
loads them as ``/settings/static/server-words.js`` (:func:`page_english`),
so the English is written once; the translations live in the page's
catalogues (strings-zh-CN.js …), checked against it by
tests/server/settings_page/test_catalogues.py.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping

TABLES: list["Words"] = []
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def english(value: Any) -> str:
    """A param as English text shows it: 60000 -> "60,000"; a sentence (a
    param may be one, e.g. "3 models") its English text."""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


# Chinese (and Japanese) sentences end in a full-width stop: no space after it.
_NO_SPACE_AFTER = "。！？：；）"


def joined(first: str, then: str) -> str:
    return first + ("" if first.endswith(tuple(_NO_SPACE_AFTER)) else " ") + then


@dataclass(frozen=True)
class Said:
    code: str
    template: str
    params: Mapping[str, Any] = field(default_factory=dict)
    then: "Said | None" = None   # a sentence that follows this one

    def words(self, template: str | None = None, param: Callable[[Any], str] = english) -> str:
        """``template`` (default: the English one) filled in with the params
        (each written by ``param``): ``{name}`` as the page's t() fills it
        (other braces stay as they are)."""
        def fill(m: re.Match[str]) -> str:
            return param(self.params[m.group(1)]) if m.group(1) in self.params else m.group(0)
        return _PLACEHOLDER.sub(fill, template or self.template)

    @property
    def text(self) -> str:
        return joined(self.words(), self.then.text) if self.then else self.words()

    def __str__(self) -> str:
        return self.text

    def and_then(self, then: "Said") -> "Said":
        return replace(self, then=then)

    def as_json(self) -> dict[str, Any]:
        """What the page reads: ``code`` and ``params`` for its catalogue, ``text`` the English.
        A line that is plain text (not yet a sentence with a code) is ``{"text": …}``."""
        params = {k: v.as_json() if isinstance(v, Said) else v for k, v in self.params.items()}
        out: dict[str, Any] = {"code": self.code, "params": params, "text": self.text}
        if self.then:
            out["then"] = self.then.as_json()
        return out


class Words(dict[str, str]):
    """code -> English template; ``table(code, **params)`` is a :class:`Said`.
    ``shown_by``: who words these sentences in the person's language, the
    settings page (its catalogue keys are the codes) and/or the tray (its
    gettext msgids are the English templates); the tests check both."""

    def __init__(self, words: Mapping[str, str], shown_by: tuple[str, ...] = ("page",)) -> None:
        super().__init__(words)
        self.shown_by = shown_by
        TABLES.append(self)

    def __call__(self, code: str, **params: Any) -> Said:
        return Said(code, self[code], params)


def as_json(line: "Said | str | None") -> dict[str, Any] | None:
    """A line for the page: a sentence's code and params, plain text as
    ``{"text": …}``, nothing as None."""
    if line is None:
        return None
    return line.as_json() if isinstance(line, Said) else {"text": str(line)}


def text(line: "Said | str | None") -> str | None:
    """The English of a line (logs, API clients), None for nothing."""
    return None if line is None else str(line)


class Telling(Exception):
    """An exception whose message is a sentence: ``str(exc)`` is the English
    (logs, CLI), ``exc.said`` the code and params (the page, the tray)."""

    def __init__(self, said: Said | str) -> None:
        super().__init__(str(said))
        self.said = said if isinstance(said, Said) else None


def page_english() -> dict[str, str]:
    """code -> English of every sentence the settings page words (the tables
    of the modules imported so far: the app imports them all)."""
    return {code: words for table in TABLES if "page" in table.shown_by for code, words in table.items()}
