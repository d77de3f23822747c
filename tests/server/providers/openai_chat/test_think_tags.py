"""A leading ``<think>…</think>`` in content -> a thinking block, then text.

Fixture: tests/fixtures/upstream/together/ (written for issue 21, see its
README: the shared ``together/stream-deepseek-r1-think-tags`` does not exist).
The splitter itself, the stream translator, the non-stream path and the
per-provider switch through a real Switchboard over HTTP.
"""
from __future__ import annotations

import copy
import itertools

import anthropic
import pytest

from server.config import ConfigError, parse as parse_config
from server.protocol import signatures
from server.protocol.events import accumulate
from server.providers.openai_chat.stream import ChatStreamTranslator, message_to_chunk
from server.providers.openai_chat.think_tags import ThinkTagSplitter, split_whole
from tests.conftest import UPSTREAM_FIXTURES, gateway_config
from tests.support.fake_upstream import json_script, sse_file_script
from tests.support.live_server import ACCESS_KEY

from .fixture_io import check_invariants, chunks, read_json

STREAM = "together/stream-deepseek-r1-think-tags.sse"
MESSAGE = "together/message-deepseek-r1-think-tags.json"
THINKING = ("Okay, so I need to find which file defines the `parse_config` function. "
            "Let me check the <src> directory first.")
ANSWER = "The `parse_config` function is defined in `src/config.py`."
MINTED = signatures.mint("oa")  # what reasoning_content thinking is signed with too


def joined(pieces):
    """(thinking, text) from splitter pieces, checking they come thinking-first."""
    kinds = [k for k, _ in pieces]
    assert kinds == sorted(kinds, key=lambda k: k != "thinking"), kinds
    return ("".join(t for k, t in pieces if k == "thinking"), "".join(t for k, t in pieces if k == "text"))


def split_feed(parts):
    s = ThinkTagSplitter()
    out = []
    for p in parts:
        out += s.feed(p)
    return out + s.flush()


def content_of_fixture() -> str:
    return "".join(c["choices"][0]["delta"]["content"] for c in chunks(STREAM))


# -- the splitter ------------------------------------------------------------------
def test_fixture_content_is_split_into_thinking_and_answer():
    content = content_of_fixture()
    assert content.startswith("<think>\n") and "</think>\n\n" in content
    assert joined(split_whole(content)) == (THINKING, ANSWER)


def test_every_two_way_split_gives_the_same_result():
    content = content_of_fixture()
    for i in range(len(content) + 1):
        assert joined(split_feed([content[:i], content[i:]])) == (THINKING, ANSWER), i


def test_every_three_way_split_around_the_tags():
    content = content_of_fixture()
    close = content.index("</think>")
    near = list(range(0, 10)) + list(range(close - 3, close + 12))
    for i, j in itertools.combinations(near, 2):
        assert joined(split_feed([content[:i], content[i:j], content[j:]])) == (THINKING, ANSWER), (i, j)


def test_tags_cut_in_the_middle():
    assert joined(split_feed(["<thi", "nk>plan", " it</th", "ink>", "Answer"])) == ("plan it", "Answer")
    assert joined(split_feed(["<", "t", "h", "i", "n", "k", ">", "x", "<", "/", "think", ">", "y"])) == ("x", "y")


def test_one_character_at_a_time():
    content = content_of_fixture()
    assert joined(split_feed(list(content))) == (THINKING, ANSWER)


@pytest.mark.parametrize("parts,expected", [
    (["Hello <think>x</think>"], ("", "Hello <think>x</think>")),  # not leading: text
    (["<b>bold</b>"], ("", "<b>bold</b>")),
    (["<", "3 you"], ("", "<3 you")),
    (["<thinking>no</thinking>"], ("", "<thinking>no</thinking>")),
    (["  \n<think>a</think>b"], ("a", "b")),  # blank lines before the tag are allowed
    (["<think>\n\n</think>\n\nJust the answer."], ("", "Just the answer.")),  # empty reasoning
    (["<think>cut off by max_tokens"], ("cut off by max_tokens", "")),  # unterminated: all thinking
    (["<think>a</think>", "\n", "\n", "b <think>c</think>"], ("a", "b <think>c</think>")),
    (["<think>a < b and c </ d</think>ok"], ("a < b and c </ d", "ok")),
    (["<thi"], ("", "<thi")),  # the stream ended before the tag was complete: it was text
])
def test_splitter_cases(parts, expected):
    assert joined(split_feed(parts)) == expected


