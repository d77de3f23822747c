// Switchboard settings page. No framework, no build step, works offline.
// The DOM is built with textContent only (never innerHTML with data), so a
// model name or provider message can never inject markup. All words come
// from strings.js through t().
"use strict";
(function () {
  // ---- words ---------------------------------------------------------------
  const ALL = window.SWITCHBOARD_STRINGS || { en: {} };
  const LANG = (navigator.languages || [navigator.language || "en"]).find((l) => ALL[l]) || "en";
  const WORDS = Object.assign({}, ALL.en, ALL[LANG]);
  document.documentElement.lang = LANG;

  function has(key) { return Object.prototype.hasOwnProperty.call(WORDS, key); }
  function t(key, params) {
    let s = has(key) ? WORDS[key] : key;
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
      if (d.field) params.field = has("slot." + d.field) ? t("slot." + d.field)
        : has("netfield." + d.field) ? t("netfield." + d.field) : d.field;
      return t("error." + d.code, params).replace(/:\s*$/, "");
    }
    return e.message || t("error.generic");
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

  // ---- state and navigation ------------------------------------------------------
  let state = null;
  let view = null;
  let setupDismissed = false;
  let activityTimer = null;

  async function refresh() {
    state = await api("GET", "state");
    renderPill();
    return state;
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

  const VIEWS = { providers: renderProviders, routes: renderRoutes, network: renderNetwork, claude: renderClaude,
                  activity: renderActivity, setup: renderSetup };

  function currentView() {
    const name = location.hash.replace("#", "");
    if (VIEWS[name]) return name;
    return state && state.providers.length === 0 && !setupDismissed ? "setup" : "providers";
  }
  async function show(name, opts) {
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
    if (state.keyring_problem) out.push(h("p", { class: "banner", role: "alert", text: t("providers.keyringProblem", { detail: state.keyring_problem }) }));
    return out;
  }

  // ---- test results ------------------------------------------------------------------
  function renderResult(el, r) {
    el.replaceChildren();
    el.className = "result " + (r.ok ? "ok" : "bad");
    if (r.ok) {
      el.append(h("span", { text: "✓ " + t("test.ok", { model: r.model, ttft: r.ttft_ms, total: r.total_ms }) }));
      if (r.path) el.append(" ", h("span", { class: "muted", text: t("test.path", { path: r.path }) }));
      return;
    }
    el.append(h("strong", { text: "✗ " + problemText(r) }));
    if (r.path) el.append(" ", h("span", { class: "muted", text: t("test.path", { path: r.path }) }));
    if (r.detail) el.append(h("details", null, h("summary", { text: t("common.details") }), h("span", { class: "mono", text: r.detail })));
  }
  function busy(el, text) { el.className = "result busy"; el.replaceChildren(text); }

  // ---- providers ----------------------------------------------------------------------
  function keyLine(p) {
    const k = p.key || {};
    if (p.keyless && !k.set) return t("providers.keyless");
    if (k.source === "env") return t("providers.keyEnv", { env: k.env });
    if (k.set) return t("providers.keySaved", { masked: k.masked });
    return t("providers.keyMissing");
  }
  function renderProviders() {
    const list = h("div", { class: "stack", role: "list" });
    for (const p of state.providers) list.append(providerCard(p));
    if (!state.providers.length) list.append(h("p", { class: "card empty", text: t("providers.empty") }));
    main().replaceChildren(
      head("providers.title", "providers.intro",
        h("button", { class: "primary", type: "button", id: "add-provider", onclick: () => providerDialog(null), text: t("providers.add") })),
      ...banners(), list);
  }
  function providerCard(p) {
    const result = h("div", { class: "result", role: "status", "aria-live": "polite" });
    const testBtn = h("button", { type: "button", text: t("providers.test"),
      "aria-label": `${t("providers.test")}: ${p.name}`,
      onclick: async () => {
        testBtn.disabled = true;
        busy(result, t("providers.testing"));
        try { renderResult(result, await api("POST", "test", { id: p.id })); }
        catch (e) { renderResult(result, { ok: false, problem: "unknown", detail: e.message }); }
        finally { testBtn.disabled = false; }
      } });
    if (!p.models.length) testBtn.disabled = true;
    const chips = p.models.length
      ? h("div", { class: "chips", "aria-label": t("providers.models") }, p.models.slice(0, 12).map((m) => h("span", { class: "chip mono", text: m })),
          p.models.length > 12 ? h("span", { class: "chip", text: `+${p.models.length - 12}` }) : null)
      : h("p", { class: "hint", text: t("providers.noModels") });
    return h("article", { class: "card", role: "listitem", "data-provider": p.id, "aria-labelledby": `prov-${p.id}` },
      h("div", { class: "card-head" },
        h("h2", { id: `prov-${p.id}`, text: p.name }),
        h("span", { class: "badge", text: t("type." + p.type) }),
        h("div", { class: "card-actions" }, testBtn,
          h("button", { type: "button", text: t("common.edit"), "aria-label": `${t("common.edit")}: ${p.name}`, onclick: () => providerDialog(p) }),
          h("button", { type: "button", class: "danger", text: t("common.delete"), "aria-label": `${t("common.delete")}: ${p.name}`,
            onclick: async () => {
              if (!confirm(t("providers.confirmDelete", { name: p.name }))) return;
              try { await api("DELETE", "providers/" + encodeURIComponent(p.id)); toast(t("providers.deleted")); await refresh(); renderProviders(); }
              catch (e) { result.className = "result bad"; result.textContent = e.message; }
            } }))),
      h("p", { class: "meta" }, h("span", { class: "mono", text: p.base_url }), h("span", { text: keyLine(p) })),
      chips, result);
  }

  // A model checklist with Fetch models / Add a model.
  function modelPicker(initialAll, initialChecked, draftBody, nameForFetch) {
    const chosen = new Set(initialChecked);
    let all = Array.from(new Set([...initialChecked, ...initialAll]));
    const listEl = h("div", { class: "model-list" });
    const status = h("p", { class: "hint model-status", role: "status", "aria-live": "polite" });
    function draw() {
      listEl.replaceChildren(...all.map((m) => {
        const id = nextId("model");
        return h("label", { class: "check", for: id },
          h("input", { type: "checkbox", id, checked: chosen.has(m), "data-model": m,
            onchange: (ev) => { if (ev.target.checked) chosen.add(m); else chosen.delete(m); } }),
          h("span", { class: "mono", text: m }));
      }));
    }
    draw();
    const addInput = h("input", { type: "text", id: nextId("addmodel"), autocomplete: "off", spellcheck: "false" });
    const add = () => {
      const m = addInput.value.trim();
      if (!m) return;
      if (!all.includes(m)) all.push(m);
      chosen.add(m); addInput.value = ""; draw();
    };
    addInput.addEventListener("keydown", (ev) => { if (ev.key === "Enter") { ev.preventDefault(); add(); } });
    const fetchBtn = h("button", { type: "button", text: t("field.fetchModels"), onclick: async () => {
      fetchBtn.disabled = true;
      status.textContent = t("field.fetching", { name: nameForFetch() });
      try {
        const r = await api("POST", "models", draftBody());
        if (r.ok) {
          all = Array.from(new Set([...all, ...r.models]));
          draw();
          status.textContent = t("field.fetched", { count: r.models.length });
        } else status.textContent = problemText(r);
      } catch (e) { status.textContent = e.message; }
      finally { fetchBtn.disabled = false; }
    } });
    const el = h("fieldset", null, h("legend", { text: t("field.models") }),
      h("p", { class: "hint", text: t("field.modelsHint") }), listEl,
      h("div", { class: "row" }, fetchBtn), status,
      h("div", { class: "field" }, h("label", { for: addInput.id, text: t("field.addModel") }),
        h("div", { class: "row" }, addInput, h("button", { type: "button", text: t("field.addModelButton"), onclick: add }))));
    return { el, chosen: () => all.filter((m) => chosen.has(m)) };
  }

  function presetById(id) { return state.presets.find((p) => p.id === id); }

  function openDialog(build) {
    const dlg = document.getElementById("dialog");
    dlg.replaceChildren(build(() => dlg.close()));
    if (!dlg.open) dlg.showModal();
    const first = dlg.querySelector("input:not([type=hidden]):not([readonly]), select, textarea");
    if (first) first.focus();
    return dlg;
  }

  function providerDialog(p) {
    const editing = !!p;
    openDialog((close) => {
      const presetSel = h("select", { id: "provider-preset", name: "preset" },
        state.presets.map((x) => h("option", { value: x.id, text: x.name })));
      const nameIn = h("input", { type: "text", id: "provider-name", name: "name", autocomplete: "off", value: editing ? p.name : "" });
      const urlIn = h("input", { type: "url", id: "provider-url", name: "base_url", autocomplete: "off", spellcheck: "false", value: editing ? p.base_url : "" });
      const typeSel = h("select", { id: "provider-type", name: "type" },
        ["openai", "anthropic", "gemini"].map((k) => h("option", { value: k, text: t("type." + k) })));
      if (editing) typeSel.value = p.type;
      const keyIn = h("input", { type: "password", id: "provider-key", name: "api_key", autocomplete: "off", spellcheck: "false" });
      const keyHint = h("p", { class: "hint", id: nextId("hint") });
      keyIn.setAttribute("aria-describedby", keyHint.id);
      const keyLink = h("p", { class: "hint" });
      const clearKey = editing && p.key && p.key.set && p.key.source === "keyring"
        ? h("input", { type: "checkbox", id: nextId("clear") }) : null;
      const typeField = field(t("field.type"), typeSel);
      const errorEl = h("p", { class: "form-error", role: "alert" });
      const result = h("div", { class: "result", role: "status", "aria-live": "polite" });
      const pickerHost = h("div");
      let picker;
      const draft = () => {
        const body = { type: typeSel.value, base_url: urlIn.value.trim(), name: nameIn.value.trim() };
        if (editing) body.id = p.id; else body.preset = presetSel.value;
        if (keyIn.value.trim()) body.api_key = keyIn.value.trim();
        return body;
      };
      function applyPreset(fill) {
        const pr = editing ? presetById(p.preset) : presetById(presetSel.value);
        const custom = !pr || pr.id.startsWith("custom-");
        typeField.hidden = !custom;
        if (fill && pr) {
          nameIn.value = custom ? "" : pr.name;
          urlIn.value = pr.base_url;
          typeSel.value = pr.type;
        }
        const displayName = nameIn.value || (pr ? pr.name : "");
        if (editing && p.key && p.key.set) keyHint.textContent = t("field.keyHintKeep", { masked: p.key.masked });
        else if (pr && (pr.keyless || custom)) keyHint.textContent = t("field.keyHintOptional");
        else keyHint.textContent = t("field.keyHintNew", { name: displayName });
        keyLink.replaceChildren(pr && pr.key_url
          ? h("a", { href: pr.key_url, target: "_blank", rel: "noopener noreferrer", text: t("field.getKey", { name: pr.name }) }) : "");
        if (fill || !picker) {
          const suggested = pr ? pr.models : [];
          picker = modelPicker(editing ? [...p.models, ...suggested] : suggested,
                               editing ? p.models : suggested.slice(0, 3), draft, () => nameIn.value || displayName);
          pickerHost.replaceChildren(picker.el);
        }
      }
      presetSel.addEventListener("change", () => applyPreset(true));
      const testBtn = h("button", { type: "button", text: t("field.testDraft"), onclick: async () => {
        const models = picker.chosen();
        testBtn.disabled = true; busy(result, t("providers.testing"));
        try { renderResult(result, await api("POST", "test", Object.assign(draft(), { model: models[0] || "" }))); }
        catch (e) { result.className = "result bad"; result.textContent = e.message; }
        finally { testBtn.disabled = false; }
      } });
      const form = h("form", { method: "dialog", novalidate: true, onsubmit: async (ev) => {
        ev.preventDefault();
        errorEl.textContent = "";
        const body = draft();
        body.models = picker.chosen();
        if (clearKey && clearKey.checked && !body.api_key) body.clear_key = true;
        const save = form.querySelector("button[type=submit]");
        save.disabled = true; save.textContent = t("common.saving");
        try {
          if (editing) await api("PUT", "providers/" + encodeURIComponent(p.id), body);
          else await api("POST", "providers", body);
          close(); toast(t("common.saved"));
          await refresh(); await show(view === "setup" ? "providers" : view);
        } catch (e) { errorEl.textContent = e.message; }
        finally { save.disabled = false; save.textContent = t("common.save"); }
      } },
        h("div", { class: "dialog-head" }, h("h2", { id: "dialog-title", text: editing ? t("dialog.editTitle", { name: p.name }) : t("dialog.addTitle") })),
        h("div", { class: "dialog-body" },
          editing ? null : field(t("field.preset"), presetSel),
          h("div", { class: "grid-2" }, field(t("field.name"), nameIn), field(t("field.baseUrl"), urlIn)),
          typeField,
          h("div", { class: "field" }, h("label", { for: keyIn.id, text: t("field.apiKey") }), keyIn, keyHint, keyLink,
            clearKey ? h("label", { class: "check", for: clearKey.id }, clearKey, t("field.clearKey")) : null),
          pickerHost, result, errorEl),
        h("div", { class: "dialog-foot" }, testBtn, h("span", { class: "spacer" }),
          h("button", { type: "button", text: t("common.cancel"), onclick: close }),
          h("button", { type: "submit", class: "primary", text: t("common.save") })));
      applyPreset(!editing);
      return form;
    });
  }

  // ---- routes ------------------------------------------------------------------------
  const TIERS = ["opus", "sonnet", "haiku"];
  const RULES = ["think", "long_context", "image", "web_search"];

  function allTargets() {
    const out = [];
    for (const p of state.providers) for (const m of p.models) out.push({ value: `${p.id}/${m}`, provider: p, model: m });
    return out;
  }
  function targetSelect(id, current, emptyLabel) {
    const sel = h("select", { id });
    sel.append(h("option", { value: "", text: emptyLabel }));
    const known = new Set();
    for (const p of state.providers) {
      if (!p.models.length) continue;
      const group = h("optgroup", { label: p.name });
      for (const m of p.models) { const v = `${p.id}/${m}`; known.add(v); group.append(h("option", { value: v, text: m })); }
      sel.append(group);
    }
    if (current && !known.has(current)) sel.append(h("option", { value: current, text: targetLabel(current) }));
    sel.value = current || "";
    return sel;
  }

  function renderRoutes() {
    const canCreate = allTargets().length > 0;
    const newBtn = h("button", { class: "primary", type: "button", id: "new-route", text: t("routes.new"),
      disabled: !canCreate, onclick: () => routeDialog(null) });
    const parts = [head("routes.title", "routes.intro", newBtn), ...banners()];
    if (!canCreate) parts.push(h("p", { class: "banner", text: t("routes.needProvider") }));
    if (state.routes.length) {
      const group = h("fieldset", { class: "card" }, h("legend", { text: t("routes.active") }),
        h("div", { class: "radio-list" }, state.routes.map((r) => {
          const id = nextId("active");
          return h("label", { class: "radio-card", for: id },
            h("input", { type: "radio", name: "active-route", id, value: r.id, checked: r.id === state.active_route,
              onchange: async () => {
                try { await api("POST", "active-route", { id: r.id }); await refresh(); toast(t("routes.activated", { name: r.name })); renderRoutes(); }
                catch (e) { toast(e.message); }
              } }),
            h("span", { text: r.name }), h("span", { class: "hint mono", text: r.slots.default ? targetLabel(r.slots.default[0]) : "" }));
        })));
      parts.push(group);
      const list = h("div", { class: "stack", role: "list" });
      for (const r of state.routes) list.append(routeCard(r));
      parts.push(list);
    } else parts.push(h("p", { class: "card empty", text: t("routes.empty") }));
    main().replaceChildren(...parts);
  }
  function routeCard(r) {
    const rows = [];
    for (const slot of ["default", ...TIERS, ...RULES, "fallback"]) {
      const v = r.slots[slot];
      if (!v || !v.length) continue;
      rows.push(h("tr", null, h("th", { scope: "row", text: t("slot." + slot) }), h("td", { text: v.map(targetLabel).join(" → ") })));
    }
    const active = r.id === state.active_route;
    return h("article", { class: "card", role: "listitem", "data-route": r.id, "aria-labelledby": `route-${r.id}` },
      h("div", { class: "card-head" }, h("h2", { id: `route-${r.id}`, text: r.name }),
        active ? h("span", { class: "badge active", text: t("routes.active") }) : null,
        h("div", { class: "card-actions" },
          h("button", { type: "button", text: t("common.edit"), "aria-label": `${t("common.edit")}: ${r.name}`, onclick: () => routeDialog(r) }),
          h("button", { type: "button", class: "danger", text: t("common.delete"), "aria-label": `${t("common.delete")}: ${r.name}`,
            onclick: async () => {
              if (!confirm(t("routes.confirmDelete", { name: r.name }))) return;
              try { await api("DELETE", "routes/" + encodeURIComponent(r.id)); await refresh(); renderRoutes(); }
              catch (e) { toast(e.message); }
            } }))),
      h("table", { class: "slot-table" }, h("tbody", null, rows)));
  }
  function slugify(s) {
    return (s.toLowerCase().replace(/[^a-z0-9_.-]+/g, "-").replace(/^[-_.]+|[-_.]+$/g, "").slice(0, 48)) || "route";
  }
  function routeDialog(r) {
    const editing = !!r;
    openDialog((close) => {
      const slots = r ? r.slots : {};
      const first = (slot) => (slots[slot] && slots[slot][0]) || "";
      const nameIn = h("input", { type: "text", id: "route-name", autocomplete: "off", value: r ? r.name : "" });
      const sel = {};
      sel.default = targetSelect("route-default", first("default"), t("routes.choose"));
      sel.default.required = true;
      for (const s of [...TIERS, ...RULES]) sel[s] = targetSelect(`route-${s}`, first(s), t("routes.sameAsDefault"));
      const threshold = h("input", { type: "number", id: "route-threshold", min: "1", step: "1000",
        value: r && r.long_context_threshold ? String(r.long_context_threshold) : "" , placeholder: "60000" });
      const fallbackList = h("div");
      const fallbacks = [...(slots.fallback || [])];
      function drawFallbacks() {
        fallbackList.replaceChildren(...fallbacks.map((v, i) => {
          const s = targetSelect(`route-fallback-${i}`, v, t("routes.choose"));
          s.setAttribute("aria-label", `${t("slot.fallback")} ${i + 1}`);
          s.addEventListener("change", () => { fallbacks[i] = s.value; });
          return h("div", { class: "fallback-row" }, s,
            h("button", { type: "button", text: "✕", "aria-label": t("routes.removeFallback", { n: i + 1 }),
              onclick: () => { fallbacks.splice(i, 1); drawFallbacks(); } }));
        }));
      }
      drawFallbacks();
      const activate = h("input", { type: "checkbox", id: "route-activate", checked: !editing || r.id === state.active_route });
      const errorEl = h("p", { class: "form-error", role: "alert" });
      const form = h("form", { method: "dialog", novalidate: true, onsubmit: async (ev) => {
        ev.preventDefault();
        errorEl.textContent = "";
        const name = nameIn.value.trim();
        if (!sel.default.value) { errorEl.textContent = t("error.default_required"); sel.default.focus(); return; }
        let id = r ? r.id : slugify(name || "route");
        if (!r) { const base = id; let n = 2; while (state.routes.some((x) => x.id === id)) id = `${base}-${n++}`; }
        const body = { name: name || id, activate: activate.checked, fallback: fallbacks.filter(Boolean) };
        for (const [slot, s] of Object.entries(sel)) body[slot] = s.value || null;
        const thr = threshold.value.trim();
        body.long_context_threshold = thr ? Number(thr) : null;
        if (thr && !(Number.isInteger(body.long_context_threshold) && body.long_context_threshold > 0)) {
          errorEl.textContent = t("error.bad_field", { field: t("routes.threshold") }); threshold.focus(); return;
        }
        try {
          await api("PUT", "routes/" + encodeURIComponent(id), body);
          close(); toast(t("common.saved")); await refresh(); renderRoutes();
        } catch (e) { errorEl.textContent = e.message; }
      } },
        h("div", { class: "dialog-head" }, h("h2", { id: "dialog-title", text: editing ? t("routes.editTitle", { name: r.name }) : t("routes.newTitle") })),
        h("div", { class: "dialog-body" },
          h("div", { class: "grid-2" }, field(t("routes.name"), nameIn), field(t("slot.default"), sel.default)),
          h("fieldset", null, h("legend", { text: t("routes.tiers") }), h("p", { class: "hint", text: t("routes.tiersHint") }),
            h("div", { class: "grid-2" }, TIERS.map((s) => field(t("slot." + s), sel[s])))),
          h("fieldset", null, h("legend", { text: t("routes.rules") }),
            h("div", { class: "grid-2" }, RULES.map((s) => field(t("slot." + s), sel[s])), field(t("routes.threshold"), threshold))),
          h("fieldset", null, h("legend", { text: t("routes.fallback") }), h("p", { class: "hint", text: t("routes.fallbackHint") }),
            fallbackList,
            h("p", null, h("button", { type: "button", id: "add-fallback", text: t("routes.addFallback"),
              onclick: () => { fallbacks.push(""); drawFallbacks(); const all = fallbackList.querySelectorAll("select"); all[all.length - 1].focus(); } }))),
          h("label", { class: "check", for: activate.id }, activate, t("routes.makeActive")),
          errorEl),
        h("div", { class: "dialog-foot" },
          h("button", { type: "button", text: t("common.cancel"), onclick: close }),
          h("button", { type: "submit", class: "primary", text: t("common.save") })));
      return form;
    });
  }

  // ---- network (proxy, certificates, timeouts) ------------------------------------------
  const TIMEOUTS = ["connect", "first_byte", "idle"];
  async function renderNetwork() {
    const net = await api("GET", "network");
    if (view !== "network") return;
    const p = net.proxy;
    const errorEl = h("p", { class: "form-error", role: "alert", id: "network-error" });

    // Proxy: three radio cards; the custom one opens address, user and password.
    const modes = ["system", "none", "custom"].map((mode) => h("input", {
      type: "radio", name: "proxy-mode", id: `proxy-${mode}`, value: mode, checked: p.mode === mode,
      onchange: () => { customBox.hidden = mode !== "custom"; } }));
    const urlIn = h("input", { type: "text", id: "proxy-url", autocomplete: "off", spellcheck: "false", value: p.url,
      placeholder: "http://127.0.0.1:7890", inputmode: "url" });
    const userIn = h("input", { type: "text", id: "proxy-user", autocomplete: "off", spellcheck: "false", value: p.user });
    const passIn = h("input", { type: "password", id: "proxy-password", autocomplete: "new-password", spellcheck: "false" });
    const passHint = p.password_saved ? t("network.passwordSaved") : p.problem === "keyring" ? t("problem.keyring") : t("network.passwordHint");
    const clearPass = p.password_saved ? h("input", { type: "checkbox", id: "proxy-clear-password" }) : null;
    const customBox = h("div", { class: "indent", id: "proxy-custom" },
      field(t("network.proxyUrl"), urlIn, t("network.proxyUrlHint")),
      h("div", { class: "grid-2" },
        field(t("network.proxyUser") + ` (${t("common.optional")})`, userIn),
        h("div", null, field(t("network.proxyPassword") + ` (${t("common.optional")})`, passIn, passHint),
          clearPass ? h("label", { class: "check", for: clearPass.id }, clearPass, t("network.clearPassword")) : null)));
    customBox.hidden = p.mode !== "custom";
    const proxyCard = h("fieldset", { class: "card" }, h("legend", { text: t("network.proxy") }),
      h("p", { class: "hint", text: t("network.proxyIntro") }),
      h("div", { class: "radio-list" }, modes.map((input) => h("label", { class: "radio-card", for: input.id }, input,
        h("span", null, h("span", { class: "radio-title", text: t("network.mode." + input.value) }),
          h("span", { class: "hint", text: t("network.modeHint." + input.value) }))))),
      customBox);

    // Certificate: a path only; the server checks that the file exists, never reads it.
    const caIn = h("input", { type: "text", id: "network-ca", autocomplete: "off", spellcheck: "false", value: net.ca_file,
      placeholder: t("network.caPlaceholder") });
    const caCard = h("section", { class: "card", "aria-labelledby": "network-ca-title" },
      h("h2", { id: "network-ca-title", text: t("network.ca") }),
      field(t("network.caFile") + ` (${t("common.optional")})`, caIn, t("network.caHint")),
      net.ca_status && net.ca_status !== "ok" ? h("p", { class: "banner", role: "status", text: t("error." + net.ca_status) }) : null);

    // Timeouts: empty means the default, which is shown.
    const timeoutIns = {};
    const timeoutFields = TIMEOUTS.map((name) => {
      const input = h("input", { type: "number", id: `timeout-${name}`, min: "1", max: "3600", step: "any", inputmode: "decimal",
        value: net.timeouts[name] == null ? "" : String(net.timeouts[name]), placeholder: String(net.defaults[name]) });
      timeoutIns[name] = input;
      return field(t("netfield.timeouts." + name), input, t("network.timeoutHint." + name, { n: net.defaults[name] }));
    });
    const timeoutCard = h("fieldset", { class: "card" }, h("legend", { text: t("network.timeouts") }),
      h("p", { class: "hint", text: t("network.timeoutsIntro") }), h("div", { class: "grid-3" }, timeoutFields));

    const save = h("button", { type: "submit", class: "primary", id: "network-save", text: t("common.save") });
    const form = h("form", { novalidate: true, "aria-labelledby": "network-title", onsubmit: async (ev) => {
      ev.preventDefault();
      errorEl.textContent = "";
      const mode = (form.querySelector("input[name=proxy-mode]:checked") || { value: "system" }).value;
      const body = { proxy: mode, ca_file: caIn.value.trim(), timeouts: {} };
      if (mode === "custom") {
        body.proxy_url = urlIn.value.trim();
        body.proxy_user = userIn.value.trim();
        if (passIn.value) body.proxy_password = passIn.value;
        else if (clearPass && clearPass.checked) body.clear_proxy_password = true;
        if (!body.proxy_url) { errorEl.textContent = t("error.proxy_url_required"); urlIn.focus(); return; }
      }
      for (const name of TIMEOUTS) {
        const raw = timeoutIns[name].value.trim();
        const n = Number(raw);
        if (raw && !(Number.isFinite(n) && n > 0 && n <= 3600)) {
          errorEl.textContent = t("error.bad_timeout", { field: t("netfield.timeouts." + name) });
          timeoutIns[name].focus(); return;
        }
        body.timeouts[name] = raw ? n : null;
      }
      save.disabled = true; save.textContent = t("common.saving");
      try {
        await api("PUT", "network", body);
        passIn.value = "";
        toast(t("network.saved"));
        await renderNetwork();
      } catch (e) {
        errorEl.textContent = e.message;
        save.disabled = false; save.textContent = t("common.save");
      }
    } },
      h("div", { class: "stack" }, proxyCard, caCard, timeoutCard,
        net.providers_with_own.length ? h("p", { class: "hint", text: t("network.ownSettings", { names: net.providers_with_own.join(", ") }) }) : null,
        errorEl, h("div", { class: "form-foot" }, save)));
    const headEl = head("network.title", "network.intro");
    headEl.querySelector("h1").id = "network-title";
    main().replaceChildren(headEl, ...banners(), form);
  }

  // ---- Claude Code ---------------------------------------------------------------------
  function copyField(labelText, value, opts) {
    const input = h("input", { type: opts && opts.secret ? "password" : "text", readonly: true, value, id: opts && opts.id, class: "mono", spellcheck: "false" });
    const buttons = [];
    if (opts && opts.secret) {
      const toggle = h("button", { type: "button", text: t("common.show"), "aria-pressed": "false", onclick: () => {
        const showing = input.type === "text";
        input.type = showing ? "password" : "text";
        toggle.textContent = showing ? t("common.show") : t("common.hide");
        toggle.setAttribute("aria-pressed", String(!showing));
      } });
      buttons.push(toggle);
    }
    const copy = h("button", { type: "button", text: t("common.copy"), "aria-label": `${t("common.copy")}: ${labelText}`,
      onclick: () => copyText(input.value, copy) });
    buttons.push(copy);
    if (!input.id) input.id = nextId("copy");
    return h("div", { class: "field" }, h("label", { for: input.id, text: labelText }),
      h("div", { class: "row" }, input, ...buttons), opts && opts.hint ? h("p", { class: "hint", text: opts.hint }) : null);
  }
  async function claudeConnectBlock(info, after) {
    const status = h("p", { role: "status", "aria-live": "polite" });
    const err = h("p", { class: "form-error", role: "alert" });
    const box = h("div", null, status);
    function draw(connected) {
      status.textContent = connected ? t("claude.connected") : t("claude.notConnected");
      const btn = connected
        ? h("button", { type: "button", id: "claude-disconnect", text: t("claude.disconnect"), onclick: () => act("disconnect") })
        : h("button", { type: "button", class: "primary", id: "claude-connect", text: t("claude.connect"), onclick: () => act("connect") });
      box.replaceChildren(status, h("p", null, btn), err);
    }
    async function act(action) {
      err.textContent = "";
      try {
        const r = await api("POST", "claude-code/" + action);
        if (!r.ok) { err.textContent = problemText(r) + (r.detail ? ` (${r.detail})` : ""); return; }
        toast(t(action === "connect" ? "claude.connectedToast" : "claude.disconnectedToast"));
        draw(r.connected);
        if (after) after(r.connected);
      } catch (e) { err.textContent = e.message; }
    }
    draw(!!info.connected);
    return box;
  }
  async function renderClaude() {
    const info = await api("GET", "claude-code");
    const parts = [head("claude.title", "claude.intro")];
    const card = h("section", { class: "card", "aria-label": t("claude.title") },
      copyField(t("claude.baseUrl"), info.base_url, { id: "claude-base-url" }),
      copyField(t("claude.accessKey"), info.access_key || "", { id: "claude-access-key", secret: true, hint: t("claude.accessKeyHint") }));
    if (info.available) card.append(await claudeConnectBlock(info));
    else card.append(h("p", { class: "hint", text: t("claude.manual") }));
    parts.push(card);
    const regenResult = h("p", { role: "status", "aria-live": "polite" });
    parts.push(h("section", { class: "card" },
      h("h2", { text: t("claude.regenerate") }), h("p", { class: "hint", text: t("claude.regenerateHint") }),
      h("button", { type: "button", id: "regenerate-key", text: t("claude.regenerate"), onclick: async () => {
        if (!confirm(t("claude.confirmRegenerate"))) return;
        try {
          const r = await api("POST", "access-key/regenerate");
          await renderClaude();
          toast(r.env_override ? t("claude.envOverride") : t(r.reconnected ? "claude.reconnected" : "claude.regenerated"));
        } catch (e) { regenResult.textContent = e.message; }
      } }), regenResult));
    main().replaceChildren(parts[0], h("div", { class: "stack" }, ...parts.slice(1)));
  }

  // ---- activity ----------------------------------------------------------------------------
  const fmt = new Intl.NumberFormat(LANG);
  async function renderActivity() {
    const data = await api("GET", "activity");
    if (view !== "activity") return;
    const totals = h("div", { class: "totals" }, data.today.length
      ? data.today.map((x) => h("section", { class: "card total", "aria-label": x.provider_name },
          h("h3", { text: x.provider_name }),
          h("div", { class: "big", text: t("activity.requests", { n: fmt.format(x.requests) }) }),
          x.errors ? h("p", { class: "status-bad", text: t("activity.errors", { n: x.errors }) }) : null,
          h("p", { text: t("activity.tokensTotal", { in: fmt.format(x.input_tokens), out: fmt.format(x.output_tokens) }) }),
          h("p", { text: t("activity.avg", { ms: fmt.format(x.avg_latency_ms) }) })))
      : h("p", { class: "hint", text: t("activity.noneToday") }));
    let table;
    if (data.entries.length) {
      const timeFmt = new Intl.DateTimeFormat(LANG, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
      table = h("div", { class: "table-wrap" }, h("table", { class: "activity" },
        h("caption", { class: "visually-hidden", text: t("activity.recent") }),
        h("thead", null, h("tr", null,
          ["activity.time", "activity.route", "activity.target", "activity.status"].map((k) => h("th", { scope: "col", text: t(k) })),
          h("th", { scope: "col", class: "num", text: t("activity.latency") }),
          h("th", { scope: "col", class: "num", text: t("activity.tokens") }))),
        h("tbody", null, data.entries.map((e) => h("tr", null,
          h("td", { text: timeFmt.format(new Date(e.time * 1000)) }),
          h("td", { text: e.route }),
          h("td", null, h("span", { text: e.provider_name }), " · ", h("span", { class: "mono", text: e.model })),
          h("td", { class: e.status < 400 ? "status-ok" : "status-bad", text: e.status < 400 ? t("activity.ok") : t("activity.failed", { status: e.status }) }),
          h("td", { class: "num", text: t("activity.ms", { ms: fmt.format(e.latency_ms) }) }),
          h("td", { class: "num", text: `${e.input_tokens == null ? "–" : fmt.format(e.input_tokens)} / ${e.output_tokens == null ? "–" : fmt.format(e.output_tokens)}` }))))));
    } else table = h("p", { class: "card empty", text: t("activity.empty") });
    main().replaceChildren(
      head("activity.title", "activity.intro", h("button", { type: "button", text: t("common.refresh"), onclick: renderActivity })),
      h("h2", { text: t("activity.today") }), totals, h("h2", { text: t("activity.recent") }), table);
    clearInterval(activityTimer);
    activityTimer = setInterval(() => { if (view === "activity" && !document.hidden) renderActivity().catch(() => {}); }, 5000);
  }

  // ---- first run -----------------------------------------------------------------------------
  const setup = { step: 1, preset: null, provider: null, model: null };
  function stepsBar() {
    return h("ol", { class: "steps", "aria-label": t("setup.progress", { n: setup.step }) },
      [1, 2, 3].map((n) => h("li", { class: n < setup.step ? "done" : null, "aria-current": n === setup.step ? "step" : null, text: t("setup.step" + n) })));
  }
  function renderSetup() {
    if (setup.step === 4) return setupDone();
    const parts = [h("h1", { text: t("setup.title") }), h("p", { class: "lead", text: t("setup.intro") }), stepsBar()];
    const card = h("section", { class: "card", "aria-labelledby": "setup-step-title" });
    parts.push(card);
    main().replaceChildren(...parts);
    if (setup.step === 1) setupChoose(card);
    else if (setup.step === 2) setupKey(card);
    else setupConnect(card);
  }
  function setupChoose(card) {
    const current = setup.preset || "openai";
    const grid = h("fieldset", { class: "preset-grid" }, h("legend", null, h("h2", { id: "setup-step-title", text: t("setup.choose") })),
      state.presets.map((p) => {
        const id = `preset-${p.id}`;
        return h("label", { class: "radio-card", for: id },
          h("input", { type: "radio", name: "preset", id, value: p.id, checked: p.id === current }), h("span", { text: p.name }));
      }));
    card.append(grid, h("div", { class: "wizard-foot" },
      h("button", { type: "button", class: "link", text: t("setup.skip"), onclick: () => { setupDismissed = true; location.hash = "#providers"; show("providers"); } }),
      h("button", { type: "button", class: "primary", id: "setup-next", text: t("common.continue"), onclick: () => {
        const chosen = card.querySelector("input[name=preset]:checked");
        setup.preset = chosen ? chosen.value : "openai";
        setup.step = 2; renderSetup(); focusMain();
      } })));
  }
  function setupKey(card) {
    const pr = presetById(setup.preset);
    const custom = pr.id.startsWith("custom-");
    const title = h("h2", { id: "setup-step-title",
      text: custom ? t("setup.customTitle") : pr.keyless ? pr.name : t("field.apiKeyFor", { name: pr.name }) });
    const keyIn = h("input", { type: "password", id: "setup-key", autocomplete: "off", spellcheck: "false" });
    const urlIn = h("input", { type: "url", id: "setup-url", value: pr.base_url, spellcheck: "false" });
    const modelSel = pr.models.length
      ? h("select", { id: "setup-model" }, pr.models.map((m) => h("option", { value: m, text: m })))
      : h("input", { type: "text", id: "setup-model", autocomplete: "off", spellcheck: "false" });
    if (setup.model && pr.models.includes(setup.model)) modelSel.value = setup.model;
    const result = h("div", { class: "result", role: "status", "aria-live": "polite" });
    const draft = () => {
      const body = { preset: pr.id, base_url: urlIn.value.trim(), type: pr.type };
      if (keyIn.value.trim()) body.api_key = keyIn.value.trim();
      return body;
    };
    const fetchStatus = h("p", { class: "hint", role: "status", "aria-live": "polite" });
    const fetchBtn = h("button", { type: "button", text: t("field.fetchModels"), onclick: async () => {
      fetchStatus.textContent = t("field.fetching", { name: pr.name });
      try {
        const r = await api("POST", "models", draft());
        if (!r.ok) { fetchStatus.textContent = problemText(r); return; }
        const select = h("select", { id: "setup-model" }, r.models.map((m) => h("option", { value: m, text: m })));
        modelField.querySelector("#setup-model").replaceWith(select);
        fetchStatus.textContent = t("field.fetched", { count: r.models.length });
      } catch (e) { fetchStatus.textContent = e.message; }
    } });
    const modelField = h("div", { class: "field" }, h("label", { for: "setup-model", text: pr.models.length ? t("field.model") : t("setup.modelTyped") }),
      h("div", { class: "row" }, modelSel, fetchBtn), h("p", { class: "hint", text: t("setup.modelHint") }), fetchStatus);
    const next = h("button", { type: "submit", class: "primary", id: "setup-test", text: t("setup.testContinue") });
    const form = h("form", { novalidate: true, onsubmit: async (ev) => {
      ev.preventDefault();
      const model = (card.querySelector("#setup-model").value || "").trim();
      if (!model) { result.className = "result bad"; result.textContent = t("error.model_required"); return; }
      next.disabled = true;
      busy(result, t("setup.testing", { name: pr.name }));
      try {
        const r = await api("POST", "test", Object.assign(draft(), { model }));
        renderResult(result, r);
        if (!r.ok) return;
        const saved = await api("POST", "setup", Object.assign(draft(), { model }));
        setup.provider = saved.id; setup.model = model; setup.providerName = pr.name;
        keyIn.value = "";
        await refresh();
        setup.step = 3; renderSetup(); focusMain();
      } catch (e) { result.className = "result bad"; result.textContent = e.message; }
      finally { next.disabled = false; }
    } },
      title,
      pr.keyless ? h("p", { text: t("setup.keyless", { name: pr.local_app || pr.name }) }) : null,
      (custom || pr.keyless) ? field(t("field.baseUrl"), urlIn) : null,
      pr.keyless ? null : h("div", { class: "field" }, h("label", { for: keyIn.id, text: t("field.apiKey") }), keyIn,
        pr.key_url ? h("p", { class: "hint" }, t("setup.keyHelp"), " ",
          h("a", { href: pr.key_url, target: "_blank", rel: "noopener noreferrer", text: t("field.getKey", { name: pr.name }) })) : null),
      modelField, result,
      h("div", { class: "wizard-foot" },
        h("button", { type: "button", text: t("common.back"), onclick: () => { setup.step = 1; renderSetup(); } }), next));
    card.append(form);
  }
  async function setupConnect(card) {
    card.append(h("p", { class: "loading", text: t("common.loading") }));
    const info = await api("GET", "claude-code");
    card.replaceChildren();
    const finish = h("button", { type: "button", class: "primary", id: "setup-finish", text: t("setup.finish"),
      onclick: () => { setup.step = 4; renderSetup(); focusMain(); } });
    card.append(h("h2", { id: "setup-step-title", text: t("setup.step3") }));
    if (info.available) {
      card.append(h("p", { text: t("setup.connectIntro") }), await claudeConnectBlock(info, (connected) => { if (connected) finish.focus(); }));
    } else {
      card.append(h("p", { text: t("setup.connectManual") }),
        copyField(t("claude.baseUrl"), info.base_url, { id: "setup-base-url" }),
        copyField(t("claude.accessKey"), info.access_key || "", { id: "setup-access-key", secret: true }),
        h("p", { class: "hint", text: t("claude.manual") }));
    }
    card.append(h("div", { class: "wizard-foot" }, h("span"), finish));
  }
  function setupDone() {
    main().replaceChildren(h("section", { class: "card done", "aria-labelledby": "done-title" },
      h("div", { class: "tick", "aria-hidden": "true", text: "✓" }),
      h("h1", { id: "done-title", text: t("setup.doneTitle") }),
      h("p", { text: t("setup.doneBody", { provider: setup.providerName || "", model: setup.model || "" }) }),
      h("button", { type: "button", class: "primary", id: "setup-open-settings", text: t("setup.openSettings"), onclick: () => {
        setup.step = 1; setupDismissed = true; location.hash = "#providers"; show("providers");
      } })));
  }

  // ---- start -----------------------------------------------------------------------------------
  function translateStatic() {
    for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
    for (const el of document.querySelectorAll("[data-i18n-label]")) el.setAttribute("aria-label", t(el.dataset.i18nLabel));
    document.title = t("app.title");
  }
  async function start() {
    // signin.js (the login link's answer) left this tab's secret in sessionStorage.
    if (!sessionSecret()) { signedOut(); return; }
    translateStatic();
    try { await refresh(); }
    catch (e) { if (!(e.message === t("error.no_session"))) main().replaceChildren(h("p", { class: "banner", role: "alert", text: e.message })); return; }
    window.addEventListener("hashchange", () => { show().catch((e) => toast(e.message)); focusMain(); });
    document.getElementById("dialog").addEventListener("close", () => { document.getElementById("dialog").replaceChildren(); });
    await show();
  }
  start();
})();
