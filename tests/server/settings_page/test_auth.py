"""auth.Sessions on its own: a cookie is never a session without its page
secret; tokens are one-time, expire, and tell when they are spent."""
from __future__ import annotations

import hashlib

import pytest

from server.settings_page import auth


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(clock: Clock) -> auth.Sessions:
    return auth.Sessions(clock=clock)


def test_a_cookie_alone_is_not_a_session(store: auth.Sessions) -> None:
    cookie, secret = store.redeem(store.issue_token())
    assert store.check(cookie, secret)
    assert not store.check(cookie, None)
    assert not store.check(cookie, "")
    assert not store.check(cookie, secret[:-1] + ("A" if secret[-1] != "A" else "B"))
    assert not store.check(cookie, cookie)            # the cookie is not its own secret
    assert not store.check(None, secret)              # nor the secret without the cookie
    assert not store.check(secret, secret)
    assert not store.check(cookie, "x" * (auth.MAX_VALUE + 1))
    # The page's HTML only needs the cookie; the API always needs both.
    assert store.check_cookie(cookie) and not store.check_cookie(secret)


def test_two_sessions_do_not_share_secrets(store: auth.Sessions) -> None:
    c1, s1 = store.redeem(store.issue_token())
    c2, s2 = store.redeem(store.issue_token())
    assert len({c1, s1, c2, s2}) == 4
    assert not store.check(c1, s2) and not store.check(c2, s1)
    assert store.check(c1, s1) and store.check(c2, s2)


def test_only_digests_are_kept(store: auth.Sessions) -> None:
    token = store.issue_token()
    cookie, secret = store.redeem(store.issue_token())
    held = repr(store._tokens) + repr(store._sessions)
    for value in (token, cookie, secret):
        assert value not in held and value.encode() not in held.encode()
    session = store._sessions[hashlib.sha256(cookie.encode()).digest()]
    assert session.secret == hashlib.sha256(secret.encode()).digest()


def test_tokens_work_once_and_expire(store: auth.Sessions, clock: Clock) -> None:
    token = store.issue_token()
    assert store.redeem(token) is not None
    assert store.redeem(token) is None
    late = store.issue_token()
    clock.now += auth.TOKEN_TTL + 1
    assert not store.token_valid(late)
    assert store.redeem(late) is None
    for bad in ("", "guess", "x" * 5000):
        assert store.redeem(bad) is None


def test_checking_a_token_does_not_spend_it(store: auth.Sessions) -> None:
    token = store.issue_token()
    assert store.token_valid(token) and store.token_valid(token)
    assert store.redeem(token) is not None
    assert not store.token_valid(token)


def test_on_spent_runs_once_on_redeem_or_expiry(store: auth.Sessions, clock: Clock) -> None:
    calls: list[str] = []
    used = store.issue_token(on_spent=lambda: calls.append("used"))
    store.issue_token(on_spent=lambda: calls.append("expired"))
    store.redeem(used)
    store.redeem(used)
    assert calls == ["used"]
    clock.now += auth.TOKEN_TTL + 1
    store.expire_tokens()
    store.expire_tokens()
    assert calls == ["used", "expired"]


def test_idle_sessions_end_and_the_oldest_is_dropped(store: auth.Sessions, clock: Clock) -> None:
    cookie, secret = store.redeem(store.issue_token())
    clock.now += auth.SESSION_IDLE + 1
    assert not store.check(cookie, secret)
    first = store.redeem(store.issue_token())
    for _ in range(auth.MAX_SESSIONS):
        clock.now += 1
        store.redeem(store.issue_token())
    assert not store.check(*first)
    store_end = store.redeem(store.issue_token())
    store.end(store_end[0])
    assert not store.check(*store_end)
