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


def test_states_differ_in_shape() -> None:
    shapes = {s: mask(s) for s in icons.STATES}
    # The problem triangle has empty top corners where both discs are filled.
    assert (32, 40) in shapes["problem"] and (12, 12) not in shapes["problem"]
    assert (12, 12) in shapes["ready"] and (12, 12) in shapes["working"]
    greys = {s: grey_signature(s) for s in icons.STATES}
    for a in icons.STATES:
        for b in icons.STATES:
            if a < b:
                diff = len(greys[a] ^ greys[b]) / len(greys[a] | greys[b])
                assert diff > 0.25, (a, b, diff)


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
