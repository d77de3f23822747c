"""``python -m server``: the headless gateway as a real process."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import anthropic
import httpx
import pytest

from tests.conftest import REPO, gateway_config
from tests.support.fake_upstream import json_script
from tests.support.live_server import free_port

KEY = "sk-swb-process-test-key-000000000"


def test_headless_server_serves_the_sdk_and_stops_cleanly(tmp_path, upstream):
    home = tmp_path / "home"
    home.mkdir()
    port = free_port()
    config = gateway_config(upstream.url)
    config["providers"]["up"]["api_key"] = ""  # a keyless OpenAI-compatible server
    (home / "switchboard.json").write_text(json.dumps(config))
    env = {**os.environ, "SWITCHBOARD_HOME": str(home), "SWITCHBOARD_API_KEY": KEY, "PYTHONPATH": str(REPO)}
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "server", "--port", str(port)], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, proc.stdout.read()
            assert time.monotonic() - started < 20, "server did not start"
            time.sleep(0.05)
        upstream.queue(json_script({"id": "c", "object": "chat.completion", "model": "m1", "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "served"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 4, "completion_tokens": 1, "total_tokens": 5}}))
        client = anthropic.Anthropic(base_url=f"http://127.0.0.1:{port}", api_key=KEY, max_retries=0)
        msg = client.messages.create(model="claude-sonnet-5", max_tokens=20,
                                     messages=[{"role": "user", "content": "hi"}])
        assert msg.content[0].text == "served"
        assert "authorization" not in upstream.requests[-1].headers  # keyless: no auth header
        # Only loopback by default.
        assert proc.poll() is None
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=15)
    assert proc.returncode == 0, out
    assert f"listening on http://127.0.0.1:{port}" in out
    log = (home / "logs" / "switchboard.log").read_text()
    assert "provider=up model=m1 status=200" in log
    assert KEY not in log and KEY not in out


def test_non_loopback_host_is_refused_with_only_the_desktop_key(tmp_path, upstream):
    from tests.support.server_process import ServerProcess

    server = ServerProcess(tmp_path / "home", gateway_config(upstream.url), args=["--host", "0.0.0.0"],
                           api_key=None)
    try:
        assert server.proc.wait(timeout=30) == 2
    finally:
        out = server.stop()
    assert "refusing to listen on 0.0.0.0" in out
    assert "SWITCHBOARD_API_KEY" in out


def test_non_loopback_host_with_an_explicit_key_warns_on_stderr_and_in_the_log(capsys, caplog):
    from server.__main__ import _check_exposure, is_loopback

    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5") and not is_loopback("::")
    assert _check_exposure("127.0.0.1", 3456, {}) is None
    refusal = _check_exposure("0.0.0.0", 3456, {})
    assert refusal and "refusing" in refusal
    with caplog.at_level("WARNING", logger="switchboard"):
        assert _check_exposure("0.0.0.0", 3456, {"SWITCHBOARD_API_KEY": "k" * 40}) is None
    assert any("WARNING: Switchboard is listening on 0.0.0.0:3456" in r.getMessage() and r.levelname == "WARNING"
               for r in caplog.records)


def test_every_subcommand_names_a_callable_entry_point():
    """The dispatch table imports lazily: a typo would only show when a
    person runs that command."""
    import importlib

    from server.__main__ import SUBCOMMANDS

    assert {"check", "import", "import-ccr", "export", "keys", "settings-link", "usage",
            "statusline"} <= set(SUBCOMMANDS)
    for module, function, _ in SUBCOMMANDS.values():
        assert callable(getattr(importlib.import_module(module), function))


def test_import_ccr_keeps_its_own_name_in_the_usage_line(capsys):
    from server.__main__ import main

    with pytest.raises(SystemExit):
        main(["import-ccr", "--help"])
    assert "switchboard import-ccr" in capsys.readouterr().out
