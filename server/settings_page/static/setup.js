// Switchboard settings: the first-run setup guide.
"use strict";
(function (SB) {
  const { has, t, h, field, main, toast, api, problemText,
          refresh, providerName, show, focusMain, renderResult, busy, presetById } = SB;

  // ---- first run -----------------------------------------------------------------------------
  // setup.saved: the server's answer to the last save (which provider and
  // route, whether they already existed, which route is active).
  const setup = { step: 1, preset: null, provider: null, model: null, saved: null, claudeConnected: null };
  function step2Key() {
    const pr = setup.preset ? presetById(setup.preset) : null;
    if (pr && pr.keyless) return "setup.step2Keyless";
    if (pr && pr.id.startsWith("custom-")) return "setup.step2Custom";
    return "setup.step2";
  }
  function stepsBar() {
    const label = (n) => t(n === 2 ? step2Key() : "setup.step" + n);
    return h("ol", { class: "steps", "aria-label": t("setup.progress", { n: setup.step }) },
      [1, 2, 3].map((n) => h("li", { class: n < setup.step ? "done" : null, "aria-current": n === setup.step ? "step" : null, text: label(n) })));
  }
  function renderSetup(opts) {
    // A change made elsewhere redraws only the last step (it shows, it does not edit).
    if (opts && opts.live && setup.step !== 3) return;
    if (setup.step === 4) return setupDone();
    const parts = [h("h1", { text: t("setup.title") }), h("p", { class: "lead", text: t("setup.intro") }), stepsBar()];
    const card = h("section", { class: "card", "aria-labelledby": "setup-step-title" });
    parts.push(card);
    main().replaceChildren(...parts);
    if (setup.step === 1) setupChoose(card);
    else if (setup.step === 2) setupKey(card);
    else return setupConnect(card);
  }
  // Settings found in claude-code-router / cc-switch are offered first
  // (issue 17): one click brings in their providers, routes and keys.
  async function importOffer(card) {
    if (setup.found === undefined) {
      try { setup.found = await api("GET", "import"); } catch (e) { setup.found = null; }
    }
    const f = setup.found;
    if (!f || !f.providers || !card.isConnected || card.querySelector("#import-offer")) return;
    const apps = [...new Set(f.sources.map((s) => s.kind.replace(/ \d+$/, "")))].join(" / ");
    const result = h("div", { class: "result", role: "status", "aria-live": "polite" });
    const box = h("div", { class: "notice-box", id: "import-offer" });
    const bring = h("button", { type: "button", id: "import-bring", text: t("import.bring", { count: f.providers }), onclick: async () => {
      bring.disabled = true;
      busy(result, t("import.working"));
      try {
        const r = await api("POST", "import", { route_names: SB.importRouteNames() });
        setup.found = null;
        await refresh();
        box.replaceChildren(h("h2", { id: "import-done", text: t("import.doneTitle") }),
          importReport(r.said_lines || r.lines),
          h("button", { type: "button", class: "primary", id: "import-continue", text: t("common.continue"),
            onclick: () => { setup.step = 3; renderSetup(); focusMain(); } }));
        card.replaceChildren(box);
        box.querySelector("#import-continue").focus();
      } catch (e) { SB.errorResult(result, e); bring.disabled = false; }
    } });
    box.append(h("p", { text: t("import.offer", { apps, count: f.providers }) }),
      h("div", { class: "row" }, bring, h("button", { type: "button", class: "link", id: "import-no", text: t("import.no"),
        onclick: () => { setup.found = null; box.remove(); } })), result);
    card.prepend(box);
  }
  // What came in first; what was left behind (and why) folded under it, each
  // under the app it came from.
  const LEFT = /^import\.(left|note|ccr2)\.|^import\.line\.keptYours$/;
  function importReport(lines) {
    const brought = [], left = [];
    let from = null, fromShown = false;
    for (const line of lines) {
      const code = line.code || "";
      const li = h("li", { text: SB.said(line, code ? undefined : line.text || line) });
      if (code.startsWith("import.line.from")) {
        li.className = "from";
        brought.push(li);
        from = line; fromShown = false;
      } else if (LEFT.test(code)) {
        if (from && !fromShown) { left.push(h("li", { class: "from", text: SB.said(from) })); fromShown = true; }
        left.push(li);
      } else brought.push(li);
    }
    const count = left.filter((li) => li.className !== "from").length;
    return h("div", { class: "import-report" }, h("ul", null, brought),
      count ? h("details", { class: "import-left" }, h("summary", { text: t("import.leftTitle", { count }) }),
        h("ul", null, left)) : null);
  }
  function setupChoose(card) {
    importOffer(card);
    const current = setup.preset || "openai";
    const grid = h("fieldset", { class: "preset-grid" }, h("legend", null, h("h2", { id: "setup-step-title", text: t("setup.choose") })),
      SB.state.presets.map((p) => {
        const id = `preset-${p.id}`;
        return h("label", { class: "radio-card", for: id },
          h("input", { type: "radio", name: "preset", id, value: p.id, checked: p.id === current }), h("span", { text: p.name }));
      }));
    card.append(grid, h("div", { class: "wizard-foot" },
      h("button", { type: "button", class: "link", text: t("setup.skip"), onclick: () => { SB.setupDismissed = true; location.hash = "#providers"; show("providers"); } }),
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
      text: custom ? t("setup.customTitle") : pr.keyless ? t("setup.keylessTitle", { name: pr.name }) : t("field.apiKeyFor", { name: pr.name }) });
    const keyIn = h("input", { type: "password", id: "setup-key", autocomplete: "off", spellcheck: "false" });
    const urlIn = h("input", { type: "url", id: "setup-url", value: custom ? "" : pr.base_url, spellcheck: "false",
      placeholder: custom && has("field.urlExample." + pr.type) ? t("field.urlExample." + pr.type) : null });
    const nameIn = h("input", { type: "text", id: "setup-name", autocomplete: "off", placeholder: t("setup.namePlaceholder") });
    const modelSel = pr.models.length
      ? h("select", { id: "setup-model" }, pr.models.map((m) => h("option", { value: m, text: m })))
      : h("input", { type: "text", id: "setup-model", autocomplete: "off", spellcheck: "false" });
    if (setup.model && pr.models.includes(setup.model)) modelSel.value = setup.model;
    const result = h("div", { class: "result", role: "status", "aria-live": "polite" });
    const draft = () => {
      const body = { preset: pr.id, base_url: urlIn.value.trim(), type: pr.type };
      if (custom && nameIn.value.trim()) body.name = nameIn.value.trim();
      if (keyIn.value.trim()) body.api_key = keyIn.value.trim();
      return body;
    };
    const fetchStatus = h("p", { class: "hint", role: "status", "aria-live": "polite" });
    const fetchBtn = h("button", { type: "button", text: t("field.fetchModels"), onclick: async () => {
      fetchStatus.textContent = t("field.fetching", { name: nameIn.value.trim() || pr.name });
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
      if (custom && !urlIn.value.trim()) { result.className = "result bad"; result.textContent = t("error.url_required"); urlIn.focus(); return; }
      if (!model) { result.className = "result bad"; result.textContent = t("error.model_required"); return; }
      next.disabled = true;
      busy(result, t(pr.keyless ? "setup.testingKeyless" : "setup.testing", { name: nameIn.value.trim() || pr.name }));
      try {
        const r = await api("POST", "test", Object.assign(draft(), { model }));
        renderResult(result, r);
        if (!r.ok) return;
        // The first route is named in the page's language ("Main").
        const saved = await api("POST", "setup", Object.assign(draft(), { model, route_name: t("setup.firstRoute") }));
        setup.provider = saved.id; setup.model = model; setup.saved = saved;
        keyIn.value = "";
        await refresh();
        setup.providerName = providerName(saved.id);
        setup.step = 3; await renderSetup(); focusMain();
      } catch (e) { SB.errorResult(result, e); }
      finally { next.disabled = false; }
    } },
      title,
      pr.keyless ? h("p", { text: t("setup.keyless", { name: pr.local_app || pr.name }) }) : null,
      custom ? field(t("field.name"), nameIn, t("setup.nameHint")) : null,
      (custom || pr.keyless) ? field(t("field.baseUrl"), urlIn, custom ? t("field.urlHint." + pr.type) : null) : null,
      pr.keyless ? null : h("div", { class: "field" },
        h("label", { for: keyIn.id, text: custom ? `${t("field.apiKey")} (${t("common.optional")})` : t("field.apiKey") }), keyIn,
        custom ? h("p", { class: "hint", text: t("field.keyHintOptional") }) : null,
        pr.key_url ? h("p", { class: "hint" }, t("setup.keyHelp"), " ",
          h("a", { href: pr.key_url, target: "_blank", rel: "noopener noreferrer", text: t("field.getKey", { name: pr.name }) })) : null),
      modelField, result,
      h("div", { class: "wizard-foot" },
        h("button", { type: "button", text: t("common.back"), onclick: () => { setup.step = 1; renderSetup(); } }), next));
    card.append(form);
  }
  // What the guide did with existing providers and routes, and which route
  // Claude Code's requests now use; when another route stays active, offer
  // the switch (never made silently).
  function routeNotes() {
    const saved = setup.saved;
    if (!saved) return [];
    const out = [];
    if (saved.reused_provider) out.push(h("p", { class: "hint", text: t("setup.reusedProvider", { provider: setup.providerName }) }));
    if (saved.reused_route) out.push(h("p", { class: "hint", text: t("setup.reusedRoute", { route: saved.route_name }) }));
    const active = SB.state.active_route;
    if (active && active !== saved.route) {
      const activeRoute = SB.state.routes.find((r) => r.id === active);
      const activeName = activeRoute ? activeRoute.name : active;
      const box = h("div", { class: "notice-box", id: "setup-route-choice" },
        h("p", { text: t("setup.otherActive", { active: activeName, route: saved.route_name }) }),
        h("button", { type: "button", id: "setup-use-route", text: t("setup.useRoute", { route: saved.route_name }), onclick: async () => {
          try {
            await api("POST", "active-route", { id: saved.route });
            await refresh();
            toast(t("routes.activated", { name: saved.route_name }));
            renderSetup();
          } catch (e) { toast(e.message); }
        } }));
      out.push(box);
    }
    return out;
  }
  async function claudeInfo() {
    try { return await api("GET", "claude-code"); } catch (e) { return { available: false, connected: null, base_url: "", access_key: "" }; }
  }
  async function setupConnect(card) {
    card.append(h("p", { class: "loading", text: t("common.loading") }));
    const info = await claudeInfo();
    card.replaceChildren();
    // One primary button at a time: Connect until Claude Code is connected, then Finish.
    const finish = h("button", { type: "button", id: "setup-finish", text: t("setup.finish"),
      onclick: () => { setup.step = 4; renderSetup(); focusMain(); } });
    const finishLook = (connected) => {
      finish.className = connected || !info.available ? "primary" : "";
      finish.textContent = connected || !info.available ? t("setup.finish") : t("setup.finishLater");
    };
    card.append(h("h2", { id: "setup-step-title", text: t("setup.step3") }), ...routeNotes());
    if (info.available) {
      card.append(h("p", { text: t("setup.connectIntro") }), await SB.claudeConnectBlock(info, (connected) => {
        setup.claudeConnected = connected;
        finishLook(connected);
        if (connected) finish.focus();
      }));
    } else {
      card.append(h("p", { text: t("setup.connectManual") }),
        SB.copyField(t("claude.baseUrl"), info.base_url, { id: "setup-base-url" }),
        SB.copyField(t("claude.accessKey"), info.access_key || "", { id: "setup-access-key", secret: true }),
        h("p", { class: "hint", text: t("claude.manual") }));
    }
    setup.claudeConnected = info.connected;
    finishLook(!!info.connected);
    card.append(h("div", { class: "wizard-foot" }, h("span"), finish));
  }
  // The last page says only what is true: where requests go, whether Claude
  // Code is connected, and what is left to do.
  async function setupDone() {
    const info = await claudeInfo();
    const active = SB.state.routes.find((r) => r.id === SB.state.active_route);
    const ours = setup.saved && active && active.id === setup.saved.route;
    const where = ours ? t("setup.goesTo", { provider: setup.providerName || "", model: setup.model || "" })
      : active ? t("setup.goesToRoute", { route: active.name }) : t("status.none");
    const connected = !!info.connected;
    const lines = [];
    if (connected) lines.push(h("p", { id: "done-body", text: t("setup.doneBody", { where }) }));
    else {
      lines.push(h("p", { id: "done-body", text: t("setup.readyBody", { where }) }));
      lines.push(h("p", { class: "notice-box", text: info.available ? t("setup.notConnectedNext") : t("setup.manualNext") }));
    }
    if (connected && setup.claudeConnected) lines.push(h("p", { class: "notice-box", id: "done-restart", text: t("claude.restart") }));
    main().replaceChildren(h("section", { class: "card done", "aria-labelledby": "done-title" },
      h("div", { class: connected ? "tick" : "tick pending", "aria-hidden": "true", text: connected ? "✓" : "…" }),
      h("h1", { id: "done-title", text: connected ? t("setup.doneTitle") : t("setup.readyTitle") }),
      ...lines,
      h("button", { type: "button", class: "primary", id: "setup-open-settings", text: connected ? t("setup.openSettings") : t("setup.openClaude"), onclick: () => {
        setup.step = 1; setup.saved = null; SB.setupDismissed = true;
        const next = connected ? "providers" : "claude";
        location.hash = "#" + next; show(next);
      } })));
  }

  Object.assign(SB, { renderSetup });
  SB.VIEWS.setup = renderSetup;
})(window.Switchboard);
