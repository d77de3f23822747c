"""The import report's words (issue 19): every line of ``switchboard import``'s
report, and the reasons an import refuses, as sentences (server/said.py).
The settings page words them in its language; the CLI prints the English.
Shared by the readers (server/importers) and claude-code-router 2's import
(server/ccr_import), which both import from here.
"""
from __future__ import annotations

from server.said import Said, Words

# The routes an import names itself (claude-code-router 2, cc-switch): in
# the settings page's language when the page sends its words (route_name).
ROUTE_NAMES = Words({
    "import.routeName.ccr": "Imported from claude-code-router",
    "import.routeName.ccswitch": "Imported from cc-switch",
})


def route_name(code: str, names: dict[str, str] | None) -> str:
    """The name of a route the import makes: the page's word for ``code``, else the English."""
    return (names or {}).get(code) or ROUTE_NAMES[code]


# The report's own lines: where each source came from, what was made.
REPORT = Words({
    "import.line.from": "From {source} ({path}):",
    "import.line.fromNoPath": "From {source}:",
    "import.line.providerAdded": "Added provider '{name}' ({type}, {host}, {models}, {key})",
    "import.line.providerUpdated": "Updated provider '{name}' ({type}, {host}, {models}, {key})",
    "import.line.providerUnchanged": "Unchanged provider '{name}' ({type}, {host}, {models}, {key})",
    "import.line.providerAddedAs": "Added provider '{name}' as '{id}' ({type}, {host}, {models}, {key})",
    "import.line.providerUpdatedAs": "Updated provider '{name}' as '{id}' ({type}, {host}, {models}, {key})",
    "import.line.providerUnchangedAs": "Unchanged provider '{name}' as '{id}' ({type}, {host}, {models}, {key})",
    "import.line.models.one": "{count} model",
    "import.line.models.other": "{count} models",
    "import.line.keyNeeded": "needs a key",
    "import.line.keyKeyring": "key in the keyring",
    "import.line.keyNone": "no key",
    "import.line.keyEnv": "key from ${name}",
    "import.line.routeAdded": "Added route '{id}' ({slots})",
    "import.line.routeUpdated": "Updated route '{id}' ({slots})",
    "import.line.routeUnchanged": "Unchanged route '{id}' ({slots})",
    "import.line.active": "Route '{id}' is now the active route",
    "import.line.keptYours": "Left behind: the setup's {section} settings: yours are kept",
    "import.line.needsKey": "Needs a key: provider '{id}': paste it on the settings page (Providers), "
                            "or set api_key to env:NAME in switchboard.json",
})


def key_words(ref: str, needs: bool) -> Said:
    if needs:
        return REPORT("import.line.keyNeeded")
    if ref == "keyring":
        return REPORT("import.line.keyKeyring")
    if not ref:
        return REPORT("import.line.keyNone")
    return REPORT("import.line.keyEnv", name=ref[4:])


def models_words(n: int) -> Said:
    return REPORT("import.line.models.one" if n == 1 else "import.line.models.other", count=n)


def from_line(kind: str, path: str) -> Said:
    return REPORT("import.line.from", source=kind, path=path) if path else REPORT("import.line.fromNoPath", source=kind)


