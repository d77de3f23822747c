"""The key pool state machine (server/key_pool.py) with an injected clock."""
from __future__ import annotations

import datetime as dt

import pytest

from server import key_pool
from server.config import ConfigError, KeyRef, parse
from server.errors import UpstreamError
from server.key_pool import KeyPool, KeyPools


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


NOON = dt.datetime(2026, 12, 5, 12, 0, tzinfo=dt.timezone.utc).timestamp()
KEYS = [KeyRef("keyring", "work"), KeyRef("keyring#2", "personal"), KeyRef("env:K3", "")]


def names(slots):
    return [s.name for s in slots]


def test_order_and_default_names():
    pool = KeyPool("OpenAI", KEYS, clock=Clock(NOON))
    assert names(pool.candidates()) == ["work", "personal", "key 3"]
    assert names(pool.candidates()) == ["work", "personal", "key 3"]  # order: always from the first


def test_round_robin_rotates_and_skips_resting():
    pool = KeyPool("OpenAI", KEYS, order="round_robin", clock=Clock(NOON))
    assert [pool.candidates()[0].name for _ in range(4)] == ["work", "personal", "key 3", "work"]
    pool.cool(pool.slots[1], key_pool.RATE, 10)
    assert [pool.candidates()[0].name for _ in range(3)] == ["key 3", "work", "key 3"]


def test_rate_limit_rests_for_retry_after():
    clock = Clock(NOON)
    pool = KeyPool("OpenAI", KEYS, clock=clock)
    pool.cool(pool.slots[0], key_pool.RATE, 30)
    assert names(pool.candidates()) == ["personal", "key 3"]
    clock.now += 29.9
    assert "work" not in names(pool.candidates())
    clock.now += 0.2
    assert names(pool.candidates())[0] == "work"


def test_rate_limit_without_retry_after_rests_a_minute():
    clock = Clock(NOON)
    pool = KeyPool("OpenAI", KEYS, clock=clock)
    pool.cool(pool.slots[0], key_pool.RATE, None)
    clock.now += key_pool.RATE_DEFAULT - 1
    assert "work" not in names(pool.candidates())
    clock.now += 2
    assert "work" in names(pool.candidates())


def test_quota_rests_until_next_utc_day_or_reset():
    clock = Clock(NOON)
    pool = KeyPool("OpenAI", KEYS, clock=clock)
    pool.cool(pool.slots[1], key_pool.QUOTA)
    midnight = dt.datetime(2026, 12, 6, tzinfo=dt.timezone.utc).timestamp()
    clock.now = midnight - 1
    assert "personal" not in names(pool.candidates())
    clock.now = midnight + 1
    assert "personal" in names(pool.candidates())
    pool.cool(pool.slots[1], key_pool.QUOTA)
    pool.reset("keyring#2")
    assert "personal" in names(pool.candidates())


def test_refused_rests_until_fixed():
    clock = Clock(NOON)
    pool = KeyPool("OpenAI", KEYS, clock=clock)
    pool.cool(pool.slots[2], key_pool.REFUSED)
    clock.now += 10 * 86400
    assert names(pool.candidates()) == ["work", "personal"]
    pool.reset()
    assert names(pool.candidates()) == ["work", "personal", "key 3"]


def test_classify_by_status_and_code():
    assert key_pool.classify(UpstreamError("p", 429, "slow down")) == key_pool.RATE
    assert key_pool.classify(UpstreamError("p", 429, "x", code="insufficient_quota")) == key_pool.QUOTA
    assert key_pool.classify(UpstreamError("p", 402, "pay")) == key_pool.QUOTA
    assert key_pool.classify(UpstreamError("p", 401, "bad key")) == key_pool.REFUSED
    assert key_pool.classify(UpstreamError("p", 403, "no")) == key_pool.REFUSED
    assert key_pool.classify(UpstreamError("p", 400, "bad request")) is None
    assert key_pool.classify(UpstreamError("p", 500, "down")) is None


def test_status_text_and_exhausted_message():
    clock = Clock(NOON)
    pool = KeyPool("OpenAI", KEYS[:2], clock=clock)
    assert pool.status_text() is None
    pool.cool(pool.slots[0], key_pool.RATE, 30)
    pool.answered(pool.slots[1], [(pool.slots[0], key_pool.RATE)])
    assert str(pool.status_text()) == "OpenAI: key 'work' rate limited, using 'personal'"
    pool.cool(pool.slots[1], key_pool.QUOTA)
    err = pool.exhausted(None)
    assert err.status == 429 and err.next_target
    assert "'work' rate limited (for about 30 s)" in err.message
    assert "'personal' out of quota until tomorrow (UTC)" in err.message
    assert err.headers["retry-after"] == "30"
    clock.now += 31
    pool.reset("keyring#2")
    assert pool.status_text() is None  # the rested key is back


def test_pools_keep_rest_state_across_config_changes():
    clock = Clock(NOON)
    pools = KeyPools(clock)
    cfg = parse({"providers": {"o": {"type": "openai", "base_url": "http://x/v1",
                                     "api_keys": ["keyring", {"ref": "keyring#2", "name": "b"}]}}})
    pool = pools.pool(cfg.providers["o"])
    pool.cool(pool.slots[0], key_pool.REFUSED)
    cfg2 = parse({"providers": {"o": {"type": "openai", "base_url": "http://x/v1", "key_order": "round_robin",
                                      "api_keys": ["keyring", {"ref": "keyring#2", "name": "b"}, "keyring#3"]}}})
    pool2 = pools.pool(cfg2.providers["o"])
    assert pool2 is not pool and pool2.order == "round_robin"
    assert names(pool2.candidates()) == ["b", "key 3"]


def test_config_shapes():
    one = parse({"providers": {"o": {"type": "openai", "base_url": "http://x/v1", "api_key": "env:A"}}})
    assert one.providers["o"].keys == (KeyRef("env:A", ""),)
    assert KeyPools().pool(one.providers["o"]) is None  # one key: no pool, as before
    many = parse({"providers": {"o": {"type": "openai", "base_url": "http://x/v1",
                                      "api_keys": ["env:OPENAI_KEY_1", "env:OPENAI_KEY_2"]}}})
    assert many.providers["o"].api_key == "env:OPENAI_KEY_1"
    assert [k.ref for k in many.providers["o"].keys] == ["env:OPENAI_KEY_1", "env:OPENAI_KEY_2"]
    for bad in ("keyring", ["keyring", "keyring"], [""], ["env:"], [{"name": "x"}]):
        with pytest.raises(ConfigError, match="api_keys"):
            parse({"providers": {"o": {"type": "openai", "base_url": "http://x/v1", "api_keys": bad}}})
    with pytest.raises(ConfigError, match="key_order"):
        parse({"providers": {"o": {"type": "openai", "base_url": "http://x/v1", "key_order": "random"}}})


def test_a_saved_config_brings_refused_keys_back_but_not_resting_ones():
    clock = Clock(NOON)
    pools = KeyPools(clock)
    cfg = parse({"providers": {"o": {"type": "openai", "base_url": "http://x/v1",
                                     "api_keys": ["keyring", "keyring#2", "keyring#3"]}}})
    pool = pools.pool(cfg.providers["o"])
    pool.cool(pool.slots[0], key_pool.REFUSED)
    pool.cool(pool.slots[1], key_pool.QUOTA)
    pool.cool(pool.slots[2], key_pool.RATE, 30)
    pools.forget_refused()
    assert names(pool.candidates()) == ["key 1"]
