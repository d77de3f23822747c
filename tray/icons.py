"""The tray icon, drawn with Pillow: the app's mark in every state, with a
badge that tells the state apart by shape.

The mark (the app icon itself): a disc with two "switch" bars, a patch panel.

* ready   — the mark alone (green)
* working — the mark with a round badge holding three dots (blue)
* setup   — the mark with a round "+" badge (slate): not set up yet, not an error
* problem — the mark with a triangle "!" badge (red)

Colours help but are not needed to tell them apart. Each shape has a dark
outline so it shows on light and dark panels. ``python build/make_icons.py``
(or ``python -m tray.icons``) writes the PNG sizes each OS uses, a Windows
.ico and a macOS .icns into assets/icons/.
"""
from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image, ImageDraw

STATES = ("ready", "working", "setup", "problem")
PNG_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = [(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)]
COLOURS = {"ready": (46, 125, 50), "working": (21, 101, 192), "setup": (69, 90, 100), "problem": (198, 40, 40)}
OUTLINE = (20, 20, 20)
WHITE = (255, 255, 255)
ASSETS = Path(__file__).resolve().parent.parent / "assets" / "icons"
_SS = 4  # supersampling factor for smooth edges


def _mark(draw: ImageDraw.ImageDraw, u: float, colour: tuple[int, int, int], width: int) -> None:
    """The app's mark: a disc with two switch bars and their knobs."""
    draw.ellipse([3 * u, 3 * u, 61 * u, 61 * u], fill=colour, outline=OUTLINE, width=width)
    for y in (24, 40):
        draw.rounded_rectangle([14 * u, (y - 4) * u, 50 * u, (y + 4) * u], radius=4 * u, fill=WHITE)
    draw.ellipse([36 * u, 18 * u, 48 * u, 30 * u], fill=OUTLINE)
    draw.ellipse([16 * u, 34 * u, 28 * u, 46 * u], fill=OUTLINE)


def render(state: str, size: int = 64) -> Image.Image:
    if state not in COLOURS:
        raise ValueError(f"unknown icon state {state!r}")
    big = size * _SS
    img = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    u = big / 64.0  # drawing units: a 64 x 64 grid
    width = max(1, round(3 * u))
    _mark(draw, u, COLOURS[state], width)
    badge = [30 * u, 30 * u, 63 * u, 63 * u]  # lower right quarter, over the disc's edge
    if state == "working":
        draw.ellipse(badge, fill=WHITE, outline=OUTLINE, width=width)
        for x in (38.5, 46.5, 54.5):
            draw.ellipse([(x - 3.5) * u, 43 * u, (x + 3.5) * u, 50 * u], fill=OUTLINE)
    elif state == "setup":
        draw.ellipse(badge, fill=WHITE, outline=OUTLINE, width=width)
        draw.rounded_rectangle([43.5 * u, 36 * u, 49.5 * u, 57 * u], radius=2 * u, fill=OUTLINE)
        draw.rounded_rectangle([36 * u, 43.5 * u, 57 * u, 49.5 * u], radius=2 * u, fill=OUTLINE)
    elif state == "problem":
        tri = [(46.5 * u, 27 * u), (63 * u, 62 * u), (30 * u, 62 * u)]
        draw.polygon(tri, fill=WHITE, outline=OUTLINE)
        draw.line(tri + [tri[0]], fill=OUTLINE, width=width, joint="curve")
        draw.rounded_rectangle([44 * u, 37 * u, 49 * u, 51 * u], radius=2 * u, fill=COLOURS["problem"])
        draw.ellipse([44 * u, 53 * u, 49 * u, 58 * u], fill=COLOURS["problem"])
    return img.resize((size, size), Image.LANCZOS)


def write_all(folder: Path = ASSETS) -> list[Path]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for state in STATES:
        for size in PNG_SIZES:
            path = folder / f"{state}-{size}.png"
            render(state, size).save(path, optimize=True)
            written.append(path)
    app = render("ready", 512)
    ico = folder / "switchboard.ico"
    app.save(ico, sizes=ICO_SIZES)
    icns = folder / "switchboard.icns"
    app.save(icns)
    png = folder / "switchboard.png"
    render("ready", 256).save(png, optimize=True)
    return written + [ico, icns, png]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    paths = write_all(Path(args[0]) if args else ASSETS)
    print(f"wrote {len(paths)} icon files to {paths[0].parent}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
