"""server/errors.py: scrubbing a key from upstream text (issue 14)."""
from __future__ import annotations

from server.errors import scrub_secret

KEY = "sk-proj-Abc123Def456Ghi789Jkl012Mno345"


def test_exact_and_partial_forms_are_scrubbed():
    assert scrub_secret(f"bad key {KEY}!", KEY) == "bad key [redacted]!"
    assert KEY[8:30] not in scrub_secret(f"key {KEY[8:30]} rejected", KEY)
    assert KEY[:20] not in scrub_secret(f"key '{KEY[:20]}...' rejected", KEY)
    assert scrub_secret(f"key '{KEY[:20]}...' rejected", KEY).startswith("key [redacted] rejected")


def test_ordinary_text_and_short_keys_stay():
    text = "Incorrect API key provided: sk-proj-****2345. You can find your key at https://x"
    assert scrub_secret(text, KEY) == text  # the upstream's own masking shows 4 characters
    assert scrub_secret("the key abcdef was wrong", "abcdef") == "the key [redacted] was wrong"
    assert scrub_secret("nothing here", None) == "nothing here"
