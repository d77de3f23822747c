"""The packaging recipes (issue 8), checked here even where they only run in CI.

Fast checks need no build: the Windows version file and Inno Setup script, the
macOS plist keys in the spec, the .desktop file, the shell scripts and the
workflow. The Linux tarball is made from the real build and installed into a
temp prefix with its own install.sh.
"""
from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from tests.build.conftest import REPO, BuiltApp, load_build_app
from tray.autostart import LAUNCH_AGENT_LABEL, RUN_VALUE

pytestmark = pytest.mark.build
BUILD = REPO / "build"


@pytest.fixture(scope="module")
def build_app():
    return load_build_app()


def eval_version_file(text: str) -> dict:
    """Evaluate a PyInstaller version file with stand-ins for its classes
    (the real ones import pefile, which only Windows builds install)."""
    def make(kind: str):
        return lambda *args, **kw: {"kind": kind, "args": args, **kw}

    names = ["VSVersionInfo", "FixedFileInfo", "StringFileInfo", "StringTable", "StringStruct",
             "VarFileInfo", "VarStruct"]
    return eval(text, {"__builtins__": {}}, {n: make(n) for n in names})  # noqa: S307 (our own file)


def strings_of(info: dict) -> dict[str, str]:
    table = info["kids"][0]["args"][0][0]
    return {s["args"][0]: s["args"][1] for s in table["args"][1]}


def test_windows_version_file_matches_pyproject(build_app, tmp_path: Path) -> None:
    version = build_app.version()
    numbers = tuple(int(x) for x in (version.split(".") + ["0"] * 4)[:4])
    committed = eval_version_file((BUILD / "windows" / "version_info.txt").read_text(encoding="utf-8"))
    assert committed["ffi"]["filevers"] == numbers, "build/windows/version_info.txt: update the version"
    assert strings_of(committed)["ProductVersion"] == version
    rendered = eval_version_file(build_app.render_version_file(tmp_path).read_text(encoding="utf-8"))
    assert rendered["ffi"]["prodvers"] == numbers
    strings = strings_of(rendered)
    assert strings["FileVersion"] == strings["ProductVersion"] == version
    assert strings["OriginalFilename"] == "Switchboard.exe"


def test_inno_setup_script_is_per_user(build_app) -> None:
    iss = (BUILD / "windows" / "switchboard.iss").read_text(encoding="utf-8")
    assert re.search(r"^PrivilegesRequired=lowest$", iss, re.M)
    assert "PrivilegesRequiredOverridesAllowed" not in iss  # never offer the admin mode
    assert re.search(r"^DefaultDirName=\{localappdata\}\\Programs\\Switchboard$", iss, re.M)
    assert f'#define AppVersion "{build_app.version()}"' in iss
    assert "{commonprograms}" not in iss and "HKLM" not in iss
    # The installer's autostart value is the one the tray's "Start at login" uses.
    assert f'ValueName: "{RUN_VALUE}"' in iss
    assert (REPO / "assets" / "icons" / "switchboard.ico").is_file()  # SetupIconFile


def test_spec_has_the_macos_bundle_keys() -> None:
    spec = (BUILD / "switchboard.spec").read_text(encoding="utf-8")
    assert f'bundle_identifier="{LAUNCH_AGENT_LABEL}"' in spec
    assert '"LSUIElement": True' in spec
    assert '"NSAppSleepDisabled": True' in spec
    assert "switchboard.icns" in spec and "switchboard.ico" in spec


def test_desktop_file_is_valid() -> None:
    path = BUILD / "linux" / "switchboard.desktop"
    if shutil.which("desktop-file-validate"):
        result = subprocess.run(["desktop-file-validate", str(path)], capture_output=True, text=True)
        assert result.returncode == 0 and not result.stdout.strip(), result.stdout
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(path, encoding="utf-8")
    entry = parser["Desktop Entry"]
    assert entry["Type"] == "Application" and entry["Exec"] == "switchboard"
    assert entry["Icon"] == "switchboard" and entry["Terminal"] == "false"


def test_shell_scripts_parse() -> None:
    for script in (BUILD / "linux" / "install.sh", BUILD / "macos" / "make_dmg.sh"):
        subprocess.run(["bash", "-n", str(script)], check=True)
        if shutil.which("shellcheck"):
            subprocess.run(["shellcheck", "-S", "warning", str(script)], check=True)
    assert os.access(BUILD / "linux" / "install.sh", os.X_OK)
    dmg = (BUILD / "macos" / "make_dmg.sh").read_text(encoding="utf-8")
    assert "hdiutil create" in dmg and "/Applications" in dmg


def test_workflow_builds_all_three() -> None:
    text = (REPO / ".github" / "workflows" / "build.yml").read_text(encoding="utf-8")
    try:
        import yaml
    except ImportError:
        yaml = None
    if yaml is not None:
        flow = yaml.safe_load(text)
        oses = [row["os"] for row in flow["jobs"]["build"]["strategy"]["matrix"]["include"]]
    else:
        oses = re.findall(r"^\s+- os: (\S+)$", text, re.M)
    assert {o.split("-")[0] for o in oses} == {"ubuntu", "macos", "windows"}
    assert "python build/build_app.py --package" in text
    assert "tests/build" in text
    assert "\t" not in text


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the tarball is the Linux package")
def test_linux_tarball_installs_per_user(built_app: BuiltApp, build_app, tmp_path: Path) -> None:
    out = build_app.package_linux(built_app.dist, out_dir=tmp_path)
    built_app.record(tarball=f"{out.name} ({out.stat().st_size / 1e6:.0f} MB)")
    with tarfile.open(out) as tar:
        names = tar.getnames()
        top = names[0].split("/")[0]
        assert top == out.name[: -len(".tar.gz")]
        for member in ("switchboard/switchboard", "switchboard.desktop", "install.sh", "README.txt",
                       "icons/256x256/switchboard.png", "switchboard/_internal/assets/tiktoken/cl100k_base.tiktoken"):
            assert f"{top}/{member}" in names, member
        tar.extractall(tmp_path / "unpacked", filter="tar")
    home, prefix = tmp_path / "home", tmp_path / "prefix"
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "PREFIX": str(prefix), "XDG_CONFIG_HOME": str(home / ".config")}
    install = tmp_path / "unpacked" / top / "install.sh"
    subprocess.run([str(install)], env=env, check=True, capture_output=True)

    desktop = (prefix / "share" / "applications" / "switchboard.desktop").read_text(encoding="utf-8")
    assert f"Exec={prefix}/lib/switchboard/switchboard" in desktop
    assert (prefix / "share" / "icons" / "hicolor" / "256x256" / "apps" / "switchboard.png").is_file()
    version = subprocess.run([str(prefix / "bin" / "switchboard"), "--version"], capture_output=True, text=True,
                             timeout=60)
    assert version.returncode == 0 and version.stdout.strip() == f"switchboard {built_app.version}"

    subprocess.run([str(install), "--uninstall"], env=env, check=True, capture_output=True)
    assert not (prefix / "lib" / "switchboard").exists()
    assert not (prefix / "bin" / "switchboard").exists()
    assert not (prefix / "share" / "applications" / "switchboard.desktop").exists()
