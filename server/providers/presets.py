"""Provider presets: data rows, not code (docs/architecture.md).

Each row knows its API type, base URL, where to get a key, suggested models,
and a ``profile``: the quirks the converters need (auth header style,
reasoning fields, parameter names). Where a provider has an
Anthropic-compatible endpoint we prefer it: passthrough is the most faithful
translation there is. A provider in switchboard.json names its preset in
``profile``; without one, the preset is guessed from the base URL's host.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

PRESETS: list[dict[str, Any]] = [
    {"id": "anthropic", "name": "Anthropic", "type": "anthropic",
     "base_url": "https://api.anthropic.com", "key_url": "https://console.anthropic.com/settings/keys",
     "models": ["claude-sonnet-4-5", "claude-opus-4-1", "claude-haiku-4-5"],
     "hosts": ["api.anthropic.com"], "profile": {"native_anthropic": True}},
    {"id": "openai", "name": "OpenAI", "type": "openai",
     "base_url": "https://api.openai.com/v1", "key_url": "https://platform.openai.com/api-keys",
     "models": ["gpt-5", "gpt-5-mini", "gpt-4.1", "o4-mini"],
     "hosts": ["api.openai.com"],
     "profile": {"thinking_param": "reasoning_effort", "max_tokens_field": "max_completion_tokens",
                 "supports_file_parts": True, "user_field": True,
                 "reasoning_models": ["o1", "o3", "o4", "gpt-5"],
                 # https://platform.openai.com/docs/models (max output tokens per model)
                 "model_output_limits": {"gpt-4o": 16384, "gpt-4.1": 32768, "gpt-4-turbo": 4096,
                                         "gpt-3.5": 4096, "o1": 100000, "o3": 100000, "o4": 100000,
                                         "gpt-5": 128000}}},
    {"id": "gemini", "name": "Google Gemini", "type": "gemini",
     "base_url": "https://generativelanguage.googleapis.com", "key_url": "https://aistudio.google.com/apikey",
     "models": ["gemini-2.5-pro", "gemini-2.5-flash", "gemini-3-pro-preview"],
     "hosts": ["generativelanguage.googleapis.com"], "profile": {}},
    {"id": "deepseek", "name": "DeepSeek", "type": "anthropic",
     "base_url": "https://api.deepseek.com/anthropic", "key_url": "https://platform.deepseek.com/api_keys",
     "models": ["deepseek-chat", "deepseek-reasoner"],
     "hosts": ["api.deepseek.com"],
     "profile": {"reasoning_field": "reasoning_content", "send_reasoning_back": True,
                 "thinking_param": "deepseek", "max_output_tokens": 8192}},
    {"id": "openrouter", "name": "OpenRouter", "type": "openai",
     "base_url": "https://openrouter.ai/api/v1", "key_url": "https://openrouter.ai/settings/keys",
     "models": ["anthropic/claude-sonnet-4.5", "deepseek/deepseek-chat", "google/gemini-2.5-pro"],
     "hosts": ["openrouter.ai"],
     "profile": {"reasoning_field": "reasoning", "reasoning_details": True,
                 "thinking_param": "openrouter", "keep_cache_control": True, "auth": "bearer",
                 "supports_top_k": True, "user_field": True}},
    {"id": "groq", "name": "Groq", "type": "openai",
     "base_url": "https://api.groq.com/openai/v1", "key_url": "https://console.groq.com/keys",
     "models": ["openai/gpt-oss-120b", "moonshotai/kimi-k2-instruct", "llama-3.3-70b-versatile"],
     "hosts": ["api.groq.com"], "profile": {"reasoning_field": "reasoning"}},
    {"id": "kimi", "name": "Moonshot Kimi", "type": "anthropic",
     "base_url": "https://api.moonshot.ai/anthropic", "key_url": "https://platform.moonshot.ai/console/api-keys",
     "models": ["kimi-k2-0905-preview", "kimi-k2-turbo-preview"],
     "hosts": ["api.moonshot.ai", "api.moonshot.cn"], "profile": {}},
    {"id": "glm", "name": "Zhipu GLM (z.ai)", "type": "anthropic",
     "base_url": "https://api.z.ai/api/anthropic", "key_url": "https://z.ai/manage-apikey/apikey-list",
     "models": ["glm-4.6", "glm-4.5-air"], "hosts": ["api.z.ai"], "profile": {}},
    {"id": "glm-cn", "name": "Zhipu GLM (bigmodel.cn)", "type": "anthropic",
     "base_url": "https://open.bigmodel.cn/api/anthropic", "key_url": "https://open.bigmodel.cn/usercenter/apikeys",
     "models": ["glm-4.6", "glm-4.5-air"], "hosts": ["open.bigmodel.cn"], "profile": {}},
    {"id": "qwen", "name": "Qwen (DashScope)", "type": "anthropic",
     "base_url": "https://dashscope-intl.aliyuncs.com/apps/anthropic",
     "key_url": "https://modelstudio.console.alibabacloud.com/?tab=playground#/api-key",
     "models": ["qwen3-coder-plus", "qwen3-max"],
     "hosts": ["dashscope-intl.aliyuncs.com", "dashscope.aliyuncs.com"], "profile": {}},
    {"id": "minimax", "name": "MiniMax", "type": "anthropic",
     "base_url": "https://api.minimax.io/anthropic", "key_url": "https://platform.minimax.io/user-center/basic-information/interface-key",
     "models": ["MiniMax-M2"], "hosts": ["api.minimax.io", "api.minimaxi.com"], "profile": {}},
    {"id": "siliconflow", "name": "SiliconFlow", "type": "openai",
     "base_url": "https://api.siliconflow.com/v1", "key_url": "https://cloud.siliconflow.com/account/ak",
     "models": ["deepseek-ai/DeepSeek-V3.1", "Qwen/Qwen3-Coder-480B-A35B-Instruct"],
     "hosts": ["api.siliconflow.com", "api.siliconflow.cn"], "profile": {"reasoning_field": "reasoning_content"}},
    {"id": "xai", "name": "xAI Grok", "type": "openai",
     "base_url": "https://api.x.ai/v1", "key_url": "https://console.x.ai/",
     "models": ["grok-4", "grok-code-fast-1"], "hosts": ["api.x.ai"],
     # Grok's completion_tokens_details.reasoning_tokens are not part of
     # completion_tokens (openai_chat/convert_usage.py).
     "profile": {"reasoning_field": "reasoning_content", "reasoning_tokens_outside": True}},
    {"id": "mistral", "name": "Mistral", "type": "openai",
     "base_url": "https://api.mistral.ai/v1", "key_url": "https://console.mistral.ai/api-keys",
     "models": ["mistral-large-latest", "devstral-medium-latest", "codestral-latest"],
     "hosts": ["api.mistral.ai"], "profile": {}},
    {"id": "ollama", "name": "Ollama (this computer)", "type": "openai",
     "base_url": "http://127.0.0.1:11434/v1", "key_url": "", "keyless": True, "local_app": "Ollama",
     "models": [], "hosts": [], "ports": [11434],
     "profile": {"reasoning_field": "reasoning"}},
    {"id": "lmstudio", "name": "LM Studio (this computer)", "type": "openai",
     "base_url": "http://127.0.0.1:1234/v1", "key_url": "", "keyless": True, "local_app": "LM Studio",
     "models": [], "hosts": [], "ports": [1234], "profile": {"reasoning_field": "reasoning_content"}},
    {"id": "custom-openai", "name": "Custom (OpenAI-compatible)", "type": "openai",
     "base_url": "", "key_url": "", "models": [], "hosts": [], "profile": {}},
    {"id": "custom-anthropic", "name": "Custom (Anthropic-compatible)", "type": "anthropic",
     "base_url": "", "key_url": "", "models": [], "hosts": [], "profile": {}},
]

_BY_ID = {p["id"]: p for p in PRESETS}


def preset(preset_id: str) -> dict[str, Any] | None:
    return _BY_ID.get(preset_id)


def guess_preset(base_url: str) -> dict[str, Any] | None:
    parts = urlsplit(base_url)
    host = (parts.hostname or "").lower()
    for p in PRESETS:
        if host in p.get("hosts", ()):
            return p
        if parts.port and parts.port in p.get("ports", ()):
            return p
    return None


def profile_for(profile_name: str, base_url: str) -> dict[str, Any]:
    """The quirks for a configured provider, from its named or guessed preset."""
    # A preset of another API type (DeepSeek's OpenAI endpoint while the
    # preset prefers /anthropic) still lends its model quirks: the keys of
    # each API type's converter are disjoint.
    p = preset(profile_name) if profile_name else guess_preset(base_url)
    return dict(p["profile"]) if p else {}
