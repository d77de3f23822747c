"""Build the packaged Switchboard app: ``python build/build_app.py``.

    python build/build_app.py                 # one-folder app in build/dist/
    python build/build_app.py --onefile       # one executable instead
    python build/build_app.py --package       # then the platform package:
        Linux    build/dist/switchboard-<version>-linux-<arch>.tar.gz
        macOS    build/dist/Switchboard-<version>.dmg      (build/macos/make_dmg.sh)
        Windows  build/dist/Switchboard-<version>-setup.exe (Inno Setup: build/windows/switchboard.iss)
    python build/build_app.py --cached        # reuse a build keyed by a hash of the
                                              # sources, spec and installed packages
                                              # (~/.cache/switchboard/app-<hash>/)

Run it with the Python whose packages should be inside (the project's venv
with the ``build`` extra, plus ``linux-tray`` on Linux). The last line of
output is the path of the built app (the executable's folder, or the .app).
"""
from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib.metadata
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import time
import tomllib
from pathlib import Path
from typing import Iterator

BUILD = Path(__file__).resolve().parent
ROOT = BUILD.parent
SPEC = BUILD / "switchboard.spec"
# What the build depends on, besides the installed packages.
SOURCES = ("server", "tray", "assets", "pyproject.toml", "build/switchboard.spec", "build/switchboard_entry.py",
           "build/rthooks", "build/build_app.py", "build/windows/version_info.txt")
KEEP_CACHED = 2  # app-<hash> folders kept in the cache (the newest ones)


def version() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def exe_name() -> str:
    return {"win32": "Switchboard.exe", "darwin": "Switchboard"}.get(sys.platform, "switchboard")


def app_path(dist: Path, onefile: bool = False) -> Path:
    """Where the build puts the app (the thing to ship)."""
    if sys.platform == "darwin":
        return dist / "Switchboard.app"
    return dist / exe_name() if onefile else dist / "switchboard"


def executable(dist: Path, onefile: bool = False) -> Path:
    app = app_path(dist, onefile)
    if sys.platform == "darwin":
        return app / "Contents" / "MacOS" / "Switchboard"
    return app if onefile else app / exe_name()


def source_hash(onefile: bool = False) -> str:
    h = hashlib.sha256()
    h.update(f"{sys.version}|{sys.platform}|{platform.machine()}|onefile={onefile}\n".encode())
    for name in SOURCES:
        path = ROOT / name
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        for f in files:
            if "__pycache__" in f.parts or f.suffix == ".pyc":
                continue
            h.update(f.relative_to(ROOT).as_posix().encode() + b"\0")
            h.update(hashlib.sha256(f.read_bytes()).digest())
    dists = sorted(f"{d.metadata['Name']}=={d.version}" for d in importlib.metadata.distributions()
                   if d.metadata["Name"])
    h.update("\n".join(dists).encode())
    return h.hexdigest()[:16]


def render_version_file(workpath: Path) -> Path:
    """build/windows/version_info.txt with pyproject's version (Windows EXE resource)."""
    v = version()
    parts = [int(x) for x in (v.split("+")[0].split("-")[0].split(".") + ["0", "0", "0"])[:4]]
    text = (BUILD / "windows" / "version_info.txt").read_text(encoding="utf-8")
    text = text.replace("filevers=(0, 1, 0, 0)", f"filevers={tuple(parts)}")
    text = text.replace("prodvers=(0, 1, 0, 0)", f"prodvers={tuple(parts)}")
    text = text.replace("'FileVersion', '0.1.0'", f"'FileVersion', '{v}'")
    text = text.replace("'ProductVersion', '0.1.0'", f"'ProductVersion', '{v}'")
    workpath.mkdir(parents=True, exist_ok=True)
    out = workpath / "version_info.txt"
    out.write_text(text, encoding="utf-8")
    return out


def pyinstaller(dist: Path, work: Path, *, onefile: bool = False, clean: bool = False) -> Path:
    """Run PyInstaller on the spec; return the built app's path."""
    render_version_file(work)
    cmd = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
           "--distpath", str(dist), "--workpath", str(work), str(SPEC)]
    if clean:
        cmd.insert(3, "--clean")
    if onefile:
        cmd += ["--", "--onefile"]
    subprocess.run(cmd, cwd=ROOT, check=True)
    if sys.platform == "darwin" and onefile:
        shutil.rmtree(dist / "switchboard", ignore_errors=True)
    return app_path(dist, onefile)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as fh:
        try:
            import fcntl
        except ImportError:  # Windows: one build at a time is the user's job
            yield
            return
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def cache_root() -> Path:
    return Path(os.environ.get("SWITCHBOARD_CACHE") or Path.home() / ".cache" / "switchboard")