# What a reader left behind, and its notes ("Left behind: …", "Note: …").
LEFT = Words({
    "import.left.ccrAccessKeys": "Left behind: claude-code-router's own access keys ({count}): clients of "
                                 "Switchboard use its local access key (settings page, Claude Code)",
    "import.left.noName": "Left behind: Providers[{index}]: it has no name",
    "import.left.secondProvider": "Left behind: a second provider '{name}': claude-code-router uses the first",
    "import.left.responsesApi": "Left behind: provider '{name}': it uses the OpenAI Responses API, which "
                                "Switchboard does not support yet",
    "import.left.otherApi": "Left behind: provider '{name}': its API ({apis}) is not one Switchboard speaks",
    "import.left.badUrl": "Left behind: provider '{name}': its base URL is missing or not an http(s) URL",
    "import.left.moreKeys.one": "Left behind: {count} more key of provider '{name}': Switchboard keeps one key "
                                "per provider",
    "import.left.moreKeys.other": "Left behind: {count} more keys of provider '{name}': Switchboard keeps one key "
                                  "per provider",
    "import.left.transformer": "Left behind: transformer '{transformer}' of provider '{name}': {instead}",
    "import.left.extraFields": "Left behind: {field} of provider '{name}': add them by hand if the provider needs "
                               "them (headers may hold keys, which never go into switchboard.json)",
    "import.left.fallbackModel": "Left behind: fallback model '{model}': its provider was not imported",
    "import.left.ruleCondition": "Left behind: routing rule '{name}' (a request condition): Switchboard chooses by "
                                 "the kind of request (route slots: think, long context, image, web search, tiers), "
                                 "not by custom rules",
    "import.left.ruleScript": "Left behind: routing rule '{name}' (a Node.js script): Switchboard chooses by the "
                              "kind of request (route slots: think, long context, image, web search, tiers), not "
                              "by custom rules",
    "import.left.codexRoute": "Left behind: the built-in Codex route: Switchboard serves Claude Code and other "
                              "Anthropic-API clients",
    "import.left.agentProfile": "Left behind: agent profile '{name}' ({agent}): Switchboard serves Claude Code and "
                                "other Anthropic-API clients",
    "import.left.agentProfileNoAgent": "Left behind: agent profile '{name}' (no agent): Switchboard serves Claude "
                                       "Code and other Anthropic-API clients",
    "import.left.smallFastModel": "Left behind: smallFastModel '{model}' of profile '{name}': Switchboard uses the "
                                  "haiku slot for Claude Code's background work too (kept haikuModel)",
    "import.left.profileModel": "Left behind: {field} '{model}' of profile '{name}': its provider was not imported",
    "import.left.profileNoMain": "Left behind: profile '{name}': it has no usable main model, so no route was made",
    "import.left.fallbackNoProfile": "Left behind: Router.fallback: there is no Claude Code profile to attach it to",
    "import.left.ccswitchNoModel": "Left behind: the route: cc-switch's current provider '{name}' names no model "
                                   "(ANTHROPIC_MODEL); add a route on the settings page",
    "import.left.failoverNoModel": "Left behind: '{name}' in the failover queue: it names no model",
    "import.left.apiFormat": "Left behind: provider '{name}': its API format '{format}' is not one Switchboard "
                             "speaks",
    "import.left.claudeAccount": "Left behind: provider '{name}': it signs in with a Claude account (no base URL, "
                                 "no key), which Switchboard cannot use",
    "import.left.badBaseUrl": "Left behind: provider '{name}': ANTHROPIC_BASE_URL is not an http(s) URL",
    "import.left.claudeSettings": "Left behind: settings of provider '{name}' for Claude Code itself ({names}): "
                                  "they belong in ~/.claude/settings.json, not in a router",
    "import.left.serverAddress": "Left behind: the setup's server address: Switchboard keeps listening where it "
                                 "does",
    "import.note.noProviders": "Note: claude-code-router has no providers saved",
    "import.note.turnedOff": "Note: provider '{name}' was turned off in claude-code-router; it is imported all "
                             "the same",
    "import.note.retries": "Note: Router.fallback retries: Switchboard retries a failed request itself (up to 2 "
                           "times, then the route's fallback)",
    "import.note.currentLeft": "Note: cc-switch's current provider was left behind (see above), so no route was "
                               "made",
    "import.note.noCurrent": "Note: cc-switch has no current Claude provider, so no route was made",
    "import.note.keyFromVariable": "Note: provider '{id}' of the setup reads its key from the variable {variable}; "
                                   "a shared setup never chooses which of your variables is sent where, so "
                                   "Switchboard asks for the key instead",
})

