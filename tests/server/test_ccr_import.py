"""switchboard import-ccr: claude-code-router config -> providers, one route, keyring."""
from __future__ import annotations

import io
import json
import math
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from server import config as config_mod
from server.ccr_import import CCRImportError, ImportResult, JSON5Error, import_ccr, loads, main
from server.secrets import MemoryKeyring, SecretStore

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "ccr"
README_KEYS = {
    "openrouter": "sk-or-v1-FIXTURE-openrouter-key-0001",
    "deepseek": "sk-FIXTURE-deepseek-key-0002",
    "gemini": "AIzaFIXTURE-gemini-key-0003",
    "volcengine": "FIXTURE-volcengine-key-0004",
    "modelscope": "ms-FIXTURE-modelscope-key-0005",
}
ENV = {
    "ANTHROPIC_API_KEY": "sk-ant-FIXTURE-env-anthropic-0006",
    "GROQ_API_KEY": "gsk_FIXTURE-env-groq-0007",
    "SILICONFLOW_BASE": "https://api.siliconflow.cn",
    "THINK_TARGET": "groq,moonshotai/kimi-k2-instruct",
    "MINE_TOKEN": "FIXTURE-mine-token-0008",
    # GEMINI_API_KEY and SILICONFLOW_API_KEY deliberately unset
}


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def run(name: str, *, environ=None, existing=None, keyring=None, **kw) -> tuple[ImportResult, MemoryKeyring]:
    keyring = keyring if keyring is not None else MemoryKeyring()
    result = import_ccr(fixture_text(name), environ=environ or {}, secrets=SecretStore(keyring, environ={}),
                        existing=existing if existing is not None else {}, **kw)
    return result, keyring


def assert_no_secret(result: ImportResult, secrets: list[str]) -> None:
    dumped = json.dumps(result.config)
    report = "\n".join(map(str, result.report))
    for secret in secrets:
        assert secret not in dumped
        assert secret not in report


# -- the README-shaped config -------------------------------------------------------

def test_readme_config_converts_providers_route_and_keys() -> None:
    result, keyring = run("readme-style.json5")
    cfg = config_mod.parse(result.config)
    p = cfg.providers
    assert set(p) == {"openrouter", "deepseek", "ollama", "gemini", "volcengine", "modelscope"}
    assert (p["openrouter"].type, p["openrouter"].base_url, p["openrouter"].profile) == (
        "openai", "https://openrouter.ai/api/v1", "openrouter")
    assert (p["deepseek"].type, p["deepseek"].base_url, p["deepseek"].profile) == (
        "openai", "https://api.deepseek.com", "deepseek")
    assert (p["ollama"].type, p["ollama"].base_url, p["ollama"].api_key) == (
        "openai", "http://localhost:11434/v1", "")
    assert (p["gemini"].type, p["gemini"].base_url) == ("gemini", "https://generativelanguage.googleapis.com")
    assert p["volcengine"].profile == "deepseek"
    assert p["modelscope"].profile == ""
    assert p["openrouter"].models[-1] == "anthropic/claude-3.7-sonnet:thinking"
    assert p["deepseek"].name == "deepseek"

    route = cfg.route
    assert route is not None and route.id == "ccr" and cfg.active_route == "ccr"
    assert route.targets == {
        "default": ("deepseek/deepseek-chat",),
        "haiku": ("ollama/qwen2.5-coder:latest",),
        "think": ("deepseek/deepseek-reasoner",),
        "long_context": ("openrouter/google/gemini-2.5-pro-preview",),
        "web_search": ("gemini/gemini-2.5-flash",),
        "image": ("openrouter/anthropic/claude-3.5-sonnet",),
    }
    assert route.long_context_threshold == 60000

    # Literal keys moved to the keyring; the config holds only the reference.
    for pid, key in README_KEYS.items():
        assert keyring.get_password("switchboard", pid) == key
        assert result.config["providers"][pid]["api_key"] == "keyring"
    assert keyring.get_password("switchboard", "ollama") is None  # "ollama" is a placeholder
    assert_no_secret(result, list(README_KEYS.values()))


