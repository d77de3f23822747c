"""Offline token counting from the BPE file shipped in assets/."""
from __future__ import annotations

import socket


from server import tokens


def test_encoding_loads_with_the_network_blocked(monkeypatch, tmp_path):
    def refuse(*args, **kwargs):
        raise AssertionError("tiktoken tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))  # an empty cache
    enc = tokens.load_encoding()
    # Known cl100k ids: "hello world" -> [15339, 1917].
    assert enc.encode_ordinary("hello world") == [15339, 1917]
    assert not list(tmp_path.iterdir())


def test_the_shipped_files_match_tiktokens_hashes():
    import hashlib

    folder = tokens.assets_dir() / "tiktoken"
    assert hashlib.sha256((folder / "cl100k_base.tiktoken").read_bytes()).hexdigest() == \
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"
    assert (folder / "README.md").exists()


def test_count_request_covers_every_part():
    base = {"model": "m", "messages": [{"role": "user", "content": "hello world"}]}
    n = tokens.count_request(base)
    assert n == 2 + tokens.MESSAGE_OVERHEAD
    with_system = tokens.count_request({**base, "system": "hello world"})
    assert with_system == n + 3  # a separator + 2 tokens
    with_image = tokens.count_request({**base, "messages": [{"role": "user", "content": [
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "AA=="}}]}]})
    assert with_image == tokens.IMAGE_TOKENS + tokens.MESSAGE_OVERHEAD
    with_tool = tokens.count_request({**base, "tools": [
        {"name": "get_weather", "input_schema": {"type": "object"}}]})
    assert with_tool > n + tokens.TOOL_OVERHEAD
    tool_turns = tokens.count_request({"messages": [
        {"role": "assistant", "content": [{"type": "tool_use", "id": "t", "name": "f", "input": {"q": "x" * 40}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t", "content": "result " * 20}]}]})
    assert tool_turns > 20
