"""A fast mock upstream for the benchmark: raw asyncio, HTTP/1.1 keep-alive.

Serves
  POST /v1/chat/completions   OpenAI Chat Completions (JSON, or SSE when "stream": true)
  POST /v1/messages           Anthropic Messages (JSON, or SSE when "stream": true)

The response shape comes from the request's model name, because that is the
one field that survives Switchboard's translation unchanged:
  ``...-n<N>...``  N text chunks in a stream (default 50)
  ``...-d<MS>...`` MS milliseconds between chunks (default 0; a float)
Example: ``bench-n50-d5`` = 50 chunks, 5 ms apart.

Streams go out with ``Transfer-Encoding: chunked``, one SSE frame per HTTP
chunk and one socket write per frame (a real upstream's shape). Run as a
script (``python mock.py --port 0``) it prints ``PORT <n>`` and serves until
killed; :func:`serve` embeds it.
"""
from __future__ import annotations

import argparse
import asyncio
import re
import sys

import orjson

_N = re.compile(r"-n(\d+)")
_D = re.compile(r"-d(\d+(?:\.\d+)?)")
_TEXT = "tok "  # every delta's text


def _shape(model: str) -> tuple[int, float]:
    n = _N.search(model)
    d = _D.search(model)
    return (int(n.group(1)) if n else 50), (float(d.group(1)) / 1000 if d else 0.0)


def _head(status: int, ctype: bytes, length: int | None) -> bytes:
    reason = b"OK" if status == 200 else b"Error"
    head = b"HTTP/1.1 %d %s\r\ncontent-type: %s\r\n" % (status, reason, ctype)
    if length is None:
        head += b"transfer-encoding: chunked\r\ncache-control: no-cache\r\n"
    else:
        head += b"content-length: %d\r\n" % length
    return head + b"\r\n"


def _chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


# -- OpenAI Chat Completions ---------------------------------------------------

def _oai_message(model: str) -> bytes:
    return orjson.dumps({
        "id": "chatcmpl-bench", "object": "chat.completion", "created": 1700000000, "model": model,
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": "Hello from the mock."}}],
        "usage": {"prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17},
    })


def _oai_frames(model: str, n: int) -> list[bytes]:
    base = {"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 1700000000, "model": model}

    def frame(obj: dict) -> bytes:
        return b"data: " + orjson.dumps({**base, **obj}) + b"\n\n"

    frames = [frame({"choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]})]
    delta = frame({"choices": [{"index": 0, "delta": {"content": _TEXT}, "finish_reason": None}]})
    frames += [delta] * n
    frames.append(frame({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}))
    frames.append(frame({"choices": [], "usage": {"prompt_tokens": 12, "completion_tokens": n, "total_tokens": 12 + n}}))
    frames.append(b"data: [DONE]\n\n")
    return frames


# -- Anthropic Messages ----------------------------------------------------------

def _ant_message(model: str) -> bytes:
    return orjson.dumps({
        "id": "msg_bench", "type": "message", "role": "assistant", "model": model,
        "content": [{"type": "text", "text": "Hello from the mock."}],
        "stop_reason": "end_turn", "stop_sequence": None,
        "usage": {"input_tokens": 12, "output_tokens": 5},
    })


def _ev(obj: dict) -> bytes:
    return b"event: " + obj["type"].encode() + b"\ndata: " + orjson.dumps(obj) + b"\n\n"


def _ant_frames(model: str, n: int) -> list[bytes]:
    start = _ev({"type": "message_start", "message": {
        "id": "msg_bench", "type": "message", "role": "assistant", "model": model, "content": [],
        "stop_reason": None, "stop_sequence": None, "usage": {"input_tokens": 12, "output_tokens": 1}}})
    start += _ev({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}})
    delta = _ev({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": _TEXT}})
    end = _ev({"type": "content_block_stop", "index": 0})
    end += _ev({"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                "usage": {"output_tokens": n}})
    end += _ev({"type": "message_stop"})
    return [start] + [delta] * n + [end]


# -- the server -------------------------------------------------------------------

class Stats:
    requests = 0


async def _handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                return
            lines = head.split(b"\r\n")
            method, path, _ = lines[0].split(b" ", 2)
            length = 0
            for line in lines[1:]:
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            body = await reader.readexactly(length) if length else b""
            Stats.requests += 1
            try:
                req = orjson.loads(body) if body else {}
            except orjson.JSONDecodeError:
                req = {}
            model = str(req.get("model", "bench"))
            stream = bool(req.get("stream"))
            if method != b"POST" or path not in (b"/v1/chat/completions", b"/v1/messages"):
                msg = b'{"error":{"type":"not_found_error","message":"mock: no such endpoint"}}'
                writer.write(_head(404, b"application/json", len(msg)) + msg)
                continue
            openai = path == b"/v1/chat/completions"
            if not stream:
                data = _oai_message(model) if openai else _ant_message(model)
                writer.write(_head(200, b"application/json", len(data)) + data)
                await writer.drain()
                continue
            n, delay = _shape(model)
            frames = _oai_frames(model, n) if openai else _ant_frames(model, n)
            writer.write(_head(200, b"text/event-stream", None) + _chunk(frames[0]))
            for frame in frames[1:]:
                if delay:
                    await asyncio.sleep(delay)
                else:
                    await writer.drain()
                writer.write(_chunk(frame))
            writer.write(b"0\r\n\r\n")
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        return
    finally:
        writer.close()


async def serve(host: str = "127.0.0.1", port: int = 0) -> asyncio.base_events.Server:
    return await asyncio.start_server(_handle, host, port, backlog=1024)


async def _main(port: int) -> None:
    server = await serve(port=port)
    print(f"PORT {server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    try:
        asyncio.run(_main(args.port))
    except KeyboardInterrupt:
        sys.exit(0)
