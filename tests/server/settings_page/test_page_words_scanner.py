"""Every word the settings page shows comes from the catalogue (issue 19): a
scanner over the page's JS fails on a user-visible string literal (the
``text:`` / ``textContent`` / ``placeholder`` / ``aria-label`` / ``title``
of an element, a toast, an appended text) that holds words of its own."""
from __future__ import annotations

import re
from pathlib import Path

STATIC = Path(__file__).resolve().parents[3] / "server" / "settings_page" / "static"
CATALOGUES = {"strings.js", "strings-zh-CN.js", "strings-zh-TW.js", "usage-strings.js"}

_LIT = r"""(?P<q>["'`])(?P<s>(?:\\.|(?!(?P=q)).)*)(?P=q)"""
PATTERNS = [
    # h("p", { text: "…" }), placeholder: "…", "aria-label": "…", title: "…", alt: "…"
    re.compile(r"""(?:\btext|\bplaceholder|["']aria-label["']|\btitle|\balt|\blabel)\s*:\s*""" + _LIT),
    # el.textContent = "…", el.title = "…", el.placeholder = "…"
    re.compile(r"""\.(?:textContent|innerText|innerHTML|placeholder|title)\s*=\s*""" + _LIT),
    # setAttribute("aria-label", "…")
    re.compile(r"""setAttribute\(\s*["'](?:aria-label|title|placeholder|alt)["']\s*,\s*""" + _LIT),
    # toast("…"), el.append("…"), busy(el, "…"), new ApiError("…")
    re.compile(r"""\b(?:toast|append|prepend|replaceChildren|ApiError)\(\s*(?:\w+\s*,\s*)?""" + _LIT),
]
# Latin words of two letters or more, once ${…} holes are taken out.
WORDS = re.compile(r"[A-Za-z]{2,}")
# Literals that are not words a person reads in a language.
ALLOWED = {
    "http://127.0.0.1:7890",  # network.js: the proxy box's example address (same in every language)
}


def visible_literals(source: str) -> list[tuple[int, str]]:
    found = []
    for pattern in PATTERNS:
        for m in pattern.finditer(source):
            text = re.sub(r"\$\{[^}]*\}", "", m.group("s"))
            if WORDS.search(text) and text not in ALLOWED:
                found.append((source.count("\n", 0, m.start()) + 1, m.group("s")))
    return found


def page_sources() -> list[Path]:
    return sorted(p for p in STATIC.glob("*.js") if p.name not in CATALOGUES)


def test_no_words_outside_the_catalogue() -> None:
    offenders = [f"{p.name}:{line}: {text!r}" for p in page_sources()
                 for line, text in visible_literals(p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_the_scanner_finds_a_hard_coded_sentence() -> None:
    sample = '''
      h("p", { class: "hint", text: "Saved your key" });
      el.textContent = `Moved to ${name} now`;
      toast("Connected");
      h("span", { text: t("common.saved") });
      h("span", { text: "✓ " + t("test.ok") });
      h("span", { text: `+${n}` });
    '''
    found = [text for _, text in visible_literals(sample)]
    assert found == ["Saved your key", "Moved to ${name} now", "Connected"]
