"""One instance and port handling, with real `python -m tray --headless` processes."""
from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import httpx

from tests.conftest import gateway_config
from tests.tray.conftest import free_port, instance_info, login_url_in, port_is_free, wait_health, write_config
from tray.single_instance import InstanceLock, is_switchboard, next_free_port, port_free, read_info

CONFIG = gateway_config("http://127.0.0.1:9")


def test_second_launch_hands_over_to_the_first(tmp_path: Path, tray_procs) -> None:
    home = tmp_path / "home"
    port = free_port()
    write_config(home, CONFIG, port)
    first = tray_procs(home, "--headless")
    wait_health(port, proc=first)
    info = json.loads((home / "switchboard.instance.json").read_text())
    assert info["port"] == port and info["pid"] == first.proc.pid
    assert (home / "switchboard.instance.json").stat().st_mode & 0o077 == 0

    second = tray_procs(home, "--headless")
    assert second.wait_exit(20) == 0
    assert first.proc.poll() is None  # the first one keeps running
    # The second launch had the first prove itself, got a one-time link as a
    # 0600 file and opened that file: the token is never on a command line.
    opened = second.wait_opened(1)
    assert len(opened) == 1 and opened[0].startswith(f"file://{home}/launch/")
    url = login_url_in(opened[0])
    assert url.startswith(f"http://127.0.0.1:{port}/settings/login?token=")
    assert url.split("token=")[1] not in "".join(opened)
    login = httpx.get(url, follow_redirects=False, trust_env=False)
    assert login.status_code == 200 and f"switchboard_session_{port}" in login.headers["set-cookie"]
    assert httpx.get(url, trust_env=False).status_code == 403  # one-time

    assert first.terminate() == 0
    assert port_is_free(port)
    assert not (home / "switchboard.instance.json").exists()


def test_handover_needs_the_secret(tmp_path: Path, tray_procs) -> None:
    home = tmp_path / "home"
    port = free_port()
    write_config(home, CONFIG, port)
    first = tray_procs(home, "--headless")
    wait_health(port, proc=first)
    r = httpx.post(f"http://127.0.0.1:{port}/_tray/handover",
                   headers={"X-Switchboard-Handover": "guess"}, trust_env=False)
    assert r.status_code == 403
    # The test channel is off unless SWITCHBOARD_TRAY_TEST_CONTROL=1.
    secret = instance_info(home)["secret"]
    r = httpx.get(f"http://127.0.0.1:{port}/_tray/test/menu",
                  headers={"X-Switchboard-Handover": secret}, trust_env=False)
    assert r.status_code == 404
    time.sleep(0.3)
    assert first.opened() == []
    assert first.terminate() == 0


def test_port_held_by_another_program(tmp_path: Path, tray_procs) -> None:
    squatter = socket.socket()
    squatter.bind(("127.0.0.1", 0))
    squatter.listen()
    port = squatter.getsockname()[1]
    try:
        home = tmp_path / "home"
        write_config(home, CONFIG, port)
        proc = tray_procs(home, "--headless")
        deadline = time.monotonic() + 20
        while f"port {port} is used by another program" not in proc.stderr and time.monotonic() < deadline:
            time.sleep(0.1)
        assert f"port {port} is used by another program" in proc.stderr
        offered = int(proc.stderr.split(f"port {port} is used by another program; ")[1].split()[0])
        assert offered > port and port_free(offered)
        assert proc.proc.poll() is None  # it waits for the user, it does not crash
        assert proc.terminate() == 0
        assert "Traceback" not in proc.stderr
    finally:
        squatter.close()


def test_our_own_server_on_the_port_gets_the_handover(tmp_path: Path, tray_procs) -> None:
    port = free_port()
    write_config(tmp_path / "a", CONFIG, port)
    first = tray_procs(tmp_path / "a", "--headless")
    wait_health(port, proc=first)
    assert is_switchboard(port)
    # A different home: no shared lock, but /health says the port is ours.
    write_config(tmp_path / "b", CONFIG, port)
    other = tray_procs(tmp_path / "b", "--headless")
    assert other.wait_exit(20) == 0
    assert other.opened() == [f"http://127.0.0.1:{port}/settings"]
    assert first.proc.poll() is None
    assert first.terminate(signal_int()) == 0  # SIGINT quits gracefully too


def signal_int() -> int:
    import signal

    return signal.SIGINT


def test_lock_is_exclusive_and_released(tmp_path: Path) -> None:
    a, b = InstanceLock(tmp_path), InstanceLock(tmp_path)
    assert a.acquire()
    assert not b.acquire()
    a.publish(4321)
    assert read_info(tmp_path)["port"] == 4321
    a.release()
    assert read_info(tmp_path) is None
    assert b.acquire()
    b.release()


def test_next_free_port_skips_taken_ones() -> None:
    with socket.socket() as s1:
        s1.bind(("127.0.0.1", 0))
        s1.listen()
        taken = s1.getsockname()[1]
        assert not port_free(taken)
        nxt = next_free_port(taken - 1)
        assert nxt is not None and nxt != taken and nxt > taken - 1
    assert not is_switchboard(taken)
