"""Replicas behind a real nginx: one killed, Redis stopped (issue 20 §1)."""
from __future__ import annotations

import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.server.shared.conftest import ADMIN_KEY, body, ok_reply
from tests.support.fake_upstream import json_script
from tests.support.team import NGINX

pytestmark = pytest.mark.skipif(NGINX is None, reason="nginx is not installed (test.sh installs it)")
HEADERS = {"x-api-key": ADMIN_KEY, "anthropic-version": "2023-06-01"}


def _counted(redis_server) -> int:
    day = time.strftime("%Y%m%d", time.gmtime())
    return int(redis_server.client().hget(f"swb:usage:-:d:{day}", "requests") or 0)


def _settle(redis_server, expected: int, timeout: float = 5) -> int:
    deadline = time.monotonic() + timeout
    while (n := _counted(redis_server)) != expected and time.monotonic() < deadline:
        time.sleep(0.05)
    return n


def _load(url: str, n: int, during: "callable[[int], None] | None" = None, workers: int = 8,
          late: "list[int] | None" = None, is_late: "callable[[], bool] | None" = None) -> list[int]:
    """Statuses of ``n`` requests (-1: no answer); ``late`` gets those of the
    requests that began once ``is_late()`` was true."""
    statuses: list[int] = []
    lock = threading.Lock()
    client = httpx.Client(timeout=30, limits=httpx.Limits(max_connections=workers))

    def one(i: int) -> int:
        began_late = is_late is not None and is_late()
        try:
            status = client.post(url + "/v1/messages", json=body(), headers=HEADERS).status_code
        except httpx.HTTPError:
            status = -1
        with lock:
            statuses.append(status)
            done = len(statuses)
            if began_late and late is not None:
                late.append(status)
        if during is not None:
            during(done)
        return status

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(one, range(n)))
    client.close()
    return statuses


def test_kill_9_of_one_replica_during_200_requests(replicas, upstreams, nginx_for, redis_server):
    primary, _ = upstreams
    primary.default = json_script(ok_reply(), delay_before_headers=0.02)
    a, b = replicas(2)
    lb = nginx_for([a, b])
    killed = threading.Event()

    dead = threading.Event()  # set once the signal is sent: A runs no more code after that

    def during(done: int) -> None:
        if done >= 60 and not killed.is_set():
            killed.set()
            os.kill(a.pid, signal.SIGKILL)
            dead.set()

    late: list[int] = []
    statuses = _load(lb.url, 200, during, late=late, is_late=dead.is_set)
    assert killed.is_set()
    assert a.proc.wait(5) == -signal.SIGKILL
    assert len(statuses) == 200
    shown = {s: statuses.count(s) for s in set(statuses)}
    # nginx sends the rest to B: every request begun after the kill is answered,
    # and one A was answering when it died is the only kind that may break
    # (nginx cannot re-send a request whose answer had begun; at most the 8 in flight).
    assert len(late) >= 100 and late.count(200) == len(late), shown
    answered = statuses.count(200)
    assert answered >= 192 and set(statuses) <= {200, -1}, shown
    # Every request that got a 200 is counted exactly once (a request nginx
    # re-sent to B after A died carries the same X-Request-Id); one whose
    # answer A had begun when it died was counted by A (its tokens were spent).
    counted = _settle(redis_server, answered)
    assert answered <= counted <= answered + statuses.count(-1), (counted, shown)
    # B carries on alone.
    assert httpx.post(lb.url + "/v1/messages", json=body(), headers=HEADERS, timeout=30).status_code == 200


def test_redis_stopped_during_load_no_5xx_and_state_converges(replicas, upstreams, nginx_for, redis_server):
    primary, fallback = upstreams
    primary.default = json_script(ok_reply(), delay_before_headers=0.01)
    a, b = replicas(2)
    lb = nginx_for([a, b])
    before = _load(lb.url, 30)
    assert before.count(200) == 30
    assert _settle(redis_server, 30) == 30
    # Redis hangs (every call times out), then comes back with its data.
    os.kill(redis_server.proc.pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        during = _load(lb.url, 60)
        outage = time.monotonic() - started
    finally:
        os.kill(redis_server.proc.pid, signal.SIGCONT)
    assert during.count(200) == 60, sorted(set(during))
    assert outage < 30
    # Back: what was counted meanwhile is written, each request once.
    assert _settle(redis_server, 90, timeout=10) == 90
    # Then refused outright: stopped for good, started again on the same port (empty).
    redis_server.stop()
    down = _load(lb.url, 40)
    assert down.count(200) == 40, sorted(set(down))
    # Counted while Redis was gone, written when it is back (exactly once).
    from tests.support.team import RedisServer

    port = redis_server.port
    fresh = RedisServer(redis_server.folder)
    fresh.port, fresh.url = port, redis_server.url
    fresh.start()
    redis_server.proc = fresh.proc
    assert _settle(redis_server, 40, timeout=10) == 40
    # The breaker converges too: a failure streak through A after the return is seen by B.
    primary.default = json_script({"error": {"message": "down"}}, status=500, headers={"retry-after": "0"})
    assert httpx.post(a.url + "/v1/messages", json=body(), headers=HEADERS, timeout=30).headers[
        "x-switchboard-target"] == "fallback/m1"
    seen = len(primary.requests)
    r = httpx.post(b.url + "/v1/messages", json=body(), headers=HEADERS, timeout=30)
    assert r.status_code == 200 and r.headers["x-switchboard-target"] == "fallback/m1"
    assert len(primary.requests) == seen
    for rep in (a, b):
        out = rep.stop()
        assert out.count("is unreachable") == 1 or out.count("is unreachable") == 2, out[-2000:]
        assert "reachable again" in out