def test_readme_config_reports_unconverted_transformers() -> None:
    result, _ = run("readme-style.json5")
    report = "\n".join(map(str, result.report))
    lines = [line for line in map(str, result.report) if line.startswith("Not converted: transformer")]
    names = {line.split("'")[1] for line in lines}
    assert names == {"tooluse", "maxtoken", "enhancetool", "reasoning"}
    assert "'tooluse' (used by deepseek: deepseek-chat)" in report
    assert "'reasoning' (used by modelscope: Qwen/Qwen3-235B-A22B-Thinking-2507)" in report
    # Converted transformers are not reported as unconverted.
    for handled in ("openrouter", "deepseek", "gemini"):
        assert f"transformer '{handled}'" not in report
    assert "API_TIMEOUT_MS" in report


# -- environment interpolation ---------------------------------------------------------

def test_env_references_are_kept_not_copied() -> None:
    result, keyring = run("env-interpolation.json5", environ=ENV)
    cfg = config_mod.parse(result.config)
    p = cfg.providers
    assert set(p) == {"Anthropic-Direct", "groq", "siliconflow", "gemini", "mine"}
    assert p["Anthropic-Direct"].name == "Anthropic Direct"
    assert p["Anthropic-Direct"].api_key == "env:ANTHROPIC_API_KEY"     # ${VAR}
    assert p["groq"].api_key == "env:GROQ_API_KEY"                       # $VAR
    assert p["gemini"].api_key == "env:GEMINI_API_KEY"                   # unset, still a reference
    assert p["siliconflow"].api_key == "env:SILICONFLOW_API_KEY"
    # Env secrets are never copied into the keyring.
    assert ("switchboard", "groq") not in keyring._data
    assert ("switchboard", "Anthropic-Direct") not in keyring._data
    # A key mixing text and a variable is expanded once and kept in the keyring.
    assert p["mine"].api_key == "keyring"
    assert keyring.get_password("switchboard", "mine") == "Bearer-prefix-FIXTURE-mine-token-0008"
    assert_no_secret(result, [ENV["ANTHROPIC_API_KEY"], ENV["GROQ_API_KEY"], ENV["MINE_TOKEN"]])


def test_env_interpolation_in_urls_and_router() -> None:
    result, _ = run("env-interpolation.json5", environ=ENV)
    cfg = config_mod.parse(result.config)
    p = cfg.providers
    assert (p["Anthropic-Direct"].type, p["Anthropic-Direct"].base_url) == ("anthropic", "https://api.anthropic.com")
    assert (p["groq"].type, p["groq"].base_url, p["groq"].profile) == (
        "openai", "https://api.groq.com/openai/v1", "groq")
    assert p["siliconflow"].base_url == "https://api.siliconflow.cn/v1"   # ${SILICONFLOW_BASE}
    assert cfg.route.targets["default"] == ("Anthropic-Direct/claude-sonnet-4-5",)
    assert cfg.route.targets["haiku"] == ("groq/moonshotai/kimi-k2-instruct",)
    assert cfg.route.targets["think"] == ("groq/moonshotai/kimi-k2-instruct",)  # "$THINK_TARGET"
    assert cfg.route.targets["long_context"] == ("gemini/gemini-2.5-pro",)
    assert "web_search" not in cfg.route.targets
    assert cfg.route.long_context_threshold == 100000                    # "100000" as a string


def test_env_interpolation_report() -> None:
    result, _ = run("env-interpolation.json5", environ=ENV)
    report = "\n".join(map(str, result.report))
    assert "$GEMINI_API_KEY is not set" in report
    assert "$SILICONFLOW_API_KEY is not set" in report
    assert "Router.webSearch names provider 'nowhere'" in report
    assert "transformer 'my-custom-transformer' (used by mine)" in report
    assert "transformer 'cleancache' (used by mine)" in report
    assert "transformer 'maxtoken' (used by siliconflow)" in report
    for top in ("APIKEY", "PROXY_URL", "Transformers (1 custom transformer plugin)"):
        assert f"Not converted: {top}" in report
    assert "mixes text and variables" in report


