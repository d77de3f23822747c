"""Offline token counting with tiktoken (cl100k_base), loaded lazily.

tiktoken normally downloads its BPE file on first use; Switchboard ships it
in assets/tiktoken (with its provenance README) and builds the Encoding from
that file, checking tiktoken's own expected sha256. The encoding costs about
45 MB of RSS, so it is built on the first count, never at start-up (issue 7).
Claude's tokenizer is not public; cl100k is a close, documented estimate.
"""
from __future__ import annotations

import base64
import hashlib
import sys
import threading
from pathlib import Path
from typing import Any

import orjson

_CL100K_SHA256 = "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"
# From tiktoken_ext/openai_public.py (cl100k_base), MIT licence.
_CL100K_PATTERN = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
)
_CL100K_SPECIAL = {
    "<|endoftext|>": 100257, "<|fim_prefix|>": 100258, "<|fim_middle|>": 100259,
    "<|fim_suffix|>": 100260, "<|endofprompt|>": 100276,
}
# Anthropic documents images as about (width*height)/750 tokens, at most
# ~1600 for a 1.15 MP image; without decoding the image we charge that cap.
IMAGE_TOKENS = 1600
DOCUMENT_TOKENS = 3000
# Per-message and per-tool framing the Messages API adds around content.
MESSAGE_OVERHEAD = 3
TOOL_OVERHEAD = 8

_lock = threading.Lock()
_encoding: Any = None


def assets_dir() -> Path:
    base = getattr(sys, "_MEIPASS", None)  # inside a PyInstaller bundle
    if base:
        return Path(base) / "assets"
    return Path(__file__).resolve().parent.parent / "assets"


def load_encoding() -> Any:
    """Build cl100k_base from the shipped file; never touches the network.

    The file is parsed here (the format of tiktoken.load.load_tiktoken_bpe:
    one ``base64-token rank`` per line) rather than through tiktoken's
    loader, which would also copy it into its download cache.
    """
    import tiktoken

    data = (assets_dir() / "tiktoken" / "cl100k_base.tiktoken").read_bytes()
    if hashlib.sha256(data).hexdigest() != _CL100K_SHA256:
        raise ValueError("assets/tiktoken/cl100k_base.tiktoken is damaged (sha256 mismatch)")
    ranks = {base64.b64decode(token): int(rank)
             for token, rank in (line.split() for line in data.splitlines() if line)}
    return tiktoken.Encoding(name="cl100k_base", pat_str=_CL100K_PATTERN,
                             mergeable_ranks=ranks, special_tokens=_CL100K_SPECIAL)


def encoding() -> Any:
    global _encoding
    if _encoding is None:
        with _lock:
            if _encoding is None:
                _encoding = load_encoding()
    return _encoding


def count_text(text: str) -> int:
    if not text:
        return 0
    return len(encoding().encode_ordinary(text))


def count_request(body: dict[str, Any]) -> int:
    """Input tokens of a validated Messages request: system, messages, tools."""
    texts: list[str] = []
    fixed = 0
    system = body.get("system")
    if isinstance(system, str):
        texts.append(system)
    elif isinstance(system, list):
        texts.extend(b.get("text", "") for b in system)
    for message in body.get("messages", []):
        fixed += MESSAGE_OVERHEAD
        fixed += _collect(message.get("content"), texts)
    for tool in body.get("tools") or []:
        fixed += TOOL_OVERHEAD
        texts.append(tool.get("name", ""))
        if tool.get("description"):
            texts.append(tool["description"])
        if tool.get("input_schema") is not None:
            texts.append(orjson.dumps(tool["input_schema"]).decode())
    # One encode call over the joined text is several times faster than one
    # per block; the separator keeps tokens from merging across blocks.
    return fixed + count_text("\n".join(t for t in texts if t))


def _collect(content: Any, texts: list[str]) -> int:
    if isinstance(content, str):
        texts.append(content)
        return 0
    fixed = 0
    for block in content or []:
        btype = block.get("type")
        if btype == "text":
            texts.append(block.get("text", ""))
        elif btype == "image":
            fixed += IMAGE_TOKENS
        elif btype == "document":
            fixed += DOCUMENT_TOKENS
        elif btype == "tool_use":
            texts.append(block.get("name", ""))
            texts.append(orjson.dumps(block.get("input", {})).decode())
        elif btype == "tool_result":
            fixed += _collect(block.get("content"), texts)
        elif btype == "thinking":
            texts.append(block.get("thinking", ""))
        elif btype == "tool_reference":
            texts.append(block.get("tool_name", ""))
        else:
            texts.append(orjson.dumps(block).decode())
    return fixed
