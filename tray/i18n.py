"""The tray's words in the person's language (issue 19), with the standard
library's gettext: ``tray/locale/<lang>/LC_MESSAGES/switchboard.po`` (the
source translators edit) compiled to ``switchboard.mo`` (what is read).

The language is the config's ``"language"`` when the person chose one in
the settings page ("zh-CN"), else the OS locale (LANGUAGE, LC_ALL,
LC_MESSAGES, LANG). A message without a translation stays English. Log
lines and the CLI stay English on purpose.
"""
from __future__ import annotations

import gettext
import os
from pathlib import Path
from typing import Any, Mapping

from server.said import Said, english, joined

DOMAIN = "switchboard"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

_cache: dict[tuple[str, ...], gettext.NullTranslations] = {}
_current: gettext.NullTranslations = gettext.NullTranslations()
_key: tuple[str, ...] | None = None


def system_languages(environ: Mapping[str, str] | None = None) -> list[str]:
    """The OS locale's languages, as gettext reads them ("zh_CN.UTF-8" -> "zh_CN")."""
    env = os.environ if environ is None else environ
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name)
        if value:
            langs = [v.split(".")[0].split("@")[0] for v in value.split(":") if v]
            return [lang for lang in langs if lang and lang not in ("C", "POSIX")] or ["en"]
    return ["en"]


def languages_for(choice: str | None, environ: Mapping[str, str] | None = None) -> list[str]:
    """The config's choice ("zh-CN" -> "zh_CN") first, else the OS locale."""
    if choice:
        return [choice.replace("-", "_")]
    return system_languages(environ)


def use(choice: str | None = None, environ: Mapping[str, str] | None = None) -> None:
    """Make ``_`` answer in this language (cheap when it does already)."""
    global _current, _key
    key = tuple(languages_for(choice, environ))
    if key == _key:
        return
    if key not in _cache:
        _cache[key] = gettext.translation(DOMAIN, str(LOCALE_DIR), languages=list(key), fallback=True)
    _current, _key = _cache[key], key


def translating() -> bool:
    """Whether a catalogue other than English answers ``_`` now."""
    return isinstance(_current, gettext.GNUTranslations)


def _(message: str) -> str:
    return _current.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _current.ngettext(singular, plural, n)


def said(sentence: Any) -> str:
    """A sentence the server words (server/said.py), in this language: its
    English template is the msgid (a sentence nobody translated stays English)."""
    def param(value: Any) -> str:  # a param may be a sentence too ("3 models")
        return said(value) if isinstance(value, Said) else english(value)
    text = sentence.words(_current.gettext(sentence.template), param)
    return joined(text, said(sentence.then)) if sentence.then else text


use()