# What claude-code-router 2's import (config.json, server/ccr_import) did not convert, and its notes.
CCR2 = Words({
    "import.ccr2.noProviders": "Note: the file has no Providers list; nothing to import",
    "import.ccr2.keyNotStored": "Not converted: the key of '{id}': {error}; add it on the settings page, or use "
                                "$VAR in the CCR file and import again",
    "import.ccr2.transformer": "Not converted: transformer '{transformer}' (used by {places}): {instead}",
    "import.ccr2.unsetVariable": "Note: ${variable} is not set in this environment (used in {places})",
    "import.ccr2.notObject": "Not converted: Providers[{index}] is not an object",
    "import.ccr2.noName": "Not converted: Providers[{index}] has no name",
    "import.ccr2.secondProvider": "Not converted: a second provider named '{name}' (Providers[{index}]); CCR uses "
                                  "the first",
    "import.ccr2.noBaseUrl": "Not converted: provider '{name}' has no api_base_url",
    "import.ccr2.badBaseUrl": "Not converted: provider '{name}': api_base_url is not an http(s) URL",
    "import.ccr2.droppedQuery": "Note: provider '{name}': dropped the query string / credentials from api_base_url",
    "import.ccr2.responses": "Note: provider '{name}' uses the OpenAI Responses API; Switchboard uses Chat "
                             "Completions at {url}",
    "import.ccr2.assumedOpenai": "Note: provider '{name}': api_base_url does not end in /chat/completions or "
                                 "/v1/messages; assumed an OpenAI-compatible API at {url}",
    "import.ccr2.modelsNotList": "Note: provider '{name}': models is not a list; imported no models",
    "import.ccr2.modelTransformer": "Not converted: transformer '{transformer}' for model '{model}' of provider "
                                    "'{name}': Switchboard sets the API type and profile per provider, not per model",
    "import.ccr2.typeProfile": "{type}, profile {profile}",
    "import.ccr2.transformerNotObject": "Note: provider '{name}': transformer is not an object; ignored",
    "import.ccr2.keyNotString": "Not converted: the api_key of '{name}' is not a string",
    "import.ccr2.keyUnsetVariable": "Not converted: the api_key of '{name}' (it uses an unset variable); add the "
                                    "key on the settings page",
    "import.ccr2.keyMixed": "Note: the api_key of '{name}' mixes text and variables; its current value went to the "
                            "keyring (later changes to the variables are not seen)",
    "import.ccr2.noRouter": "Not converted: no Router section, so no route was created",
    "import.ccr2.routerNotObject": "Not converted: Router is not an object, so no route was created",
    "import.ccr2.slotNotString": "Not converted: Router.{slot} is not a \"provider,model\" string",
    "import.ccr2.slotForm": "Not converted: Router.{slot} '{value}' is not of the form provider,model",
    "import.ccr2.slotProvider": "Not converted: Router.{slot} names provider '{provider}', which was not imported",
    "import.ccr2.threshold": "Not converted: Router.longContextThreshold is not a positive whole number",
    "import.ccr2.unknownSlot": "Not converted: Router.{slot} (Switchboard has no such route slot)",
    "import.ccr2.noDefault": "Not converted: Router.default is missing or unusable, so no route was created",
    "import.ccr2.APIKEY": "Not converted: APIKEY: CCR's own access key: clients of Switchboard use Switchboard's "
                          "local access key (shown on the settings page)",
    "import.ccr2.PROXY_URL": "Not converted: PROXY_URL: Switchboard has no proxy setting; it honours HTTPS_PROXY / "
                             "HTTP_PROXY in its environment",
    "import.ccr2.CUSTOM_ROUTER_PATH": "Not converted: CUSTOM_ROUTER_PATH: custom JavaScript routers cannot run in "
                                      "Switchboard; use route slots",
    "import.ccr2.API_TIMEOUT_MS": "Not converted: API_TIMEOUT_MS: Switchboard waits up to 10 minutes for a silent "
                                  "upstream",
    "import.ccr2.plugins.one": "Not converted: Transformers ({count} custom transformer plugin): JavaScript plugins "
                               "cannot run in Switchboard",
    "import.ccr2.plugins.other": "Not converted: Transformers ({count} custom transformer plugins): JavaScript "
                                 "plugins cannot run in Switchboard",
    "import.ccr2.samePort": "Note: claude-code-router also listens on port 3456; stop it (ccr stop) before "
                            "starting Switchboard",
})

# What Switchboard does instead of a claude-code-router transformer.
INSTEAD_WORDS = {
    "maxtoken": "Switchboard forwards Claude Code's max_tokens, capped where the provider preset "
                "knows a limit",
    "tooluse": "Switchboard passes tools and tool_choice through as Claude Code sends them",
    "enhancetool": "Switchboard translates tool calls itself; malformed tool arguments are not repaired",
    "reasoning": "Switchboard reads reasoning text per the provider profile (reasoning / "
                 "reasoning_content)",
    "cleancache": "Switchboard drops cache_control for OpenAI-compatible providers unless the "
                  "profile keeps it (OpenRouter)",
    "sampling": "Switchboard forwards Claude Code's temperature / top_p / top_k as the profile allows",
    "streamoptions": "Switchboard asks for usage in the stream itself",
}
INSTEAD = Words({"import.instead." + name: words for name, words in INSTEAD_WORDS.items()}
                | {"import.instead.none": "Switchboard has no equivalent"})


def instead(transformer: str) -> Said:
    code = "import.instead." + transformer
    return INSTEAD(code if code in INSTEAD else "import.instead.none")


