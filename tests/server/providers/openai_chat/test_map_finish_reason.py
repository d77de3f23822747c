"""finish_reason -> stop_reason (translation.md §E.21)."""
from __future__ import annotations

import pytest

from server.providers.openai_chat.map_finish_reason import map_finish_reason


@pytest.mark.parametrize("reason,saw_tool,expected", [
    ("stop", False, "end_turn"),
    ("stop", True, "tool_use"),
    ("length", False, "max_tokens"),
    ("length", True, "max_tokens"),
    ("tool_calls", True, "tool_use"),
    ("function_call", True, "tool_use"),
    ("content_filter", False, "refusal"),
    (None, False, "end_turn"),
    ("eos", False, "end_turn"),
    ("something_new", True, "tool_use"),
])
def test_mapping(reason, saw_tool, expected):
    assert map_finish_reason(reason, saw_tool_use=saw_tool) == expected
