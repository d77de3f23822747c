"""Issue 21 §3: while switchboard.json is broken, every request is answered
with the config problem (which file, which field), as a 500 api_error."""
from __future__ import annotations

import httpx

from server.app import create_app
from server.runner import ServerThread
from server.secrets import MemoryKeyring, SecretStore
from server.settings import Settings
from tests.support.live_server import ACCESS_KEY, free_port


def test_a_broken_config_answers_every_request_with_its_problem(tmp_path):
    path = tmp_path / "switchboard.json"
    path.write_text('{"providers": {"x": {"type": "openia", "base_url": "http://127.0.0.1:1/v1"}},'
                    ' "routes": {"main": {"default": "x/m"}}}', encoding="utf-8")
    settings = Settings(home=tmp_path, config_path=path, log_dir=tmp_path / "logs")
    app = create_app(settings, secrets=SecretStore(MemoryKeyring(), environ={"SWITCHBOARD_API_KEY": ACCESS_KEY}))
    port = free_port()
    thread = ServerThread(app, "127.0.0.1", port)
    thread.start()
    assert thread.ready.wait(10) and thread.error is None
    try:
        headers = {"x-api-key": ACCESS_KEY, "anthropic-version": "2023-06-01"}
        body = {"model": "claude-sonnet-4-5", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]}
        for path_ in ("/v1/messages", "/v1/messages/count_tokens"):
            r = httpx.post(f"http://127.0.0.1:{port}{path_}", json=body, headers=headers, timeout=10)
            assert r.status_code == 500, r.text
            error = r.json()["error"]
            assert error["type"] == "api_error"
            assert error["message"].startswith("Switchboard's settings file has a problem:")
            assert "switchboard.json" in error["message"] and "providers.x.type" in error["message"]
            assert "no provider named" not in error["message"]
    finally:
        thread.stop()