def test_unset_variable_in_url_skips_the_provider() -> None:
    env = {k: v for k, v in ENV.items() if k != "SILICONFLOW_BASE"}
    result, _ = run("env-interpolation.json5", environ=env)
    assert "siliconflow" not in result.config["providers"]
    report = "\n".join(map(str, result.report))
    assert "provider 'siliconflow': api_base_url is not an http(s) URL" in report
    assert "$SILICONFLOW_BASE is not set" in report
    config_mod.parse(result.config)


def test_unset_variable_inside_a_literal_key_is_not_imported() -> None:
    env = {k: v for k, v in ENV.items() if k != "MINE_TOKEN"}
    result, keyring = run("env-interpolation.json5", environ=env)
    assert result.config["providers"]["mine"]["api_key"] == ""
    assert ("switchboard", "mine") not in keyring._data
    assert "the api_key of 'mine' (it uses an unset variable)" in "\n".join(map(str, result.report))


# -- malformed input ----------------------------------------------------------------------

def test_malformed_file_names_the_line() -> None:
    with pytest.raises(CCRImportError) as info:
        run("malformed.json5")
    message = str(info.value)
    assert "line 6" in message and "not valid JSON5" in message
    assert "FIXTURE-malformed" not in message


@pytest.mark.parametrize("text, line", [
    ('{\n  "a": "unterminated\n}', 2),
    ("{\n  /* never closed\n", 2),
    ("{\n  a: 1,\n  b: [1, 2\n", 3),
    ("{\n  a: 1,\n  b: nope,\n}", 3),
    ("{\n  'a' 1\n}", 2),
    ("{\n}\n}", 3),
    ("", 1),
])
def test_json5_errors_name_the_line(text: str, line: int) -> None:
    with pytest.raises(JSON5Error) as info:
        loads(text)
    assert info.value.line == line
    assert f"line {line}," in str(info.value)


def test_not_an_object_is_a_clear_error() -> None:
    with pytest.raises(CCRImportError, match="object"):
        import_ccr("[1, 2]", environ={}, secrets=SecretStore(MemoryKeyring()), existing={})
    with pytest.raises(CCRImportError, match="Providers"):
        import_ccr("{Providers: 'x'}", environ={}, secrets=SecretStore(MemoryKeyring()), existing={})


# -- JSON5 reader -----------------------------------------------------------------------------

def test_json5_subset() -> None:
    text = """
    // comment
    {
      unquoted: 'single \\'quoted\\'',
      "double": "tab\\there \\u00e9 \\x41 \\/ \\
continued",
      $dollar_key: [1, -2, +3, 0x1F, .5, 5., 1e3, -Infinity, NaN, true, false, null,],
      nested: { /* inline */ a: {}, b: [], },
      'emoji': "\\ud83d\\ude00",
    }
    """
    data = loads(text)
    assert data["unquoted"] == "single 'quoted'"
    assert data["double"] == "tab\there é A / continued"
    nums = data["$dollar_key"]
    assert nums[:7] == [1, -2, 3, 31, 0.5, 5.0, 1000.0]
    assert nums[7] == -math.inf and math.isnan(nums[8])
    assert nums[9:] == [True, False, None]
    assert data["nested"] == {"a": {}, "b": []}
    assert data["emoji"] == "\U0001F600"


def test_json5_rejects_what_json5_rejects() -> None:
    for bad in ("[01]", "{a b: 1}", "[1,,2]", "{,}", "[truex]", "'\\1'"):
        with pytest.raises(JSON5Error):
            loads(bad)


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(_json_values, st.sampled_from([None, 2]), st.booleans())
def test_plain_json_parses_like_json_loads(value, indent, ascii_only) -> None:
    text = json.dumps(value, indent=indent, ensure_ascii=ascii_only)
    assert loads(text) == json.loads(text)


# -- merging into an existing Switchboard config -------------------------------------------------

EXISTING = {
    "server": {"port": 4000},
    "providers": {
        "openrouter": {"type": "openai", "base_url": "https://openrouter.ai/api/v1",
                       "api_key": "keyring", "models": ["x-ai/grok-4"], "custom_field": 1},
        "local": {"type": "openai", "base_url": "http://127.0.0.1:8080/v1", "api_key": ""},
    },
    "routes": {"mine": {"name": "Mine", "default": "local/qwen"}},
    "active_route": "mine",
}


