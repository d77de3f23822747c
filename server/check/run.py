"""The checks: short requests shaped like Claude Code's, one card each.

Pure of I/O but for ``send`` (injected): an async function that takes an
Anthropic request body and returns the complete Message (or raises a
:class:`server.errors.SwitchboardError`). ``server/check/cli.py`` sends
through the configured provider object, as Switchboard does for Claude Code.

Every request is planned before anything is sent, so the estimate shown
first is an upper bound (input tokens counted the way Switchboard counts
them, plus each request's ``max_tokens``); the run stops before a request
that would go past it, and at the first failure of the connection itself
(unreachable, key refused).
"""
from __future__ import annotations

import base64
import struct
import zlib
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

from server import tokens
from server.check import shapes
from server.errors import ConnectionFailed, SwitchboardError, is_context_length_message
from server.said import Said, Words

Send = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]

PASS, FAIL, SKIPPED = "pass", "fail", "skipped"
SMALL = 300             # max_tokens of a short answer
THINK_BUDGET = 1024
CONTEXT_DEFAULT = 60000  # tokens the context probe starts at without a stated window
CONTEXT_FLOOR = 1000
COUNT_TOLERANCE = 0.15   # how far our token estimate may be from the provider's


@dataclass
class Card:
    """One capability's result. ``explanation`` and ``advice`` are sentences
    (server/said.py): the page words them in its language, the CLI in English."""
    id: str
    status: str = SKIPPED
    explanation: Said | None = None
    advice: Said | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return TITLES[self.id]

    def as_dict(self) -> dict[str, Any]:
        # The title's code is "check.card." + id (the page builds it itself).
        said = {name: value.as_json() for name in ("explanation", "advice")
                if (value := getattr(self, name)) is not None}
        return {"id": self.id, "title": self.title, "status": self.status,
                "explanation": str(self.explanation or ""), "advice": str(self.advice or ""),
                "detail": self.detail, "said": said}


@dataclass
class Options:
    vision: bool = True        # False: the person says the model has no vision
    reasoning: bool = True     # False: the model has no reasoning (thinking skipped)
    context_window: int | None = None  # the model's stated window (tokens)
    context: bool = True       # run the context probe


@dataclass
class Outcome:
    cards: list[Card]
    estimate: int
    used_input: int = 0
    used_output: int = 0

    @property
    def used(self) -> int:
        return self.used_input + self.used_output

    def as_dict(self) -> dict[str, Any]:
        return {"cards": [c.as_dict() for c in self.cards], "estimate_tokens": self.estimate,
                "used_tokens": {"input": self.used_input, "output": self.used_output, "total": self.used}}


CARDS = Words({
    "check.card.stream": "Plain streamed answer",
    "check.card.tool_call": "A tool call and its result",
    "check.card.parallel_tools": "Two tool calls at once",
    "check.card.tool_error": "A failed tool result (is_error)",
    "check.card.tool_choice": "Forced tool use (any, and a named tool)",
    "check.card.thinking": "Thinking, replayed in the next turn",
    "check.card.images": "Images (in a message and in a tool result)",
    "check.card.context": "A long prompt (the real context limit)",
    "check.card.count_tokens": "Token counting",
})
TITLES = {code.removeprefix("check.card."): title for code, title in CARDS.items()}
ORDER = tuple(TITLES)

