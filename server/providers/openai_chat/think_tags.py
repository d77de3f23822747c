"""A leading ``<think>…</think>`` in the answer text -> thinking, then text.

DeepSeek-R1 and its distills, QwQ and Qwen3 served without a reasoning
parser (Together, Groq's ``reasoning_format: raw``, older Ollama builds,
llama.cpp with ``--reasoning-format none`` or older builds, vLLM without
``--reasoning-parser``) write their reasoning into ``content`` as
``<think>\\n…\\n</think>\\n\\nAnswer``. Only a *leading* think section counts
(whitespace before ``<think>`` is allowed): a ``<think>`` later in an answer
is the model talking about tags, and stays text.

:class:`ThinkTagSplitter` is fed the content deltas as they arrive and
returns ``(kind, text)`` pieces, kind ``"thinking"`` or ``"text"``. A tag may
be split across deltas (``<thi`` + ``nk>``, ``</th`` + ``ink>``): text that
could still be the start of a tag is held back until the next delta decides
(at most 8 characters, plus whitespace at the edges of the reasoning, which
is trimmed). Once the answer has started, every delta passes straight
through (:attr:`passing`), so the translator can drop the splitter and keep
its hot path free of any work. An unterminated section (the stream ended,
``max_tokens``) is all thinking.

Limitation: chat templates that put ``<think>`` in the *prompt* make the
model's output start inside the reasoning with only ``</think>`` in it; that
is not recognised (it would mean holding back every answer until its end).
"""
from __future__ import annotations

OPEN = "<think>"
CLOSE = "</think>"

Piece = tuple[str, str]


class ThinkTagSplitter:
    # States: waiting for the first non-blank text / inside the reasoning /
    # after </think> (blank lines dropped) / answer text, passed through.
    LEAD, THINK, AFTER, PASS = "lead", "think", "after", "pass"

    __slots__ = ("state", "_held", "_thought")

    def __init__(self) -> None:
        self.state = self.LEAD
        self._held = ""
        self._thought = False  # some thinking was emitted (trim its start otherwise)

    @property
    def passing(self) -> bool:
        """True once nothing more can be a think section: feed() is identity."""
        return self.state == self.PASS

    def feed(self, text: str) -> list[Piece]:
        if self.state == self.PASS:
            return [("text", text)] if text else []
        data = self._held + text
        self._held = ""
        if self.state == self.LEAD:
            return self._lead(data)
        if self.state == self.THINK:
            return self._think(data)
        return self._after(data)

    def flush(self) -> list[Piece]:
        """What is held back, e.g. before a tool call or at the end of the stream."""
        held, self._held = self._held, ""
        if self.state == self.LEAD:
            self.state = self.PASS
            return [("text", held)] if held else []
        if self.state == self.THINK:
            held = held.rstrip()
            return [("thinking", held)] if held else []
        return []

    # -- states ----------------------------------------------------------------
    def _lead(self, data: str) -> list[Piece]:
        stripped = data.lstrip()
        if stripped.startswith(OPEN):
            self.state = self.THINK
            return self._think(stripped[len(OPEN):])
        if OPEN.startswith(stripped):  # "", "  ", "<", "<thi": not decided yet
            self._held = data
            return []
        self.state = self.PASS
        return [("text", data)]

    def _think(self, data: str) -> list[Piece]:
        if not self._thought:
            data = data.lstrip()  # "<think>\n" - the newline is not reasoning
        end = data.find(CLOSE)
        if end >= 0:
            thinking = data[:end].rstrip()
            self.state = self.AFTER
            out = self._thinking(thinking)
            return out + self._after(data[end + len(CLOSE):])
        # Hold back a possible start of "</think>" and trailing blanks.
        keep = _partial_suffix(data, CLOSE)
        body, tail = data[:len(data) - keep], data[len(data) - keep:]
        trimmed = body.rstrip()
        self._held = body[len(trimmed):] + tail
        return self._thinking(trimmed)

    def _after(self, data: str) -> list[Piece]:
        stripped = data.lstrip()
        if not stripped:
            return []
        self.state = self.PASS
        return [("text", stripped)]

    def _thinking(self, text: str) -> list[Piece]:
        if not text:
            return []
        self._thought = True
        return [("thinking", text)]


def _partial_suffix(data: str, tag: str) -> int:
    """Length of the longest end of ``data`` that is a proper start of ``tag``."""
    for n in range(min(len(tag) - 1, len(data)), 0, -1):
        if data.endswith(tag[:n]):
            return n
    return 0


def split_whole(text: str) -> list[Piece]:
    """A complete (non-streamed) content string, split the same way."""
    splitter = ThinkTagSplitter()
    return splitter.feed(text) + splitter.flush()