def test_merge_keeps_existing_and_suffixes_clashes() -> None:
    keyring = MemoryKeyring()
    keyring.set_password("switchboard", "openrouter", "users-own-key")
    result, _ = run("readme-style.json5", existing=json.loads(json.dumps(EXISTING)), keyring=keyring)
    cfg = config_mod.parse(result.config)
    assert result.config["providers"]["openrouter"] == EXISTING["providers"]["openrouter"]
    assert result.config["providers"]["local"] == EXISTING["providers"]["local"]
    assert result.config["server"] == {"port": 4000}
    assert result.config["routes"]["mine"] == EXISTING["routes"]["mine"]
    assert cfg.providers["openrouter-ccr"].profile == "openrouter"
    assert result.providers["openrouter"] == "openrouter-ccr"
    assert keyring.get_password("switchboard", "openrouter") == "users-own-key"
    assert keyring.get_password("switchboard", "openrouter-ccr") == README_KEYS["openrouter"]
    assert cfg.route.targets["long_context"] == ("openrouter-ccr/google/gemini-2.5-pro-preview",)
    assert cfg.active_route == "ccr"
    assert "Added provider 'openrouter' as 'openrouter-ccr'" in "\n".join(map(str, result.report))


def test_no_activate_keeps_the_active_route() -> None:
    result, _ = run("readme-style.json5", existing=json.loads(json.dumps(EXISTING)), activate=False)
    assert result.config["active_route"] == "mine"
    assert "ccr" in config_mod.parse(result.config).routes


def test_reimport_replaces_its_own_entries() -> None:
    first, keyring = run("readme-style.json5", existing=json.loads(json.dumps(EXISTING)))
    second, _ = run("readme-style.json5", existing=first.config, keyring=keyring)
    assert second.config == first.config  # same ids, no -ccr-2 duplicates, no ccr-2 route
    assert any(line.startswith("Updated provider 'deepseek'") for line in map(str, second.report))
    assert any(line.startswith("Updated route 'ccr'") for line in map(str, second.report))


def test_route_id_clash_with_a_users_route() -> None:
    existing = {"providers": {"local": {"type": "openai", "base_url": "http://127.0.0.1:8080/v1"}},
                "routes": {"ccr": {"default": "local/qwen"}}}
    result, _ = run("readme-style.json5", existing=existing)
    assert result.config["routes"]["ccr"] == {"default": "local/qwen"}
    assert result.route_id == "ccr-2" and result.config["active_route"] == "ccr-2"


def test_name_sanitising_and_duplicates() -> None:
    text = """{
      Providers: [
        {name: "My Provider (EU)!", api_base_url: "https://eu.example.com/v1/chat/completions", api_key: "", models: ["m"]},
        {name: "my provider (eu)?", api_base_url: "https://eu2.example.com/v1/chat/completions", models: ["m"]},
        {name: "My Provider (EU)!", api_base_url: "https://dup.example.com/v1/chat/completions", models: ["m"]},
        {name: "x".repeat, api_base_url: "https://a.example.com/chat/completions"},
      ],
      Router: {default: "my provider (eu)?,m", background: "My Provider (EU)!,m"},
    }""".replace('"x".repeat', '"' + "x" * 80 + '"')
    result = import_ccr(text, environ={}, secrets=SecretStore(MemoryKeyring()), existing={})
    cfg = config_mod.parse(result.config)
    assert set(cfg.providers) == {"My-Provider-EU", "my-provider-eu", "x" * 64}
    assert cfg.providers["My-Provider-EU"].api_key == ""
    assert cfg.route.targets["default"] == ("my-provider-eu/m",)
    assert cfg.route.targets["haiku"] == ("My-Provider-EU/m",)
    assert "a second provider named 'My Provider (EU)!'" in "\n".join(map(str, result.report))


