"""Chat Completions usage -> Anthropic usage (translation.md §E.22)."""
from __future__ import annotations

from server.providers.openai_chat.convert_usage import convert_usage, find_usage

from .fixture_io import chunks, read_json


def u(inp, out, read=0, write=0):
    return {"input_tokens": inp, "output_tokens": out, "cache_read_input_tokens": read,
            "cache_creation_input_tokens": write}


def test_openai_cached_tokens_excluded_from_input():
    assert convert_usage({"prompt_tokens": 1000, "completion_tokens": 50,
                          "prompt_tokens_details": {"cached_tokens": 800}}) == u(200, 50, read=800)


def test_deepseek_hit_tokens_alone_or_with_details():
    # message-reasoning-tool-call-cache-hit.json: prompt 563, hit 512, completion 116 (60 reasoning)
    assert convert_usage(read_json("deepseek/message-reasoning-tool-call-cache-hit.json")["usage"]) == u(51, 116, 512)
    assert convert_usage({"prompt_tokens": 10, "completion_tokens": 1, "prompt_cache_hit_tokens": 4,
                          "prompt_cache_miss_tokens": 6}) == u(6, 1, 4)


def test_openrouter_cache_write_tokens():
    assert convert_usage({"prompt_tokens": 3000, "completion_tokens": 10, "prompt_tokens_details": {
        "cached_tokens": 1000, "cache_write_tokens": 1500}}) == u(500, 10, 1000, 1500)


def test_reasoning_tokens_stay_in_output_and_missing_numbers_are_zero():
    assert convert_usage({"completion_tokens": 212, "completion_tokens_details": {"reasoning_tokens": 198}}) == u(0, 212)
    assert convert_usage({}) == u(0, 0)
    assert convert_usage({"prompt_tokens": None, "completion_tokens": "x"}) == u(0, 0)


def test_find_usage_top_level_groq_and_null():
    assert find_usage({"usage": None}) is None
    assert find_usage({"choices": []}) is None
    groq_finish = chunks("groq/stream-tool-call-single-chunk.chunks.txt")[-1]
    assert find_usage(groq_finish)["prompt_tokens"] == 210
    only_x_groq = {"x_groq": groq_finish["x_groq"]}
    assert convert_usage(find_usage(only_x_groq)) == u(210, 15)
