"""Server configuration without a keyring (issue 20 §2): file: key
references, SWITCHBOARD_CONFIG, member keys allow a network address."""
from __future__ import annotations

import os
import subprocess
import sys

import httpx
import pytest

from server.config import ConfigError, parse
from server.secrets import KeyringUnavailable, SecretStore
from tests.conftest import gateway_config
from tests.server.shared.conftest import SECRET, ok_reply
from tests.support.fake_upstream import json_script
from tests.support.server_process import REPO, ServerProcess

KEY = "sk-swb-process-test-key-000000000"


def test_a_file_reference_reads_a_mounted_secret(tmp_path):
    secret = tmp_path / "openai"
    secret.write_text("sk-from-a-mounted-file-123\n")
    assert SecretStore(environ={}).resolve(f"file:{secret}", "openai") == "sk-from-a-mounted-file-123"
    with pytest.raises(KeyringUnavailable) as info:
        SecretStore(environ={}).resolve(f"file:{tmp_path}/absent", "openai")
    assert "absent" in str(info.value) and "mounted" in str(info.value)
    with pytest.raises(ConfigError, match="absolute path"):
        parse({"providers": {"p": {"type": "openai", "base_url": "http://x", "api_key": "file:relative"}}})


def test_the_server_sends_the_key_from_the_file_and_reads_its_config_from_SWITCHBOARD_CONFIG(tmp_path, upstream):
    secret = tmp_path / "run" / "secrets" / "up"
    secret.parent.mkdir(parents=True)
    secret.write_text("sk-upstream-from-file-456\n")
    config = gateway_config(upstream.url)
    config["providers"]["up"]["api_key"] = f"file:{secret}"
    mounted = tmp_path / "etc" / "switchboard.json"
    mounted.parent.mkdir()
    import json

    mounted.write_text(json.dumps(config))
    # The home's own config is empty: only SWITCHBOARD_CONFIG names the provider.
    srv = ServerProcess(tmp_path / "home", {}, env={"SWITCHBOARD_CONFIG": str(mounted)}).wait_ready()
    try:
        upstream.queue(json_script(ok_reply()))
        r = httpx.post(srv.url + "/v1/messages", headers={"x-api-key": KEY}, timeout=30, json={
            "model": "claude-sonnet-5", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]})
        assert r.status_code == 200, r.text
        assert upstream.requests[-1].headers["authorization"] == "Bearer sk-upstream-from-file-456"
        secret.unlink()
        srv.stop()
        srv = ServerProcess(tmp_path / "home", {}, env={"SWITCHBOARD_CONFIG": str(mounted)}).wait_ready()
        r = httpx.post(srv.url + "/v1/messages", headers={"x-api-key": KEY}, timeout=30, json={
            "model": "claude-sonnet-5", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]})
        assert r.status_code == 401 and str(secret) in r.json()["error"]["message"]
    finally:
        out = srv.stop()
    assert "sk-upstream-from-file-456" not in out


def test_a_network_address_is_served_with_member_keys_and_refused_without(tmp_path, upstream):
    home = tmp_path / "home"
    config = gateway_config(upstream.url)
    refused = ServerProcess(home, config, args=["--host", "0.0.0.0"], api_key=None,
                            env={"SWITCHBOARD_KEY_SECRET": SECRET})
    assert refused.proc.wait(30) == 2
    assert "switchboard keys add" in refused.stop()
    env = {**os.environ, "PYTHONPATH": str(REPO), "SWITCHBOARD_HOME": str(home), "SWITCHBOARD_KEY_SECRET": SECRET}
    env.pop("SWITCHBOARD_REDIS_URL", None)
    added = subprocess.run([sys.executable, "-m", "server", "keys", "add", "bob"], env=env,
                           capture_output=True, text=True, timeout=60)
    assert added.returncode == 0, added.stderr
    key = added.stdout.strip()
    assert oct((home / "members.json").stat().st_mode & 0o777) == "0o600"
    assert key not in (home / "members.json").read_text()
    srv = ServerProcess(home, config, args=["--host", "0.0.0.0"], api_key=None,
                        env={"SWITCHBOARD_KEY_SECRET": SECRET}).wait_ready()
    try:
        upstream.queue(json_script(ok_reply()))
        r = httpx.post(srv.url + "/v1/messages", headers={"x-api-key": key}, timeout=30, json={
            "model": "claude-sonnet-5", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]})
        assert r.status_code == 200, r.text
        r = httpx.post(srv.url + "/v1/messages", headers={"x-api-key": "sk-swb-m-wrong"}, timeout=30, json={})
        assert r.status_code == 401
    finally:
        out = srv.stop()
    assert "WARNING: Switchboard is listening on 0.0.0.0" in out