def test_answer_without_tags_passes_at_once():
    s = ThinkTagSplitter()
    assert s.feed("Sure") == [("text", "Sure")]
    assert s.passing
    assert s.feed("<think>") == [("text", "<think>")]


# -- the translator -------------------------------------------------------------------
def translate(chunk_list, **kw):
    t = ChatStreamTranslator(model="claude-sonnet-5", message_id="msg_test", provider="Together", **kw)
    events = t.start()
    for c in chunk_list:
        events += t.feed(c)
    return events + t.finish()


@pytest.mark.parametrize("seed", [None, 1, 2, 3])
def test_together_stream_gives_a_signed_thinking_block_then_text(seed):
    events = translate(chunks(STREAM, seed))
    check_invariants(events)
    assert [e["content_block"]["type"] for e in events if e["type"] == "content_block_start"] == [
        "thinking", "text"]
    msg = accumulate(events)
    assert msg["content"] == [
        {"type": "thinking", "thinking": THINKING, "signature": MINTED},
        {"type": "text", "text": ANSWER},
    ]
    assert msg["stop_reason"] == "end_turn"  # finish_reason "eos"
    assert msg["usage"]["input_tokens"] == 41 and msg["usage"]["output_tokens"] == 48
    # Thinking streams as it arrives: several thinking deltas, not one at the end.
    assert sum(1 for e in events if e["type"] == "content_block_delta"
               and e["delta"]["type"] == "thinking_delta") > 10


def test_rechunked_content_gives_the_same_message():
    base = chunks(STREAM)
    content = content_of_fixture()
    whole = accumulate(translate(base))
    template, last = base[1], base[-1]
    for cut in (3, 5, 7, 11):
        pieces = [content[i:i + cut] for i in range(0, len(content), cut)]
        rechunked = []
        for p in pieces:
            c = copy.deepcopy(template)
            c["choices"][0]["delta"]["content"] = p
            rechunked.append(c)
        assert accumulate(translate(rechunked + [last]))["content"] == whole["content"], cut


def test_switched_off_the_content_is_text_verbatim():
    msg = accumulate(translate(chunks(STREAM), think_tags=False))
    assert msg["content"] == [{"type": "text", "text": content_of_fixture()}]


def test_non_stream_body():
    body = read_json(MESSAGE)
    t = ChatStreamTranslator(model="claude-sonnet-5", message_id="msg_test", provider="Together")
    msg = accumulate(t.start() + t.feed(message_to_chunk(body)) + t.finish())
    assert msg["content"] == [{"type": "thinking", "thinking": THINKING, "signature": MINTED},
                              {"type": "text", "text": ANSWER}]


