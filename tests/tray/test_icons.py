"""Icons: every size on disk, states told apart by shape (not only colour)."""
from __future__ import annotations

from pathlib import Path

from PIL import Image

from tray import icons


def mask(state: str, size: int = 64) -> set[tuple[int, int]]:
    img = icons.render(state, size)
    return {(x, y) for x in range(size) for y in range(size) if img.getpixel((x, y))[3] > 128}


def grey_signature(state: str, size: int = 64) -> set[tuple[int, int]]:
    """Light pixels inside the icon, in greyscale: the inner glyph as a
    colour-blind user sees it."""
    img = icons.render(state, size)
    grey = img.convert("L")
    return {(x, y) for x in range(size) for y in range(size)
            if img.getpixel((x, y))[3] > 200 and grey.getpixel((x, y)) > 200}


def glyph(state: str, size: int = 64) -> set[tuple[int, int]]:
    """Dark or light pixels of the badge corner, in greyscale."""
    img = icons.render(state, size)
    grey = img.convert("L")
    return {(x, y, grey.getpixel((x, y)) > 128) for x in range(size // 2, size) for y in range(size // 2, size)
            if img.getpixel((x, y))[3] > 200}


def test_states_differ_in_shape() -> None:
    greys = {s: grey_signature(s) for s in icons.STATES}
    glyphs = {s: glyph(s) for s in icons.STATES}
    for a in icons.STATES:
        for b in icons.STATES:
            if a < b:
                diff = len(greys[a] ^ greys[b]) / len(greys[a] | greys[b])
                corner = len(glyphs[a] ^ glyphs[b]) / len(glyphs[a] | glyphs[b])
                assert diff > 0.15 and corner > 0.2, (a, b, diff, corner)


def test_every_state_is_the_app_icon_with_a_badge() -> None:
    """Issue 13.16: the tray icon is recognisably the app's icon in every state
    (the disc with two switch bars), and "not set up yet" is not the problem badge."""
    app = mask("ready")
    upper_left = {(x, y) for x in range(32) for y in range(32)}
    for state in icons.STATES:
        img = icons.render(state)
        # The upper-left quarter (the mark, away from the badge) is the app icon's in every state.
        same = sum(1 for p in upper_left if (p in mask(state)) == (p in app))
        assert same / len(upper_left) > 0.98, state
        assert grey_signature(state) & grey_signature("ready") & {p for p in upper_left}, state
        assert img.getpixel((8, 8))[3] == 0  # round, not a square tile
    assert icons.COLOURS["setup"] != icons.COLOURS["problem"]
    assert glyph("setup") != glyph("problem")


def test_committed_assets_match_the_generator(tmp_path: Path) -> None:
    written = icons.write_all(tmp_path)
    names = {p.name for p in written}
    for state in icons.STATES:
        for size in icons.PNG_SIZES:
            assert f"{state}-{size}.png" in names
            with Image.open(icons.ASSETS / f"{state}-{size}.png") as img:
                assert img.size == (size, size) and img.mode == "RGBA"
    with Image.open(icons.ASSETS / "switchboard.ico") as ico:
        assert (16, 16) in ico.info["sizes"] and (256, 256) in ico.info["sizes"]
    assert (icons.ASSETS / "switchboard.icns").stat().st_size > 1000