# What each card says happened (the model's own words and the provider's
# message are params, shown as they came).
WHY = Words({
    "check.why.connection": "The provider could not be used: {message}",
    "check.why.after_connection": "Not run: the connection failed on an earlier step.",
    "check.why.over_budget": "Not run: it would have gone past the token estimate shown before the check.",
    "check.why.refused": "The request was refused: {message}",
    "check.why.answered": "Answered: {answer}",
    "check.why.no_text": "The stream ended without any text.",
    "check.why.text_not_tool": "The model answered in text instead of calling the Read tool.",
    "check.why.no_arguments": "The tool call arrived without usable arguments when streamed.",
    "check.why.silent_after_result": "After the tool result the model said nothing.",
    "check.why.tool_call_ok": "Called {tool} with {arguments}, then answered after the result.",
    "check.why.text_not_two_tools": "The model answered in text where two tool calls were asked for.",
    "check.why.one_tool_call": "The model made one tool call where two were asked for at once.",
    "check.why.parallel_ok": "{count} tool calls in one answer; both results accepted.",
    "check.why.tool_error_ok": "A failed tool result was accepted.",
    "check.why.any_ignored": "With tool_choice \"any\" the model answered without a tool call.",
    "check.why.named_other": "Asked to call the Bash tool by name, the model called {tool}.",
    "check.why.named_none": "Asked to call the Bash tool by name, the model made no tool call.",
    "check.why.tool_choice_ok": "Forced tool use works, also for a named tool.",
    "check.why.no_reasoning": "Skipped: you said this model has no reasoning.",
    "check.why.no_thinking": "Skipped: the model answered without thinking (no reasoning output).",
    "check.why.thinking_ok": "Thinking came back and was accepted when replayed.",
    "check.why.no_vision": "Skipped: no images (you said this model has no vision).",
    "check.why.images_ok": "Images were accepted in a message and in a tool result.",
    "check.why.context_off": "Skipped: the long-prompt step was turned off.",
    "check.why.context_ok": "A prompt of about {size} tokens was accepted.",
    "check.why.context_cut": "A prompt of about {refused} tokens was refused as too long; about {size} tokens worked.",
    "check.why.context_tiny": "Even a prompt of about {size} tokens was refused as too long.",
    "check.why.no_usage": "Skipped: the provider did not report input tokens.",
    "check.why.count_ok": "Switchboard counted {ours} input tokens, the provider {theirs} ({off}).",
    "check.why.count_off": "Switchboard counted {ours} input tokens, the provider {theirs} ({off}): "
                           "count_tokens is that far off for this model.",
})

# What to do about a failed card.
TODO = Words({
    "check.todo.connection": "Fix the connection first (Test connection in Switchboard's settings: "
                             "the address and the key), then run the check again.",
    "check.todo.empty_answers": "Claude Code would show empty answers: try another model, or check the provider's status.",
    "check.todo.no_tools": "This model does not use tools reliably: Claude Code cannot work with it. Use another model.",
    "check.todo.no_arguments": "Tool calls arrive without arguments when streamed: use the non-streaming fallback "
                               "for this provider, or another model.",
    "check.todo.one_at_a_time": "This model makes one tool call at a time: Claude Code still works, only with more "
                                "round trips. Prefer another model for long agent sessions.",
    "check.todo.context_cut": "The real context is smaller than it should be: set the route's long-context "
                              "threshold below {size} tokens and give its long_context slot a model with a "
                              "larger window, or run the model with a larger context.",
    "check.todo.context_tiny": "This model's context is too small for Claude Code: use another model or a larger "
                               "context setting.",
    "check.todo.count_off": "Claude Code decides when to compact from count_tokens: with this model set the "
                            "route's long-context threshold lower, leaving room for the difference.",
    "check.todo.stream": "Check the address, the key and the model name (Test connection in Switchboard's settings).",
    "check.todo.tool_call": "The provider rejects tool results (the 'tool' role): Claude Code cannot work with it. "
                            "Use another model, or another provider for this model.",
    "check.todo.parallel_tools": "The provider rejects several tool results at once: use another model for Claude Code.",
    "check.todo.tool_error": "The provider rejects failed tool results: Claude Code stops when a command fails. "
                             "Use another model.",
    "check.todo.tool_choice": "This model ignores forced tool use: Claude Code's sub-agents may answer without acting. "
                              "Prefer another model for agent work.",
    "check.todo.thinking": "Turn thinking off for this model (remove it from the route's think slot), or use another "
                           "model.",
    "check.todo.images": "This model cannot take images: add an image slot to the route that uses it.",
    "check.todo.context": "Set the route's long-context threshold lower, or use a model with a larger window.",
})


# -- request shapes ------------------------------------------------------------------

