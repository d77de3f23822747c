// Switchboard settings page. No framework, no build step, works offline.
// The DOM is built with textContent only (never innerHTML with data), so a
// model name or provider message can never inject markup. All words come
// from strings.js through t().
//
// One file per screen, loaded in order with `defer` (see index.html), all
// sharing one namespace object, window.Switchboard:
//   core.js       words, DOM helpers, api(), state, navigation, dialogs, toasts, start-up
//   providers.js  routes.js  network.js  claude.js  activity.js  setup.js
"use strict";
(function () {
  // ---- words ---------------------------------------------------------------
  // The language: the person's choice (the config's "language", applied by
  // setLanguage once the state is read), else the browser's list (the
  // Accept-Language languages); "zh", "zh-Hans" and "zh-SG" read zh-CN,
  // "zh-Hant", "zh-HK" and "zh-MO" read zh-TW (Traditional characters).
  // WORDS is English with the language's words on top, so a partial
  // catalogue falls back to English string by string.
  const ALL = window.SWITCHBOARD_STRINGS || { en: {} };
  function matchLanguage(tag) {
    if (!tag) return null;
    if (ALL[tag]) return tag;
    const lower = String(tag).toLowerCase();
    const exact = Object.keys(ALL).find((l) => l.toLowerCase() === lower);
    if (exact) return exact;
    if (/^zh(-hans)?(-(cn|sg))?$/.test(lower) && ALL["zh-CN"]) return "zh-CN";
    if (/^zh-(hant(-\w+)?|tw|hk|mo)$/.test(lower) && ALL["zh-TW"]) return "zh-TW";
    const base = lower.split("-")[0];
    return Object.keys(ALL).find((l) => l.toLowerCase() === base) || null;
  }
  function browserLanguage() {
    for (const l of navigator.languages || [navigator.language || "en"]) {
      const m = matchLanguage(l);
      if (m) return m;
    }
    return "en";
  }
  let LANG = "en";
  const WORDS = {};
  let plurals = null;
  function setLanguage(choice) {
    LANG = matchLanguage(choice) || browserLanguage();
    for (const k of Object.keys(WORDS)) delete WORDS[k];
    Object.assign(WORDS, ALL.en, ALL[LANG]);
    try { plurals = new Intl.PluralRules(LANG); } catch (e) { plurals = null; }
    document.documentElement.lang = LANG;
    return LANG;
  }
  setLanguage("");

  function has(key) { return Object.prototype.hasOwnProperty.call(WORDS, key); }
  // A value {"one": …, "other": …} is chosen by the {count} (or {n}) given.
  function pluralForm(forms, params) {
    const raw = params && (params.count !== undefined ? params.count : params.n);
    const n = typeof raw === "number" ? raw : Number(String(raw === undefined ? "" : raw).replace(/[^\d.]/g, ""));
    const cat = plurals && Number.isFinite(n) ? plurals.select(n) : "other";
    return forms[cat] || forms.other || Object.values(forms)[0] || "";
  }
  function t(key, params) {
    let s = has(key) ? WORDS[key] : (ALL.en[key] !== undefined ? ALL.en[key] : key);
    if (s && typeof s === "object") s = pluralForm(s, params);
    if (params) s = s.replace(/\{(\w+)\}/g, (m, k) => (params[k] !== undefined && params[k] !== null ? String(params[k]) : m));
    return s;
  }

  // ---- DOM helpers -----------------------------------------------------------
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
      else if (k === "class") el.className = v;
      else if (k === "text") el.textContent = v;
      else if (k === "value") el.value = v;
      else if (k === "checked") el.checked = !!v;
      else el.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children.flat(Infinity)) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }
  let uid = 0;
  const nextId = (p) => `${p}-${++uid}`;
  function field(labelText, control, hint) {
    if (!control.id) control.id = nextId("f");
    const hintEl = hint ? h("p", { class: "hint", id: nextId("hint") }, hint) : null;
    if (hintEl) control.setAttribute("aria-describedby", hintEl.id);
    return h("div", { class: "field" }, h("label", { for: control.id, text: labelText }), control, hintEl);
  }
  const main = () => document.getElementById("main");

  function toast(message) {
    const el = document.getElementById("toast");
    el.textContent = message;
    el.classList.add("show");
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => el.classList.remove("show"), 3500);
  }

  async function copyText(text, button) {
    let ok = false;
    try { await navigator.clipboard.writeText(text); ok = true; } catch (e) { ok = false; }
    if (!ok) toast(t("common.copyFailed"));
    else {
      const old = button.textContent;
      button.textContent = t("common.copied");
      toast(t("common.copied"));
      setTimeout(() => { button.textContent = old; }, 1500);
    }
  }

  // ---- API -----------------------------------------------------------------------
  class ApiError extends Error {
    constructor(message, data) { super(message); this.data = data; }
  }
  function errorText(data) {
    const e = data && data.error;
    if (!e) return t("error.generic");
    const d = e.details || {};
    if (d.code && has("error." + d.code)) {
      const params = Object.assign({ detail: "" }, d.params || {});
      if (d.said) params.detail = said(d.said, params.detail);  // the detail as a sentence (server/said.py)
      if (d.field) params.field = has("slot." + d.field) ? t("slot." + d.field)
        : has("netfield." + d.field) ? t("netfield." + d.field) : d.field;
      return t("error." + d.code, params).replace(/:\s*$/, "");
    }
    // No code: the server's own English (an address it does not know, an
    // internal error). A page in another language says it in its own words.
    return (LANG === "en" && e.message) || t("error.generic");
  }
  // The page secret from the login link (see server/settings_page/auth.py):
  // kept in sessionStorage (this origin and this tab only, unlike the cookie)
  // and sent with every API call.
  const SESSION_KEY = "switchboard.session";
  const SESSION_HEADER = "X-Switchboard-Session";
  function sessionSecret() {
    try { return sessionStorage.getItem(SESSION_KEY) || ""; } catch (e) { return ""; }
  }
  async function api(method, path, body) {
    const opts = { method, credentials: "same-origin", cache: "no-store", headers: { [SESSION_HEADER]: sessionSecret() } };
    if (body !== undefined) {
      opts.headers["content-type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    let res;
    try { res = await fetch("api/" + path, opts); } catch (e) { throw new ApiError(t("error.network"), null); }
    let data = null;
    try { data = await res.json(); } catch (e) { data = null; }
    if (res.status === 401) { signedOut(); throw new ApiError(t("error.no_session"), data); }
    if (!res.ok) {
      const code = data && data.error && data.error.details && data.error.details.code;
      if (code === "no_such_provider" || code === "no_such_route") refresh();
      throw new ApiError(errorText(data), data);
    }
    return data;
  }
  function signedOut() {
    // The one signed-out page says how to open Settings again.
    try { sessionStorage.removeItem(SESSION_KEY); } catch (e) { /* storage disabled */ }
    location.replace("/settings/signed-out");
  }
  function problemText(r) { return t("problem." + (r.problem || "unknown"), r.params || {}); }
  // The page's words for the routes an import names itself (server/import_words.py
  // ROUTE_NAMES, whose codes reach the page through server-words.js).
  function importRouteNames() {
    const names = {};
    for (const code of Object.keys(ALL.en)) if (code.startsWith("import.routeName.")) names[code] = t(code);
    return names;
  }
  // A failed change: its problem, and why (the server's sentence, or an OS error's own words).
  function problemWithDetail(r) {
    const text = problemText(r);
    return r.detail ? t("common.withDetail", { text, detail: said(r.said_detail, r.detail) }) : text;
  }
  // A sentence the server words itself (server/said.py: {code, params, text}):
  // its code from the catalogue, numbers written the page language's way;
  // else its English text (`english`, for one kept from an older version).
  // A param may be a sentence itself ("3 models"); a sentence may be followed
  // by another ("then"); a full-width stop needs no space after it.
  function said(s, english) {
    if (s && s.code && has(s.code)) {
      const params = {};
      for (const [k, v] of Object.entries(s.params || {})) {
        params[k] = typeof v === "number" ? v.toLocaleString(LANG) : v && typeof v === "object" ? said(v) : v;
      }
      const first = t(s.code, params);
      if (!s.then) return first;
      return first + (/[。！？：；）]$/.test(first) ? "" : " ") + said(s.then);
    }
    return english !== undefined ? english : (s && s.text) || "";
  }

  // ---- state and navigation ------------------------------------------------------
  let state = null;
  let view = null;
  let setupDismissed = false;
  let activityTimer = null;

  async function refresh() {
    state = await api("GET", "state");
    presetNames();
    renderPill();
    return state;
  }
  // The services' names in the page's language where the catalogue has one.
  function presetNames() {
    for (const p of (state && state.presets) || []) {
      if (p.server_name === undefined) p.server_name = p.name;
      p.name = has("preset." + p.id) ? t("preset." + p.id) : p.server_name;
    }
  }
  function renderPill() {
    const pill = document.getElementById("route-pill");
    const route = state && state.routes.find((r) => r.id === state.active_route);
    pill.textContent = route ? t("status.active", { name: route.name }) : t("status.none");
  }
  function providerName(id) {
    const p = state.providers.find((x) => x.id === id);
    return p ? p.name : id;
  }
  function targetLabel(target) {
    const i = target.indexOf("/");
    return i < 0 ? target : `${providerName(target.slice(0, i))} · ${target.slice(i + 1)}`;
  }

  // Each screen's file registers its render function here (providers.js, routes.js, ...).
  const VIEWS = {};
  // The screens' files load after this one (defer, in order); draw only once they all have.
  // A deferred script runs while readyState is already "interactive" but before
  // DOMContentLoaded, so readyState alone cannot tell "the others are in".
  const loaded = new Promise((resolve) => {
    if (document.readyState === "complete") resolve();
    else document.addEventListener("DOMContentLoaded", resolve, { once: true });
  });

  function currentView() {
    const name = location.hash.replace("#", "");
    if (VIEWS[name]) return name;
    return state && state.providers.length === 0 && !setupDismissed ? "setup" : "providers";
  }
  async function show(name, opts) {
    await loaded;
    startLive();
    view = name || currentView();
    clearInterval(activityTimer);
    document.body.classList.toggle("setup-mode", view === "setup");
    for (const a of document.querySelectorAll("#nav a")) {
      if (a.dataset.view === view) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    }
    await VIEWS[view](opts || {});
    document.title = `${t("nav." + view)} · ${t("app.title")}`;
  }
  function focusMain() { main().focus({ preventScroll: false }); }

  function head(titleKey, introKey, action) {
    return h("div", { class: "view-head" },
      h("div", null, h("h1", { text: t(titleKey) }), introKey ? h("p", { text: t(introKey) }) : null),
      action || null);
  }
  function banners() {
    const out = [];
    if (state.config_error) out.push(h("p", { class: "banner", role: "alert", text: t("providers.configError", { detail: state.config_error }) }));
    if (state.keyring_problem) out.push(h("p", { class: "banner", role: "alert", text: t("providers.keyringProblem", { detail: said(state.keyring_said, state.keyring_problem) }) }));
    if (state.exposed_host) out.push(h("p", { class: "banner", role: "alert", id: "exposed-banner", text: t("banner.exposed", { host: state.exposed_host }) }));
    return out;
  }

  // ---- test results ------------------------------------------------------------------
  // The network path of a test ("direct", "via proxy http://…") is a connection,
  // not one of the app's routes: it is worded "Connection: …".
  function pathText(path) {
    if (path === "direct") return t("test.pathDirect");
    const m = /^via proxy (.+)$/.exec(path || "");
    return m ? t("test.pathProxy", { proxy: m[1] }) : t("test.path", { path });
  }
  function renderResult(el, r) {
    el.replaceChildren();
    el.className = "result " + (r.ok ? "ok" : "bad");
    if (r.ok) {
      el.append(h("span", { text: "✓ " + t("test.ok", { model: r.model, ttft: r.ttft_ms, total: r.total_ms }) }));
      if (r.path) el.append(" ", h("span", { class: "muted", text: pathText(r.path) }));
    } else {
      el.append(h("strong", { text: "✗ " + problemText(r) }));
      if (r.path) el.append(" ", h("span", { class: "muted", text: pathText(r.path) }));
      if (r.detail) el.append(h("details", null, h("summary", { text: t("common.details") }), h("span", { class: "mono", text: r.detail })));
    }
    reveal(el);
  }
  // A request that failed before any answer (Switchboard gone, a refused
  // field): its sentence is the message itself, shown at once.
  function errorResult(el, e) {
    el.replaceChildren(h("strong", { text: "✗ " + e.message }));
    el.className = "result bad";
    reveal(el);
  }
  // Bring a result into view, also inside a scrolling dialog.
  function reveal(el) {
    if (el.isConnected && el.scrollIntoView) el.scrollIntoView({ block: "nearest" });
  }
  // The server's answer when a saved key would go to a new address.
  function isKeyNeeded(e) {
    const d = e && e.data && e.data.error && e.data.error.details;
    return !!(d && d.code === "key_needed");
  }
  function busy(el, text) { el.className = "result busy"; el.replaceChildren(text); }


  function presetById(id) { return state.presets.find((p) => p.id === id); }

  function openDialog(build) {
    const dlg = document.getElementById("dialog");
    dlg.replaceChildren(build(() => dlg.close()));
    if (!dlg.open) dlg.showModal();
    const first = dlg.querySelector("input:not([type=hidden]):not([readonly]), select, textarea");
    if (first) first.focus();
    return dlg;
  }

  // A question in the page's own dialog (never the browser's confirm()).
  // Resolves true when the person chose `confirm`, false otherwise (also Escape).
  function confirmDialog({ title, body, confirm, danger, cancel }) {
    return new Promise((resolve) => {
      let answer = false;
      const dlg = openDialog((close) => h("form", { method: "dialog", class: "confirm", onsubmit: (ev) => { ev.preventDefault(); answer = true; close(); } },
        h("div", { class: "dialog-head" }, h("h2", { id: "dialog-title", text: title })),
        h("div", { class: "dialog-body" }, [].concat(body || []).map((line) => h("p", { text: line }))),
        h("div", { class: "dialog-foot" },
          h("button", { type: "button", id: "dialog-cancel", text: cancel || t("common.cancel"), onclick: close }),
          confirm ? h("button", { type: "submit", id: "dialog-confirm", class: danger ? "primary danger-solid" : "primary", text: confirm }) : null)));
      (dlg.querySelector("#dialog-cancel") || dlg).focus();
      dlg.addEventListener("close", () => resolve(answer), { once: true });
    });
  }

  // ---- live: the page follows changes made elsewhere (tray, another tab, a file) -----
  // A server-sent-events stream says what changed; if it cannot be used, a
  // short poll of the same facts. On a change the page re-fetches the state
  // and redraws the current screen (only screens that show, not edit: a half-
  // typed form is never wiped).
  const LIVE_VIEWS = { config: ["providers", "routes", "claude", "activity", "setup", "sessions"],
                       activity: ["activity", "sessions"], claude: ["claude", "setup"], sessions: ["sessions"],
                       claude_code: ["claude", "setup"], claude_code_moved: ["claude", "setup"], address: ["claude"] };
  const live = { started: false, source: null, pollTimer: null, last: null, queued: new Set(), timer: null, offline: false };
  function startLive() {
    if (live.started) return;
    live.started = true;
    readStream().catch(() => poll());
  }
  // The stream is read with fetch (not EventSource) so it carries the page
  // secret header like every other API call.
  async function readStream() {
    const r = await fetch("api/events", { credentials: "same-origin", cache: "no-store",
      headers: { [SESSION_HEADER]: sessionSecret(), accept: "text/event-stream" } });
    if (!r.ok || !r.body) { poll(); return; }
    setOffline(false);
    live.source = r;
    const reader = r.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let name = "message", data = "";
        for (const line of frame.split("\n")) {
          if (line.startsWith("event:")) name = line.slice(6).trim();
          else if (line.startsWith("data:")) data += line.slice(5).trim();
        }
        if (name !== "change") continue;
        let what = "config";
        try { what = JSON.parse(data).what || "config"; } catch (e) { what = "config"; }
        queueUpdate(what);
      }
    }
    // The stream ended (Switchboard stopped, or the connection broke): the
    // poll tells the person and keeps the page up to date.
    live.source = null;
    poll();
  }
  async function poll() {
    clearTimeout(live.pollTimer);
    try {
      const c = await api("GET", "changes");
      const was = live.offline;
      setOffline(false);
      const last = live.last;
      if (last && (was || c.version !== last.version)) queueUpdate("config");
      if (last && (was || JSON.stringify(c.activity) !== JSON.stringify(last.activity))) queueUpdate("activity");
      if (last && (was || c.claude_connected !== last.claude_connected)) queueUpdate("claude");
      live.last = c;
    } catch (e) {
      if (e.data === null && e.message === t("error.network")) setOffline(true);
      else if (e.message === t("error.no_session")) return;
    }
    live.pollTimer = setTimeout(poll, 1000);
  }
  function setOffline(on) {
    live.offline = on;
    const el = document.getElementById("offline");
    if (!el) return;
    el.textContent = on ? t("error.network") + " " + t("error.networkNext") : "";
    el.hidden = !on;
  }
  function queueUpdate(what) {
    live.queued.add(what);
    clearTimeout(live.timer);
    live.timer = setTimeout(runUpdates, 100);
  }
  async function runUpdates() {
    const whats = Array.from(live.queued);
    live.queued.clear();
    let redraw = false;
    if (whats.includes("config") || whats.some((w) => !LIVE_VIEWS[w])) {
      const before = JSON.stringify(state);
      try { await refresh(); } catch (e) { return; }
      redraw = JSON.stringify(state) !== before && LIVE_VIEWS.config.includes(view);
      // The language chosen in another tab: the whole page follows at once.
      if ((matchLanguage(state.language) || browserLanguage()) !== LANG) { applyLanguage(); redraw = true; }
      const menu = document.getElementById("language");
      if (menu && menu.value !== (state.language || "")) menu.value = state.language || "";
    }
    for (const w of whats) if (LIVE_VIEWS[w] && w !== "config" && LIVE_VIEWS[w].includes(view)) redraw = true;
    if (!redraw || !VIEWS[view]) return;
    const focused = document.activeElement;
    const key = focused && main().contains(focused) && (focused.id || focused.getAttribute("aria-label"));
    try { await VIEWS[view]({ live: true, what: whats }); } catch (e) { return; }
    if (key) {
      const again = document.getElementById(key) || Array.from(main().querySelectorAll("[aria-label]")).find((x) => x.getAttribute("aria-label") === key);
      if (again) again.focus({ preventScroll: true });
    }
  }

  // ---- the namespace the screens' files share ------------------------------------------
  const SB = window.Switchboard = window.Switchboard || {};
  // Only what the screens' files (and the browser tests: t, setLanguage) use.
  Object.assign(SB, { WORDS, has, t, said, problemWithDetail, importRouteNames, setLanguage, h, nextId, field, main, toast, copyText, api, problemText, refresh,
    providerName, targetLabel, VIEWS, show, focusMain, head, banners, renderResult, errorResult, reveal, isKeyNeeded,
    busy, presetById, openDialog, confirmDialog });
  Object.defineProperty(SB, "state", { get: () => state, set: (v) => { state = v; } });
  Object.defineProperty(SB, "view", { get: () => view });
  Object.defineProperty(SB, "LANG", { get: () => LANG });
  Object.defineProperty(SB, "setupDismissed", { get: () => setupDismissed, set: (v) => { setupDismissed = v; } });
  Object.defineProperty(SB, "activityTimer", { get: () => activityTimer, set: (v) => { activityTimer = v; } });

  // ---- start -----------------------------------------------------------------------------------
  function translateStatic() {
    for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
    for (const el of document.querySelectorAll("[data-i18n-label]")) el.setAttribute("aria-label", t(el.dataset.i18nLabel));
    document.title = t("app.title");
    languageMenu();
  }
  // The language menu in the top bar: "same as the browser" or one language,
  // each named in its own language; the choice is saved in the config.
  const LANGUAGES = ["en", "zh-CN", "zh-TW"];
  function languageMenu() {
    const box = document.getElementById("language-box");
    if (!box) return;
    const chosen = (state && state.language) || "";
    const select = h("select", { id: "language", "aria-label": t("lang.label"), onchange: (ev) => chooseLanguage(ev.target.value) },
      h("option", { value: "", text: t("lang.auto") }),
      LANGUAGES.map((l) => h("option", { value: l, lang: l, text: (ALL[l] && ALL[l]["lang." + l]) || ALL.en["lang." + l] || l })));
    select.value = chosen;
    box.replaceChildren(h("label", { for: "language", class: "language-label", text: t("lang.label") }), select);
  }
  async function chooseLanguage(choice) {
    try {
      await api("PUT", "language", { language: choice });
      await refresh();
    } catch (e) { toast(e.message); return; }
    applyLanguage();
    if (view && VIEWS[view]) await show(view);
  }
  function applyLanguage() {
    setLanguage((state && state.language) || "");
    presetNames();
    translateStatic();
    renderPill();
  }
  async function start() {
    // signin.js (the login link's answer) left this tab's secret in sessionStorage.
    if (!sessionSecret()) { signedOut(); return; }
    translateStatic();
    try { await refresh(); }
    catch (e) { if (!(e.message === t("error.no_session"))) main().replaceChildren(h("p", { class: "banner", role: "alert", text: e.message })); return; }
    await loaded;  // every catalogue (usage-strings.js too) is in before the words are chosen
    applyLanguage();
    window.addEventListener("hashchange", () => { show().catch((e) => toast(e.message)); focusMain(); });
    document.getElementById("dialog").addEventListener("close", () => { document.getElementById("dialog").replaceChildren(); });
    await show();
  }
  start();
})();