def test_stream_without_tags_drops_the_splitter_after_the_first_text():
    t = ChatStreamTranslator(model="m", message_id="msg_test", provider="p")
    t.start()
    t.feed({"choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]})
    assert t._tags is not None  # nothing decided yet
    t.feed({"choices": [{"index": 0, "delta": {"content": "Hello"}}]})
    assert t._tags is None  # every later chunk skips the think-tag work


def test_reasoning_field_means_the_server_parsed_it_stray_tag_dropped():
    # Together's DeepSeek-V3.1 sends a lone "<think>" in content, then `reasoning`.
    events = translate([
        {"choices": [{"index": 0, "delta": {"content": "<think>"}}]},
        {"choices": [{"index": 0, "delta": {"reasoning": "Let me think."}}]},
        {"choices": [{"index": 0, "delta": {"content": "Answer."}, "finish_reason": "stop"}]},
    ])
    check_invariants(events)
    assert accumulate(events)["content"] == [
        {"type": "thinking", "thinking": "Let me think.", "signature": MINTED},
        {"type": "text", "text": "Answer."}]


def test_think_section_then_tool_call():
    events = translate([
        {"choices": [{"index": 0, "delta": {"content": "<think>I should read it"}}]},
        {"choices": [{"index": 0, "delta": {"content": "</think>\n\n"}}]},
        {"choices": [{"index": 0, "delta": {"tool_calls": [
            {"index": 0, "id": "call_1", "function": {"name": "Read", "arguments": "{\"file_path\":\"a.py\"}"}}]}}]},
        {"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]},
    ])
    check_invariants(events)
    msg = accumulate(events)
    assert [b["type"] for b in msg["content"]] == ["thinking", "tool_use"]
    assert msg["content"][0]["thinking"] == "I should read it"
    assert msg["content"][1]["input"] == {"file_path": "a.py"}


def test_unterminated_think_then_tool_call_flushes_the_held_tail():
    events = translate([
        {"choices": [{"index": 0, "delta": {"content": "<think>plan </th"}}]},
        {"choices": [{"index": 0, "delta": {"tool_calls": [
            {"index": 0, "id": "call_1", "function": {"name": "f", "arguments": "{}"}}]}, "finish_reason": "tool_calls"}]},
    ])
    check_invariants(events)
    assert accumulate(events)["content"][0] == {"type": "thinking", "thinking": "plan </th", "signature": MINTED}


# -- the per-provider switch: switchboard.json -> profile -> translator, over HTTP ---
def test_config_field_parses_and_rejects_non_booleans():
    cfg = gateway_config("http://127.0.0.1:9")
    cfg["providers"]["up"]["think_tags"] = False
    assert parse_config(cfg).providers["up"].think_tags is False
    assert parse_config(gateway_config("http://127.0.0.1:9")).providers["up"].think_tags is None
    cfg["providers"]["up"]["think_tags"] = "no"
    with pytest.raises(ConfigError, match="think_tags"):
        parse_config(cfg)


def _sdk(server):
    return anthropic.Anthropic(base_url=server.url, api_key=ACCESS_KEY, max_retries=0)


@pytest.mark.parametrize("switch", [None, True, False])
def test_over_http_stream_and_switch(upstream, make_server, switch):
    cfg = gateway_config(upstream.url)
    if switch is not None:
        cfg["providers"]["up"]["think_tags"] = switch
    server = make_server(cfg)
    upstream.queue(sse_file_script(UPSTREAM_FIXTURES / STREAM, split=9))
    with _sdk(server).messages.stream(model="claude-sonnet-5", max_tokens=200,
                                      messages=[{"role": "user", "content": "where is parse_config?"}]) as s:
        final = s.get_final_message()
    got = [b.model_dump(exclude_none=True) for b in final.content]
    if switch is False:
        assert got == [{"type": "text", "text": content_of_fixture()}]
    else:
        assert got == [{"type": "thinking", "thinking": THINKING, "signature": MINTED},
                       {"type": "text", "text": ANSWER}]


def test_over_http_non_stream(upstream, make_server):
    server = make_server(gateway_config(upstream.url))
    upstream.queue(json_script(read_json(MESSAGE)))
    msg = _sdk(server).messages.create(model="claude-sonnet-5", max_tokens=200,
                                       messages=[{"role": "user", "content": "where is parse_config?"}])
    assert [b.type for b in msg.content] == ["thinking", "text"]
    assert msg.content[0].thinking == THINKING and msg.content[1].text == ANSWER
    # The thinking block goes back on the next turn and is not sent upstream as text.
    upstream.queue(json_script({"id": "x", "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"},
                                                        "finish_reason": "stop"}]}))
    _sdk(server).messages.create(model="claude-sonnet-5", max_tokens=200, messages=[
        {"role": "user", "content": "where is parse_config?"},
        {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in msg.content]},
        {"role": "user", "content": "thanks"}])
    sent = upstream.requests[-1].json["messages"]
    assert sent[-2] == {"role": "assistant", "content": ANSWER}