def cached_build(onefile: bool = False, cache: Path | None = None, log=print) -> tuple[Path, bool, float]:  # type: ignore[no-untyped-def]
    """(dist folder, built now?, seconds): build once per source hash.

    The dist goes to ``<cache>/app-<hash>/`` (renamed into place when
    complete, so a crashed build is never reused) and PyInstaller's work
    folder to ``<cache>/pyinstaller-work/`` (emptied first: the key already
    says something changed); older app-* folders are pruned.
    """
    cache = cache or cache_root()
    key = source_hash(onefile)
    final = cache / f"app-{key}{'-onefile' if onefile else ''}"
    with _locked(cache / "app-build.lock"):
        if executable(final, onefile).is_file():
            return final, False, 0.0
        part = final.with_name(final.name + ".part")
        shutil.rmtree(part, ignore_errors=True)
        log(f"building the app into {final} (hash {key})")
        start = time.monotonic()
        # A fresh work folder: the key already says the inputs changed, and a
        # stale Analysis from another venv must never leak into the build.
        work = cache / ("pyinstaller-work-onefile" if onefile else "pyinstaller-work")
        shutil.rmtree(work, ignore_errors=True)
        pyinstaller(part, work, onefile=onefile)
        seconds = time.monotonic() - start
        shutil.rmtree(final, ignore_errors=True)
        part.rename(final)
        _prune(cache, keep=final)
        return final, True, seconds


def _prune(cache: Path, keep: Path) -> None:
    olds = sorted((p for p in cache.glob("app-*") if p.is_dir() and p != keep and not p.name.endswith(".part")),
                  key=lambda p: p.stat().st_mtime, reverse=True)
    for old in olds[KEEP_CACHED - 1:]:
        shutil.rmtree(old, ignore_errors=True)


def dir_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


# -- platform packages ----------------------------------------------------------------
def package_linux(dist: Path, out_dir: Path | None = None) -> Path:
    """switchboard-<v>-linux-<arch>.tar.gz: the app folder, a .desktop file,
    the icons, install.sh (per-user, no root) and a README."""
    v = version()
    top = f"switchboard-{v}-linux-{platform.machine()}"
    out = (out_dir or dist) / f"{top}.tar.gz"
    linux = BUILD / "linux"
    icons = ROOT / "assets" / "icons"

    def add(tar: tarfile.TarFile, src: Path, arc: str) -> None:
        tar.add(src, arcname=f"{top}/{arc}")

    with tarfile.open(out, "w:gz", compresslevel=6) as tar:
        add(tar, app_path(dist), "switchboard")
        add(tar, linux / "switchboard.desktop", "switchboard.desktop")
        add(tar, linux / "install.sh", "install.sh")
        add(tar, linux / "README.txt", "README.txt")
        for size in (48, 128, 256, 512):
            add(tar, icons / f"ready-{size}.png", f"icons/{size}x{size}/switchboard.png")
    return out


def package_macos(dist: Path) -> Path:
    out = dist / f"Switchboard-{version()}.dmg"
    subprocess.run(["bash", str(BUILD / "macos" / "make_dmg.sh"), str(app_path(dist)), str(out), version()],
                   check=True)
    return out


def package_windows(dist: Path) -> Path:
    iscc = shutil.which("iscc") or shutil.which("ISCC") or r"C:\Program Files (x86)\Inno Setup 6\ISCC.exe"
    subprocess.run([iscc, f"/DAppVersion={version()}", f"/DSourceDir={app_path(dist)}", f"/O{dist}",
                    str(BUILD / "windows" / "switchboard.iss")], check=True)
    return dist / f"Switchboard-{version()}-setup.exe"


def package(dist: Path) -> Path:
    if sys.platform == "darwin":
        return package_macos(dist)
    if sys.platform == "win32":
        return package_windows(dist)
    return package_linux(dist)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="build_app.py", description="Build the packaged Switchboard app.")
    parser.add_argument("--onefile", action="store_true", help="one executable instead of one folder")
    parser.add_argument("--package", action="store_true", help="then make the platform's package (tar.gz, .dmg, setup.exe)")
    parser.add_argument("--cached", action="store_true", help="build into the cache keyed by the source hash (reused)")
    parser.add_argument("--dist", type=Path, default=BUILD / "dist", help="output folder (default build/dist)")
    parser.add_argument("--work", type=Path, default=BUILD / "work", help="PyInstaller's work folder (default build/work)")
    parser.add_argument("--clean", action="store_true", help="empty PyInstaller's caches first")
    args = parser.parse_args(argv)
    if args.onefile and args.package:
        parser.error("--package ships the one-folder app; build it without --onefile")

    start = time.monotonic()
    if args.cached:
        dist, _built, _ = cached_build(args.onefile)
    else:
        dist = args.dist.resolve()
        pyinstaller(dist, args.work.resolve(), onefile=args.onefile, clean=args.clean)
    app = app_path(dist, args.onefile)
    print(f"built {app} ({dir_size(app) / 1e6:.0f} MB) in {time.monotonic() - start:.0f} s", file=sys.stderr)
    if args.package:
        print(f"packaged {package(dist)}", file=sys.stderr)
    print(app)
    return 0


if __name__ == "__main__":
    sys.exit(main())
