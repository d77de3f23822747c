"""Talk to a provider on the user's behalf: a tiny test call, the model list.

Results are plain data for the page: ``ok``, timings, and for failures a
``problem`` code with ``params`` (the page words it from static/strings.js)
plus ``detail``: the provider's own message, which never carries the key.
"""
from __future__ import annotations

import asyncio
import time
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson

from server.base_url import host_of
from server.config import ProviderConfig
from server.errors import ConnectionFailed, SwitchboardError
from server.providers import http
from server.providers.base import Call, Provider
from server.providers.presets import guess_preset, preset
from server.secrets import KeyringUnavailable
from server.sse import SSEParser

TEST_TIMEOUT = 60.0
MODELS_TIMEOUT = 20.0
MAX_MODELS_BODY = 8 * 1024 * 1024
TEST_PROMPT = "Reply with the single word: ready"


def local_app(pconf: ProviderConfig) -> str:
    """"Ollama" / "LM Studio" when the provider is a local app we know."""
    row = (preset(pconf.profile) if pconf.profile else None) or guess_preset(pconf.base_url)
    return str(row.get("local_app", "")) if row else ""


def is_local_host(url: str) -> bool:
    """Whether ``url`` names this computer (127.x, ::1, localhost)."""
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return False
    return host == "localhost" or host.endswith(".localhost") or host.startswith("127.") or host in ("::1", "0.0.0.0")


def unreachable(pconf: ProviderConfig, params: dict[str, Any]) -> str:
    """The problem code for a server that did not answer, with its next step:
    a known local app (is Ollama running?), another program on this computer
    (is it running?), or a server elsewhere (address, internet connection)."""
    app = local_app(pconf)
    if app:
        params["app"] = app
        return "unreachable_local"
    if is_local_host(pconf.base_url):
        return "unreachable_here"
    return "unreachable"


def _scrub(text: str, key: str | None) -> str:
    if key and len(key) >= 4 and key in text:
        text = text.replace(key, "[key hidden]")
    return text[:1000]


def _mentions_model(text: str) -> bool:
    low = text.lower()
    return "model" in low and any(w in low for w in (
        "not found", "not exist", "does not exist", "unknown", "invalid", "not supported",
        "no such", "unavailable", "not available", "not a valid", "doesn't exist"))


def describe_error(exc: BaseException, pconf: ProviderConfig, model: str,
                   key: str | None) -> dict[str, Any]:
    """A failure in plain words: ``{problem, params, detail}``."""
    name = pconf.display_name
    params: dict[str, Any] = {"provider": name, "model": model, "host": host_of(pconf.base_url)}
    if isinstance(exc, KeyringUnavailable):
        return {"problem": "keyring", "params": params, "detail": str(exc)}
    if isinstance(exc, asyncio.TimeoutError):
        return {"problem": "timeout", "params": params, "detail": ""}
    if not isinstance(exc, SwitchboardError):
        return {"problem": "unknown", "params": params, "detail": type(exc).__name__}
    detail = _scrub(exc.message, key)
    status = exc.status
    if isinstance(exc, ConnectionFailed):
        low = detail.lower()
        if "timed out" in low:
            problem = "timeout_here" if is_local_host(pconf.base_url) else "timeout"
        elif "tls" in low or "certificate" in low:
            problem = "tls"
        elif "could not be resolved" in low:
            problem = "dns_here" if is_local_host(pconf.base_url) else "dns"
        elif "proxy" in low:
            problem = "proxy_auth" if "password" in low else "proxy"
        else:
            problem = unreachable(pconf, params)
        return {"problem": problem, "params": params, "detail": detail}
    if "no API key is set" in detail:
        return {"problem": "no_key", "params": params, "detail": ""}
    if status == 401 or (status == 403 and not _mentions_model(detail)):
        problem = "key_rejected"
    elif status == 402:
        problem = "no_credit"
    elif status == 429:
        problem = "rate_limited"
    elif status in (400, 404, 422) and _mentions_model(detail):
        problem = "model_not_found"
    elif status == 404:
        problem = "not_found"
    elif status >= 500:
        problem = "server_error"
        params["status"] = status
    else:
        problem = "refused"
        params["status"] = status
    return {"problem": problem, "params": params, "detail": detail}


def _test_call(model: str) -> Call:
    request = {"model": model, "max_tokens": 32, "stream": True,
               "messages": [{"role": "user", "content": TEST_PROMPT}]}
    return Call(request=request, model=model, stream=True, requested_model=model)


def _json_frames(frames: list[Any]) -> list[dict[str, Any]]:
    out = []
    for frame in frames:
        try:
            data = orjson.loads(frame.data)
        except orjson.JSONDecodeError:
            continue
        if isinstance(data, dict):
            out.append(data)
    return out


async def _events(reply: Any) -> Any:
    """The reply's Anthropic events one by one, whichever form it came in."""
    if reply.events is not None:
        async for batch in reply.events:
            for event in batch:
                yield event
    elif reply.raw is not None:
        parser = SSEParser()
        async for chunk in reply.raw:
            if chunk is not None:  # None: a ping is due
                for data in _json_frames(parser.feed(chunk)):
                    yield data
        for data in _json_frames(parser.close()):
            yield data
    elif reply.message is not None or reply.body is not None:
        message = reply.message or orjson.loads(reply.body or b"{}")
        for block in message.get("content") or []:
            if block.get("type") == "text":
                yield {"type": "content_block_delta", "delta": {"type": "text_delta", "text": block.get("text", "")}}
        yield {"type": "message_stop"}