# Why an import could not happen (nothing was imported): ImportSourceError,
# ImportFailed (server/importers/model.py) and CCRImportError carry these.
ERRORS = Words({
    "import.error.notSetup": "that file is not a Switchboard setup (made with Export setup)",
    "import.error.nothingFound": "no claude-code-router or cc-switch settings were found any more",
    "import.error.inFile": "{path}: {problem}",
    "import.error.noCcrConfig": "no claude-code-router config at {path}",
    "import.error.cannotRead": "cannot read {path}: {reason}",
    "import.error.notUtf8": "cannot read {path}: it is not UTF-8 text",
    "import.error.ccr3NoAppConfig": "{path} is not a claude-code-router database (it has no app_config table).",
    "import.error.ccr3UnknownVersion": "{path} comes from a claude-code-router version this Switchboard does not "
                                       "know (app_config has no key/value_json columns); nothing was imported. "
                                       "Update Switchboard, then import again.",
    "import.error.ccr3NoSettings": "{path} holds no claude-code-router settings yet (no saved configuration); open "
                                   "claude-code-router, add a provider, then import again.",
    "import.error.ccr3NotJson": "{path}: claude-code-router's saved configuration is not valid JSON; nothing was "
                                "imported. Open claude-code-router to check it.",
    "import.error.ccr3NotObject": "{path}: claude-code-router's saved configuration is not an object; nothing was "
                                  "imported.",
    "import.error.sectionNotObject": "switchboard.json: {section} is not an object; fix it first (nothing was "
                                     "imported)",
    "import.error.invalidResult": "the imported setup would not be a valid switchboard.json ({problem}); nothing "
                                  "was imported",
    "import.error.noFreeProviderId": "cannot find a free provider id for '{name}'; rename it and import again",
    "import.error.noFreeRouteId": "cannot find a free route id for '{name}'",
    "import.error.keyring": "{problem}; keys never go into a file, so nothing was imported. Unlock or set up the "
                            "keyring, then import again",
    "import.error.locked": "{path} is locked by another program ({app} may be saving right now); nothing was "
                           "imported. Try again in a moment, or quit {app} and import again.",
    "import.error.damaged": "{path} is damaged or is not a database; nothing was imported. Open {app} to check its "
                            "settings are still there, then import again (or import one of its backups).",
    "import.error.cannotOpen": "cannot open {path}: check that it exists and that you may read it.",
    "import.error.sqlite": "cannot read {path} ({error}, SQLite code {code}); nothing was imported. Open {app} to "
                           "check the file, then try again.",
    "import.error.noSettingsAt": "{path} holds no claude-code-router or cc-switch settings (config.sqlite, "
                                 "config.json or cc-switch.db)",
    "import.error.nothingAt": "nothing to import at {path}: the file does not exist",
    "import.error.otherDatabase": "{path} is a database, but not one of claude-code-router 3 or cc-switch",
    "import.error.neither": "{path} is neither a claude-code-router or cc-switch database nor a text config (it "
                            "may be damaged); nothing was imported",
    "import.error.newerSetup": "{path} was written by a newer Switchboard (setup version {version}); update "
                               "Switchboard, then import again.",
    "import.error.newerSetupNoPath": "the setup was written by a newer Switchboard (setup version {version}); "
                                     "update Switchboard, then import again.",
    "import.error.setupNotJson": "{path} is not valid JSON (line {line}: {problem})",
    "import.error.notASetup": "{path} is not a Switchboard setup",
    "import.error.newerCcswitch": "{path} comes from a newer cc-switch (database version {version}; this "
                                  "Switchboard knows up to {known}); nothing was imported. Update Switchboard, then "
                                  "import again.",
    "import.error.notCcswitch": "{path} is not a cc-switch database (it has no providers table for apps).",
    "import.error.ccswitchColumns": "{path}: cc-switch's providers table lacks {columns}; nothing was imported. "
                                    "Open cc-switch once so it updates the database.",
    "import.error.notJson5": "the claude-code-router config is not valid JSON5 (line {line}, column {column}: "
                             "{problem})",
    "import.error.topNotObject": "the claude-code-router config must be an object ({ ... }) at the top level",
    "import.error.configSectionNotObject": "the Switchboard config's {section} is not an object; fix it first",
    "import.error.providersNotList": "Providers: must be a list of providers",
    "import.error.mergedInvalid": "the merged config is not valid: {problem}",
    "import.error.noFreeId": "cannot find a free provider id for '{name}'",
})