def _png(rgb: tuple[int, int, int] = (220, 30, 30), size: int = 16) -> str:
    """A small solid-colour PNG, base64 (made here: nothing is downloaded)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + bytes(rgb) * size for _ in range(size))
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    return base64.b64encode(png).decode()


IMAGE = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": _png()}}


def quoted(text: str) -> str:
    """The model's own words as a person reads a quote (not Python's repr)."""
    return f"\u201c{' '.join(text.split())}\u201d"


def user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": [{"type": "text", "text": shapes.REMINDER}, {"type": "text", "text": text}]}


def body(model: str, messages: list[dict[str, Any]], *, tools: bool = True, max_tokens: int = SMALL,
         **extra: Any) -> dict[str, Any]:
    b: dict[str, Any] = {"model": model, "max_tokens": max_tokens, "stream": True,
                         "system": shapes.SYSTEM, "messages": messages, "metadata": shapes.METADATA}
    if tools:
        b["tools"] = [shapes.READ_TOOL, shapes.BASH_TOOL]
    b.update(extra)
    return b


def tool_use(tid: str, name: str = "Read", inp: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"type": "tool_use", "id": tid, "name": name, "input": inp or {"file_path": "/tmp/notes.txt"}}


def tool_result(tid: str, content: Any, is_error: bool = False) -> dict[str, Any]:
    r: dict[str, Any] = {"type": "tool_result", "tool_use_id": tid, "content": content}
    if is_error:
        r["is_error"] = True
    return r


def _line(n: int) -> str:
    words = ("router", "gateway", "token", "stream", "model", "budget", "request", "answer", "latency",
             "context", "window", "provider", "fallback", "session", "cache", "header")
    return f"{n}: " + " ".join(words[(n * 7 + i) % len(words)] for i in range(12)) + "\n"


def filler(target_tokens: int) -> str:
    """Text of about ``target_tokens`` tokens (numbered lines of varied words)."""
    per_line = tokens.count_text("".join(_line(n) for n in range(1000, 1100))) / 100
    return "".join(_line(n) for n in range(int(target_tokens / per_line)))


def context_steps(opts: Options) -> list[int]:
    top = int(opts.context_window * 0.9) if opts.context_window else CONTEXT_DEFAULT
    top = max(top, CONTEXT_FLOOR)
    steps = [top]
    while steps[-1] // 2 >= CONTEXT_FLOOR:
        steps.append(steps[-1] // 2)
    return steps


def context_body(model: str, size: int) -> dict[str, Any]:
    """A request of about ``size`` input tokens in all (system prompt included)."""
    ask = "Here is a long log. Reply with the number of the last line only.\n\n"
    overhead = tokens.count_request(body(model, [user(ask)], tools=False, max_tokens=20))
    return body(model, [user(ask + filler(max(0, size - overhead)))], tools=False, max_tokens=20)


def plan_estimate(model: str, opts: Options) -> int:
    """Tokens the whole check may use at most (input + max_tokens of each request)."""
    def cost(b: dict[str, Any], turns: int = 1) -> int:
        return turns * (tokens.count_request(b) + b["max_tokens"]) + (turns - 1) * 200
    q = body(model, [user("x")])
    total = cost(body(model, [user("Say hello.")], tools=False))
    total += cost(q, 2) + cost(q, 2) + cost(q, 1) + cost(q, 2)         # tool call, parallel, is_error, tool_choice
    if opts.reasoning:
        total += cost(body(model, [user("x")], tools=False, max_tokens=THINK_BUDGET + SMALL), 2)
    if opts.vision:
        total += cost(body(model, [user("x")], tools=True), 2) + 2 * 100  # two small images
    if opts.context:
        total += sum(s + 200 for s in context_steps(opts))
    return total


# -- the run ---------------------------------------------------------------------------

class _Stop(Exception):
    """The connection itself failed: the rest is skipped."""


class _OverBudget(Exception):
    pass


class Checker:
    def __init__(self, send: Send, model: str, opts: Options | None = None,
                 progress: Callable[[Card], None] | None = None) -> None:
        self.send_raw = send
        self.model = model
        self.opts = opts or Options()
        self.progress = progress
        self.estimate = plan_estimate(model, self.opts)
        self.outcome = Outcome([], self.estimate)
        self.first_usage: tuple[int, int] | None = None  # (our count, provider's) of the first request

    async def send(self, b: dict[str, Any]) -> dict[str, Any]:
        worst = tokens.count_request(b) + int(b.get("max_tokens") or 0)
        if self.outcome.used + worst > self.estimate:
            raise _OverBudget()
        try:
            message = await self.send_raw(b)
        except SwitchboardError as exc:
            if isinstance(exc, ConnectionFailed) or exc.status in (401, 403):
                raise _Stop(exc.message) from None
            raise
        usage = message.get("usage") or {}
        self.outcome.used_input += int(usage.get("input_tokens") or 0)
        self.outcome.used_output += int(usage.get("output_tokens") or 0)
        return message

    async def run(self) -> Outcome:
        stopped: Said | None = None
        for cid in ORDER:
            card = Card(cid)
            if stopped:
                card.explanation = stopped
            else:
                try:
                    await getattr(self, "check_" + cid)(card)
                except _Stop as exc:
                    card.status = FAIL
                    card.explanation = WHY("check.why.connection", message=str(exc))
                    card.advice = TODO("check.todo.connection")
                    stopped = WHY("check.why.after_connection")
                except _OverBudget:
                    card.explanation = WHY("check.why.over_budget")
                except SwitchboardError as exc:
                    card.status = FAIL
                    card.explanation = WHY("check.why.refused", message=exc.message)
                    card.advice = card.advice or advice_for(cid)
            self.outcome.cards.append(card)
            if self.progress:
                self.progress(card)
        return self.outcome

    # 1. a plain streamed answer
    async def check_stream(self, card: Card) -> None:
        b = body(self.model, [user("Say hello in five words or fewer.")], tools=False)
        m = await self.send(b)
        text = "".join(c.get("text", "") for c in m.get("content", []) if c.get("type") == "text")
        usage = m.get("usage") or {}
        if usage.get("input_tokens"):
            self.first_usage = (tokens.count_request(b), int(usage["input_tokens"]))
        if text.strip():
            card.status, card.explanation = PASS, WHY("check.why.answered", answer=quoted(text.strip()[:80]))
        else:
            card.status, card.explanation = FAIL, WHY("check.why.no_text")
            card.advice = TODO("check.todo.empty_answers")

    def _tool_uses(self, m: dict[str, Any]) -> list[dict[str, Any]]:
        return [c for c in m.get("content", []) if c.get("type") == "tool_use"]

    # 2. one tool call, and its result sent back
    async def check_tool_call(self, card: Card) -> None:
        ask = user("Read the file /tmp/notes.txt with the Read tool, then tell me its first word.")
        m = await self.send(body(self.model, [ask], tool_choice={"type": "auto"}))
        calls = self._tool_uses(m)
        if not calls:
            card.status, card.explanation = FAIL, WHY("check.why.text_not_tool")
            card.advice = TODO("check.todo.no_tools")
            return
        call = calls[0]
        if not call.get("input") or "_raw_arguments" in call["input"]:
            card.status = FAIL
            card.explanation = WHY("check.why.no_arguments")
            card.advice = TODO("check.todo.no_arguments")
            return
        follow = [ask, {"role": "assistant", "content": calls[:1]},
                  {"role": "user", "content": [tool_result(call["id"], "     1\tbanana split recipe\n")]}]
        m2 = await self.send(body(self.model, follow))
        if not any(c.get("type") in ("text", "tool_use") for c in m2.get("content", [])):
            card.status, card.explanation = FAIL, WHY("check.why.silent_after_result")
            card.advice = advice_for("tool_call")
            return
        card.status = PASS
        card.explanation = WHY("check.why.tool_call_ok", tool=call["name"], arguments=", ".join(sorted(call["input"])))

    # 3. two parallel tool calls
    async def check_parallel_tools(self, card: Card) -> None:
        ask = user("Read both /tmp/a.txt and /tmp/b.txt now: make both Read calls at once, in one answer.")
        m = await self.send(body(self.model, [ask]))
        calls = self._tool_uses(m)
        if not calls:
            card.status, card.explanation = FAIL, WHY("check.why.text_not_two_tools")
            card.advice = TODO("check.todo.no_tools")
            return
        if len(calls) < 2:
            card.status = FAIL
            card.explanation = WHY("check.why.one_tool_call")
            card.advice = TODO("check.todo.one_at_a_time")
            return
        follow = [ask, {"role": "assistant", "content": calls},
                  {"role": "user", "content": [tool_result(c["id"], f"contents of file {i}") for i, c in enumerate(calls)]}]
        await self.send(body(self.model, follow))
        card.status, card.explanation = PASS, WHY("check.why.parallel_ok", count=len(calls))

    # 4. a tool result with is_error: true
    async def check_tool_error(self, card: Card) -> None:
        msgs = [user("Read /tmp/missing.txt."), {"role": "assistant", "content": [tool_use("toolu_check_err")]},
                {"role": "user", "content": [tool_result("toolu_check_err", "File does not exist.", is_error=True)]}]
        await self.send(body(self.model, msgs))
        card.status, card.explanation = PASS, WHY("check.why.tool_error_ok")

    # 5. tool_choice any, and a named tool
    async def check_tool_choice(self, card: Card) -> None:
        m = await self.send(body(self.model, [user("What is in /tmp/notes.txt?")], tool_choice={"type": "any"}))
        if not self._tool_uses(m):
            card.status, card.explanation = FAIL, WHY("check.why.any_ignored")
            card.advice = advice_for("tool_choice")
            return
        m2 = await self.send(body(self.model, [user("List the files in /tmp.")],
                                  tool_choice={"type": "tool", "name": "Bash"}))
        named = self._tool_uses(m2)
        if not named or named[0].get("name") != "Bash":
            card.status = FAIL
            card.explanation = (WHY("check.why.named_other", tool=str(named[0].get("name"))) if named
                                else WHY("check.why.named_none"))
            card.advice = advice_for("tool_choice")
            return
        card.status, card.explanation = PASS, WHY("check.why.tool_choice_ok")

    # 6. thinking, then the thinking block replayed
    async def check_thinking(self, card: Card) -> None:
        if not self.opts.reasoning:
            card.explanation = WHY("check.why.no_reasoning")
            return
        ask = user("Think briefly, then answer: what is 17 * 23?")
        m = await self.send(body(self.model, [ask], tools=False, max_tokens=THINK_BUDGET + SMALL,
                                 thinking={"type": "enabled", "budget_tokens": THINK_BUDGET}))
        blocks = [c for c in m.get("content", []) if c.get("type") in ("thinking", "redacted_thinking")]
        if not blocks:
            card.explanation = WHY("check.why.no_thinking")
            return
        follow = [ask, {"role": "assistant", "content": m["content"]}, user("Now add 1 to that.")]
        await self.send(body(self.model, follow, tools=False, max_tokens=THINK_BUDGET + SMALL,
                             thinking={"type": "enabled", "budget_tokens": THINK_BUDGET}))
        card.status, card.explanation = PASS, WHY("check.why.thinking_ok")

    # 7. an image in a user turn and in a tool result
    async def check_images(self, card: Card) -> None:
        if not self.opts.vision:
            card.explanation = WHY("check.why.no_vision")
            return
        await self.send(body(self.model, [{"role": "user", "content": [
            IMAGE, {"type": "text", "text": "What colour is this image? One word."}]}], tools=False))
        msgs = [user("Look at /tmp/red.png."),
                {"role": "assistant", "content": [tool_use("toolu_check_img", inp={"file_path": "/tmp/red.png"})]},
                {"role": "user", "content": [tool_result("toolu_check_img", [IMAGE])]}]
        await self.send(body(self.model, msgs))
        card.status, card.explanation = PASS, WHY("check.why.images_ok")

    # 8. a prompt near the stated window (or 60k tokens)
    async def check_context(self, card: Card) -> None:
        if not self.opts.context:
            card.explanation = WHY("check.why.context_off")
            return
        steps = context_steps(self.opts)
        refused = None
        for size in steps:
            try:
                await self.send(context_body(self.model, size))
            except SwitchboardError as exc:
                if not (exc.status in (400, 413) and is_context_length_message(exc.message)):
                    raise
                refused = refused or size
                continue
            card.detail = {"largest_accepted": size, "refused": refused}
            if refused is None:
                card.status, card.explanation = PASS, WHY("check.why.context_ok", size=size)
            else:
                card.status = FAIL
                card.explanation = WHY("check.why.context_cut", refused=refused, size=size)
                card.advice = TODO("check.todo.context_cut", size=size)
            return
        card.status = FAIL
        card.detail = {"largest_accepted": None, "refused": refused}
        card.explanation = WHY("check.why.context_tiny", size=steps[-1])
        card.advice = TODO("check.todo.context_tiny")

    # 9. count_tokens against the provider's input tokens
    async def check_count_tokens(self, card: Card) -> None:
        if self.first_usage is None:
            card.explanation = WHY("check.why.no_usage")
            return
        ours, theirs = self.first_usage
        off = (ours - theirs) / theirs if theirs else 0.0
        card.detail = {"switchboard": ours, "provider": theirs, "off_by": round(off, 3)}
        if abs(off) <= COUNT_TOLERANCE:
            card.status = PASS
            card.explanation = WHY("check.why.count_ok", ours=ours, theirs=theirs, off=f"{off:+.0%}")
        else:
            card.status = FAIL
            card.explanation = WHY("check.why.count_off", ours=ours, theirs=theirs, off=f"{off:+.0%}")
            card.advice = TODO("check.todo.count_off")


def advice_for(cid: str) -> Said | None:
    """What to do when a card's request is refused (none for token counting)."""
    code = "check.todo." + cid
    return TODO(code) if code in TODO else None