async def test_connection(provider: Provider, pconf: ProviderConfig, model: str,
                          key: str | None) -> dict[str, Any]:
    """Send a tiny streaming request through ``provider`` and read it to the end."""
    started = time.monotonic()
    first: float | None = None
    text = ""
    reply = None
    try:
        async with asyncio.timeout(TEST_TIMEOUT):
            reply = await provider.send(_test_call(model))
            headers_at = time.monotonic()
            async for event in _events(reply):
                kind = event.get("type")
                if kind == "error":
                    err = event.get("error") or {}
                    message = str(err.get("message") or "stream error") if isinstance(err, dict) else "stream error"
                    status = {"authentication_error": 401, "permission_error": 403,
                              "not_found_error": 404, "rate_limit_error": 429,
                              "invalid_request_error": 400}.get(
                        err.get("type") if isinstance(err, dict) else "", 500)
                    raise SwitchboardError(message, status=status)
                if kind == "content_block_delta":
                    delta = event.get("delta") or {}
                    if first is None and delta.get("type") in ("text_delta", "thinking_delta"):
                        first = time.monotonic()
                    if delta.get("type") == "text_delta":
                        text += str(delta.get("text", ""))
                if kind == "message_stop":
                    break
    except (SwitchboardError, KeyringUnavailable, asyncio.TimeoutError) as exc:
        result = {"ok": False, **describe_error(exc, pconf, model, key)}
        result["latency_ms"] = round((time.monotonic() - started) * 1000)
        return result
    except httpx.HTTPError as exc:  # a stream broken in a way the provider did not wrap
        return {"ok": False, **describe_error(ConnectionFailed(pconf.display_name, type(exc).__name__),
                                              pconf, model, key)}
    finally:
        if reply is not None:
            try:
                await reply.aclose()
            except Exception:
                pass
    done = time.monotonic()
    return {
        "ok": True,
        "model": model,
        "latency_ms": round((headers_at - started) * 1000),
        "ttft_ms": round(((first or done) - started) * 1000),
        "total_ms": round((done - started) * 1000),
        "reply": _scrub(text.strip(), key)[:200],
    }


# -- model lists ---------------------------------------------------------------

def _models_request(pconf: ProviderConfig, key: str | None, profile: dict[str, Any]) -> tuple[str, dict[str, str]]:
    headers: dict[str, str] = {"accept": "application/json"}
    base = pconf.base_url.rstrip("/")
    if pconf.type == "gemini":
        if not base.endswith(("/v1beta", "/v1")):
            base += "/v1beta"
        url = base + "/models?pageSize=1000"
        if key:
            headers["x-goog-api-key"] = key
    elif pconf.type == "anthropic":
        url = http.join_url(base, "/v1/models") + "?limit=1000"
        headers["anthropic-version"] = "2023-06-01"
        if key:
            if profile.get("auth") == "bearer":
                headers["authorization"] = f"Bearer {key}"
            else:
                headers["x-api-key"] = key
    else:
        url = base + "/models"
        if key:
            headers["authorization"] = f"Bearer {key}"
    headers.update(dict(pconf.headers or ()))
    return url, headers


def parse_models(kind: str, data: Any) -> list[str]:
    """Model ids from a model-list body (OpenAI/Anthropic ``data``, Gemini ``models``)."""
    names: list[str] = []
    if not isinstance(data, dict):
        return names
    if kind == "gemini":
        for item in data.get("models") or []:
            if not isinstance(item, dict) or not isinstance(item.get("name"), str):
                continue
            methods = item.get("supportedGenerationMethods")
            if isinstance(methods, list) and "generateContent" not in methods:
                continue
            names.append(item["name"].removeprefix("models/"))
    else:
        items = data.get("data")
        if items is None:
            items = data.get("models")  # Ollama's native shape, some proxies
        for item in items or []:
            if isinstance(item, dict):
                mid = item.get("id") or item.get("name") or item.get("model")
                if isinstance(mid, str):
                    names.append(mid)
            elif isinstance(item, str):
                names.append(item)
    seen: set[str] = set()
    out = []
    for n in names:
        n = n.strip()
        if n and n not in seen and len(n) <= 200:
            seen.add(n)
            out.append(n)
    return sorted(out, key=str.lower)


async def fetch_models(client: httpx.AsyncClient, pconf: ProviderConfig, key: str | None,
                       profile: dict[str, Any]) -> dict[str, Any]:
    url, headers = _models_request(pconf, key, profile)
    name = pconf.display_name
    try:
        async with asyncio.timeout(MODELS_TIMEOUT):
            async with client.stream("GET", url, headers=headers) as response:
                body = b""
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > MAX_MODELS_BODY:
                        break
                status = response.status_code
    except asyncio.TimeoutError as exc:
        return {"ok": False, **describe_error(exc, pconf, "", key)}
    except httpx.HTTPError as exc:
        return {"ok": False, **describe_error(ConnectionFailed(name, http._reason(exc)), pconf, "", key)}
    try:
        data = orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        data = None
    if status >= 300:
        from server.providers.openai_chat.errors import extract_message

        message = extract_message(data) if data is not None else ""
        if status in (404, 405):
            return {"ok": False, "problem": "no_model_list", "params": {"provider": name}, "detail": ""}
        err = SwitchboardError(f"{name}: {message}" if message else f"{name} returned HTTP {status}",
                               status=status)
        return {"ok": False, **describe_error(err, pconf, "", key)}
    models = parse_models(pconf.type, data)
    if not models:
        return {"ok": False, "problem": "no_model_list", "params": {"provider": name}, "detail": ""}
    return {"ok": True, "models": models}
