"""The tray icon, drawn with Pillow: three states told apart by shape.

* ready   — a solid disc with two "switch" bars (a patch panel at rest)
* working — a hollow ring with three dots (something in progress)
* problem — a triangle with an exclamation mark

Colours help (green, blue, red) but are not needed to tell them apart. Each
shape has a dark outline so it shows on light and dark panels.
``python build/make_icons.py`` (or ``python -m tray.icons``) writes the PNG
sizes each OS uses, a Windows .ico and a macOS .icns into assets/icons/.
"""
from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image, ImageDraw

STATES = ("ready", "working", "problem")
PNG_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = [(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)]
COLOURS = {"ready": (46, 125, 50), "working": (21, 101, 192), "problem": (198, 40, 40)}
OUTLINE = (20, 20, 20)
WHITE = (255, 255, 255)
ASSETS = Path(__file__).resolve().parent.parent / "assets" / "icons"
_SS = 4  # supersampling factor for smooth edges


def render(state: str, size: int = 64) -> Image.Image:
    if state not in COLOURS:
        raise ValueError(f"unknown icon state {state!r}")
    big = size * _SS
    img = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    u = big / 64.0  # drawing units: a 64 x 64 grid
    width = max(1, round(3 * u))
    colour = COLOURS[state]
    if state == "ready":
        draw.ellipse([3 * u, 3 * u, 61 * u, 61 * u], fill=colour, outline=OUTLINE, width=width)
        for y in (24, 40):
            draw.rounded_rectangle([16 * u, (y - 4) * u, 48 * u, (y + 4) * u], radius=4 * u, fill=WHITE)
        draw.ellipse([36 * u, 18 * u, 48 * u, 30 * u], fill=OUTLINE)
        draw.ellipse([16 * u, 34 * u, 28 * u, 46 * u], fill=OUTLINE)
    elif state == "working":
        draw.ellipse([3 * u, 3 * u, 61 * u, 61 * u], fill=OUTLINE)
        draw.ellipse([7 * u, 7 * u, 57 * u, 57 * u], fill=colour)
        draw.ellipse([16 * u, 16 * u, 48 * u, 48 * u], fill=WHITE, outline=OUTLINE, width=width)
        for x in (23, 32, 41):
            draw.ellipse([(x - 3.5) * u, 28.5 * u, (x + 3.5) * u, 35.5 * u], fill=OUTLINE)
    else:
        tri = [(32 * u, 3 * u), (62 * u, 58 * u), (2 * u, 58 * u)]
        draw.polygon(tri, fill=colour, outline=OUTLINE)
        draw.line(tri + [tri[0]], fill=OUTLINE, width=width, joint="curve")
        draw.rounded_rectangle([28 * u, 18 * u, 36 * u, 42 * u], radius=3 * u, fill=WHITE)
        draw.ellipse([28 * u, 46 * u, 36 * u, 54 * u], fill=WHITE)
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
