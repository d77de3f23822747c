"""Team mode: state several replicas share through Redis (issue 20).

Only used when ``SWITCHBOARD_REDIS_URL`` is set; the desktop never imports
the ``redis`` package. ``store.RedisStore`` is the one place that talks to
Redis (a pool, a short timeout on every call, local state while Redis is
down); ``state.SharedState`` keeps the breakers, session pins, usage
counters and activity feed in step with it; ``members`` holds the member
keys.
"""
from __future__ import annotations

REDIS_URL_ENV = "SWITCHBOARD_REDIS_URL"
