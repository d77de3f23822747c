"""Where the per-chunk cost of a paced stream goes (issue 22): the same
passthrough load through three servers, each pinned to CPU 0:

  relay        raw asyncio streams (uvloop when installed): read the
               upstream, write the client, nothing else. The floor of any
               Python server that writes each chunk as it arrives.
  quart        a bare Quart app on Hypercorn (the stack Switchboard keeps)
               forwarding aiohttp's reads: the floor of that stack.
  switchboard  ``python -m server``, passthrough to the same mock.

    python build/bench/floor.py                       # 3 rounds x 3 s
    python build/bench/floor.py --phase-seconds 5 --rounds 5

Each server is measured on a tiny non-stream request (C=32), a 50-chunk
stream whose chunks come together (C=1) and 64 streams of 50 chunks 5 ms
apart; CPU per request from /proc/<pid>/stat. "per chunk" is the stream's
CPU per request less the tiny request's, over 50 chunks. Run on demand,
never in the tests (tests/bench/test_floor_smoke.py only checks it runs).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import loadgen  # noqa: E402
import run  # noqa: E402

CHUNKS = 50
CASES = (("tiny", False, 32, "bench"), ("joined", True, 1, "bench-n50-d0"), ("paced", True, 64, "bench-n50-d5"))


# -- the two bare servers (run in a child process: ``floor.py --serve KIND``) --------

async def _relay(port: int, upstream: int) -> None:
    """Forward each request to the mock and each read of its answer back."""

    async def read_message(reader: asyncio.StreamReader) -> bytes:
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        return head + (await reader.readexactly(length) if length else b"")

    async def handle(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        up_r, up_w = await asyncio.open_connection(run.HOST, upstream)
        try:
            while True:
                try:
                    request = await read_message(client_r)
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                up_w.write(request)
                head = await up_r.readuntil(b"\r\n\r\n")
                client_w.write(head)
                lower = head.lower()
                if b"transfer-encoding: chunked" in lower:
                    tail = b""
                    while not tail.endswith(b"0\r\n\r\n"):
                        data = await up_r.read(65536)
                        if not data:
                            return
                        client_w.write(data)
                        await client_w.drain()
                        tail = (tail + data)[-5:]
                else:
                    length = int(lower.split(b"content-length:", 1)[1].split(b"\r\n", 1)[0])
                    client_w.write(await up_r.readexactly(length))
                    await client_w.drain()
        finally:
            up_w.close()
            client_w.close()

    server = await asyncio.start_server(handle, run.HOST, port, backlog=1024)
    async with server:
        await server.serve_forever()


def _quart_app(upstream: int) -> Any:
    import aiohttp
    from quart import Quart, Response, request

    app = Quart("floor")
    app.config["RESPONSE_TIMEOUT"] = None
    session: list[aiohttp.ClientSession] = []

    @app.after_serving
    async def close() -> None:
        for s in session:
            await s.close()

    @app.post("/v1/messages")
    async def messages() -> Response:
        if not session:
            session.append(aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=256)))
        data = await request.get_data()
        answer = await session[0].post(f"http://{run.HOST}:{upstream}/v1/messages", data=data,
                                       headers={"content-type": "application/json"})
        if answer.headers.get("content-type", "").startswith("text/event-stream"):
            async def body() -> Any:
                try:
                    async for chunk in answer.content.iter_any():
                        yield chunk
                finally:
                    answer.release()
            return Response(body(), content_type="text/event-stream")
        payload = await answer.read()
        answer.release()
        return Response(payload, content_type="application/json")

    return app


async def _quart(port: int, upstream: int) -> None:
    from hypercorn.asyncio import serve
    from hypercorn.config import Config

    config = Config()
    config.bind = [f"{run.HOST}:{port}"]
    config.accesslog = None
    config.errorlog = None
    await serve(_quart_app(upstream), config)


def _serve(kind: str, port: int, upstream: int) -> None:
    main = _relay if kind == "relay" else _quart
    try:
        import uvloop  # Switchboard uses it where installed (server/loop.py)

        uvloop.run(main(port, upstream))
    except ImportError:
        asyncio.run(main(port, upstream))


# -- the measurement -------------------------------------------------------------------

class Bare:
    """``floor.py --serve KIND`` in a child process pinned like the gateway."""

    def __init__(self, kind: str, upstream: int, pin: bool) -> None:
        self.port = run.free_port()
        self.proc = subprocess.Popen(run.pin_prefix(0, pin) + [
            sys.executable, str(Path(__file__).resolve()), "--serve", kind,
            "--port", str(self.port), "--upstream", str(upstream)])
        self.pid = self.proc.pid

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _request(port: int, model: str, stream: bool, prefix: str) -> bytes:
    body: dict[str, Any] = {"model": prefix + model, "max_tokens": 64,
                            "messages": [{"role": "user", "content": "Say hello."}]}
    if stream:
        body["stream"] = True
    headers = {"x-api-key": run.ACCESS_KEY, "anthropic-version": "2023-06-01"}
    import orjson

    return loadgen.build_request(run.HOST, port, "/v1/messages", orjson.dumps(body), headers)


async def measure(servers: dict[str, tuple[int, int, str]], args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    """servers: name -> (port, pid, model prefix). Interleaved rounds per case."""
    limits: dict[str, Any] = {"requests": 70} if args.smoke else {"duration": args.phase_seconds}
    rounds = 1 if args.smoke else args.rounds
    out: dict[str, dict[str, Any]] = {name: {} for name in servers}
    for case, stream, conc, model in CASES:
        reqs = {name: _request(port, model, stream, prefix) for name, (port, _, prefix) in servers.items()}
        for name, (port, _, _) in servers.items():  # warm-up
            await loadgen.run(run.HOST, port, reqs[name], stream=stream, concurrency=conc,
                              **({"requests": conc} if args.smoke else {"duration": 1.0}))
        cpu = {name: 0.0 for name in servers}
        count = {name: 0 for name in servers}
        errors = {name: 0 for name in servers}
        names = list(servers)
        for r in range(rounds):
            for name in names[r % len(names):] + names[:r % len(names)]:
                port, pid, _ = servers[name]
                c0 = run.cpu_seconds(pid)
                phase = await loadgen.run(run.HOST, port, reqs[name], stream=stream, concurrency=conc, **limits)
                cpu[name] += run.cpu_seconds(pid) - c0
                count[name] += len(phase.results)
                errors[name] += sum(1 for x in phase.results if not x.ok)
        for name in servers:
            out[name][case] = cpu[name] * 1000 / count[name] if count[name] else float("nan")
            out[name][case + "_errors"] = errors[name]
    for name, row in out.items():
        row["joined_us_per_chunk"] = (row["joined"] - row["tiny"]) * 1000 / CHUNKS
        row["paced_us_per_chunk"] = (row["paced"] - row["tiny"]) * 1000 / CHUNKS
    return out


def table(result: dict[str, dict[str, Any]]) -> str:
    lines = ["| server | tiny C=32 CPU ms/req | 50 chunks together, ms/req | 64x50 paced, ms/req "
             "| per chunk, together (us) | per chunk, paced (us) | errors |",
             "|---|---|---|---|---|---|---|"]
    for name, r in result.items():
        errors = r["tiny_errors"] + r["joined_errors"] + r["paced_errors"]
        lines.append(f"| {name} | {r['tiny']:.3f} | {r['joined']:.3f} | {r['paced']:.3f} "
                     f"| {r['joined_us_per_chunk']:.1f} | {r['paced_us_per_chunk']:.1f} | {errors} |")
    return "\n".join(lines)


async def main_async(args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    mock = run.Mock(args.pin)
    home = Path(tempfile.mkdtemp(prefix="sb-floor-"))
    started: list[Any] = []
    try:
        relay = Bare("relay", mock.port, args.pin)
        started.append(relay)
        quart = Bare("quart", mock.port, args.pin)
        started.append(quart)
        gw = run.Gateway(args.python, home, run.write_config(home, mock.port), args.pin)
        started.append(gw)
        await run.first_200(relay.port, _request(relay.port, "bench", False, ""), relay.proc, 20)
        await run.first_200(quart.port, _request(quart.port, "bench", False, ""), quart.proc, 20)
        await gw.wait_ready(_request(gw.port, "bench", False, "mock-ant/"))
        servers = {"relay": (relay.port, relay.pid, ""), "quart": (quart.port, quart.pid, ""),
                   "switchboard": (gw.port, gw.pid, "mock-ant/")}
        return await measure(servers, args)
    finally:
        for s in started:
            s.stop()
        mock.stop()
        shutil.rmtree(home, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--serve", choices=("relay", "quart"), help=argparse.SUPPRESS)
    p.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    p.add_argument("--upstream", type=int, default=0, help=argparse.SUPPRESS)
    p.add_argument("--phase-seconds", type=float, default=3.0)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--smoke", action="store_true", help="a few requests per case (tests)")
    p.add_argument("--python", default=sys.executable, help="interpreter for the gateway")
    p.add_argument("--no-pin", dest="pin", action="store_false")
    p.add_argument("--json-out", type=Path, help="also write the figures here")
    args = p.parse_args(argv)
    if args.serve:
        _serve(args.serve, args.port, args.upstream)
        return 0
    args.pin = args.pin and shutil.which("taskset") is not None and (os.cpu_count() or 1) >= 2
    result = asyncio.run(main_async(args))
    print(table(result))
    if args.json_out:
        import orjson

        args.json_out.write_bytes(orjson.dumps({"pinned": args.pin, "servers": result}, option=orjson.OPT_INDENT_2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
