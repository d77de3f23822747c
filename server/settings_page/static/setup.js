// Switchboard settings: the first-run setup guide.
"use strict";
(function (SB) {
  const { LANG, has, t, h, nextId, field, main, toast, copyText, api, problemText, refresh, providerName, targetLabel,
          show, focusMain, head, banners, renderResult, busy, presetById, openDialog } = SB;

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
      card.append(h("p", { text: t("setup.connectIntro") }), await SB.claudeConnectBlock(info, (connected) => { if (connected) finish.focus(); }));
    } else {
      card.append(h("p", { text: t("setup.connectManual") }),
        SB.copyField(t("claude.baseUrl"), info.base_url, { id: "setup-base-url" }),
        SB.copyField(t("claude.accessKey"), info.access_key || "", { id: "setup-access-key", secret: true }),
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
        setup.step = 1; SB.setupDismissed = true; location.hash = "#providers"; show("providers");
      } })));
  }


  Object.assign(SB, { renderSetup });
  SB.VIEWS.setup = renderSetup;
})(window.Switchboard);