def test_urls_types_and_odd_inputs() -> None:
    text = """{
      Providers: [
        {name: "ds-anthropic", api_base_url: "https://api.deepseek.com/anthropic/v1/messages", api_key: "k1"},
        {name: "claude-via-transformer", api_base_url: "https://proxy.example.com/anthropic", api_key: "k2",
         transformer: {use: ["anthropic"]}},
        {name: "gemini-proxy", api_base_url: "https://gproxy.example.com/v1beta/models/", api_key: "k3",
         transformer: {use: ["gemini"], "gemini-2.5-pro": {use: ["deepseek"]}}},
        {name: "bare", api_base_url: "https://bare.example.com/v1/", api_key: "k4"},
        {name: "q", api_base_url: "https://q.example.com/v1/chat/completions?key=SECRETQUERY", api_key: "k5"},
        {name: "lmstudio", api_base_url: "http://127.0.0.1:1234/v1/chat/completions", api_key: "lm-studio"},
        {name: "no-url", api_key: "k6"},
        {name: "ftp", api_base_url: "ftp://example.com/x"},
        "not an object",
        {api_base_url: "https://nameless.example.com/chat/completions"},
      ],
      Router: {default: "ds-anthropic,deepseek-chat", think: 42, image: "bare", customSlot: "x,y",
               longContextThreshold: -1},
    }"""
    keyring = MemoryKeyring()
    result = import_ccr(text, environ={}, secrets=SecretStore(keyring), existing={})
    cfg = config_mod.parse(result.config)
    p = cfg.providers
    assert (p["ds-anthropic"].type, p["ds-anthropic"].base_url) == ("anthropic", "https://api.deepseek.com/anthropic")
    assert (p["claude-via-transformer"].type, p["claude-via-transformer"].base_url) == (
        "anthropic", "https://proxy.example.com/anthropic")
    assert (p["gemini-proxy"].type, p["gemini-proxy"].base_url) == ("gemini", "https://gproxy.example.com/v1beta")
    assert (p["bare"].type, p["bare"].base_url) == ("openai", "https://bare.example.com/v1")
    assert p["q"].base_url == "https://q.example.com/v1"
    assert p["lmstudio"].api_key == ""
    assert set(p) == {"ds-anthropic", "claude-via-transformer", "gemini-proxy", "bare", "q", "lmstudio"}
    assert cfg.route.targets == {"default": ("ds-anthropic/deepseek-chat",)}
    report = "\n".join(map(str, result.report))
    assert "SECRETQUERY" not in report and "SECRETQUERY" not in json.dumps(result.config)
    for expected in ("provider 'no-url' has no api_base_url", "provider 'ftp': api_base_url is not",
                     "Providers[8] is not an object", "Providers[9] has no name",
                     "Router.think is not", "Router.image 'bare' is not of the form",
                     "Router.customSlot", "longContextThreshold is not a positive",
                     "transformer 'deepseek' for model 'gemini-2.5-pro'",
                     "provider 'bare': api_base_url does not end in"):
        assert expected in report, expected


def test_without_router_default_no_route_is_created() -> None:
    text = "{Providers: [{name: 'a', api_base_url: 'https://a.example.com/v1/chat/completions', api_key: 'ka'}]," \
           " Router: {background: 'a,m'}}"
    result = import_ccr(text, environ={}, secrets=SecretStore(MemoryKeyring()), existing={})
    assert result.route_id is None and result.config["routes"] == {}
    assert "Router.default is missing" in "\n".join(map(str, result.report))
    config_mod.parse(result.config)


class BrokenKeyring(MemoryKeyring):
    def set_password(self, service: str, username: str, password: str) -> None:
        raise type("NoKeyringError", (RuntimeError,), {})("no backend")


def test_keyring_unavailable_imports_without_the_key() -> None:
    result, _ = run("readme-style.json5", keyring=BrokenKeyring())
    cfg = config_mod.parse(result.config)
    assert cfg.providers["deepseek"].api_key == ""
    assert cfg.providers["ollama"].api_key == ""
    report = "\n".join(map(str, result.report))
    assert "Not converted: the key of 'deepseek'" in report and "no keyring backend" in report
    assert_no_secret(result, list(README_KEYS.values()))


def test_invalid_existing_config_is_not_clobbered() -> None:
    with pytest.raises(CCRImportError, match="merged config is not valid"):
        run("readme-style.json5", existing={"providers": {"bad": {"type": "nope"}}})
    with pytest.raises(CCRImportError, match="providers is not an object"):
        run("readme-style.json5", existing={"providers": []})


# -- the command line ------------------------------------------------------------------------------

@pytest.fixture
def ccr_file(tmp_path: Path) -> Path:
    path = tmp_path / ".claude-code-router" / "config.json"
    path.parent.mkdir()
    shutil.copy(FIXTURES / "readme-style.json5", path)
    os.utime(path, (1_600_000_000, 1_600_000_000))
    return path


def run_cli(argv: list[str], keyring: MemoryKeyring, environ=None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, environ=environ or {}, secrets=SecretStore(keyring, environ={}), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_cli_imports_saves_and_leaves_ccr_file_alone(ccr_file: Path, tmp_path: Path) -> None:
    before = ccr_file.read_bytes()
    mtime = ccr_file.stat().st_mtime_ns
    target = tmp_path / "sb" / "switchboard.json"
    keyring = MemoryKeyring()
    code, out, err = run_cli([str(ccr_file), "--config", str(target)], keyring)
    assert code == 0, err
    assert ccr_file.read_bytes() == before and ccr_file.stat().st_mtime_ns == mtime
    assert list(ccr_file.parent.iterdir()) == [ccr_file]
    cfg = config_mod.load(target)
    assert cfg.active_route == "ccr" and cfg.providers["gemini"].type == "gemini"
    assert keyring.get_password("switchboard", "deepseek") == README_KEYS["deepseek"]
    saved = target.read_text()
    for key in README_KEYS.values():
        assert key not in out and key not in err and key not in saved
    assert "Added provider 'deepseek'" in out and f"Saved {target}" in out


def test_cli_default_path_and_switchboard_home(ccr_file: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("USERPROFILE", str(tmp_path))
    env = {"SWITCHBOARD_HOME": str(tmp_path / "home")}
    code, out, err = run_cli([], MemoryKeyring(), environ=env)
    assert code == 0, err
    assert (tmp_path / "home" / "switchboard.json").is_file()


def test_cli_dry_run_writes_nothing(ccr_file: Path, tmp_path: Path) -> None:
    target = tmp_path / "switchboard.json"
    keyring = MemoryKeyring()
    code, out, _ = run_cli([str(ccr_file), "--config", str(target), "--dry-run"], keyring)
    assert code == 0 and "Dry run" in out and "Added route 'ccr'" in out
    assert not target.exists() and keyring._data == {}


def test_cli_merges_into_existing_file(ccr_file: Path, tmp_path: Path) -> None:
    target = tmp_path / "switchboard.json"
    target.write_text(json.dumps(EXISTING))
    code, _, err = run_cli([str(ccr_file), "--config", str(target), "--no-activate"], MemoryKeyring())
    assert code == 0, err
    data = json.loads(target.read_text())
    assert data["active_route"] == "mine" and "openrouter-ccr" in data["providers"]
    assert data["providers"]["openrouter"] == EXISTING["providers"]["openrouter"]


def test_cli_errors(tmp_path: Path) -> None:
    target = tmp_path / "switchboard.json"
    code, _, err = run_cli([str(tmp_path / "missing.json"), "--config", str(target)], MemoryKeyring())
    assert code == 1 and "no claude-code-router config at" in err

    bad = tmp_path / "bad.json"
    shutil.copy(FIXTURES / "malformed.json5", bad)
    code, out, err = run_cli([str(bad), "--config", str(target)], MemoryKeyring())
    assert code == 1 and "line 6" in err and str(bad) in err
    assert "FIXTURE-malformed" not in out + err and not target.exists()

    target.write_text("{not json")
    good = tmp_path / "good.json"
    shutil.copy(FIXTURES / "readme-style.json5", good)
    keyring = MemoryKeyring()
    code, _, err = run_cli([str(good), "--config", str(target)], keyring)
    assert code == 1 and "nothing was imported" in err
    assert target.read_text() == "{not json" and keyring._data == {}
