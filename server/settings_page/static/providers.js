// Switchboard settings: the Providers screen and the provider dialog.
"use strict";
(function (SB) {
  const { LANG, has, t, h, nextId, field, main, toast, api,
          problemText, refresh, show, head, banners, renderResult, busy, presetById, openDialog } = SB;

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
    for (const p of SB.state.providers) list.append(providerCard(p));
    if (!SB.state.providers.length) list.append(h("p", { class: "card empty", text: t("providers.empty") }));
    main().replaceChildren(
      head("providers.title", "providers.intro", h("div", { class: "row" }, ...setupFileButtons(),
        h("button", { class: "primary", type: "button", id: "add-provider", onclick: () => providerDialog(null), text: t("providers.add") }))),
      ...banners(), list);
    markChecked(list);
  }
  // A model's last "Check with Claude Code" result beside its chip: ✓ all fine, ✗ a problem.
  async function markChecked(list) {
    let kept;
    try { kept = await api("GET", "checks"); } catch (e) { return; }
    for (const chip of list.querySelectorAll(".chip[data-model]")) {
      const card = chip.closest("[data-provider]");
      const entry = card && kept[`${card.dataset.provider}/${chip.dataset.model}`];
      if (!entry) continue;
      const failed = entry.cards.filter((c) => c.status === "fail").map(cardTitle);
      chip.textContent = `${chip.dataset.model} ${failed.length ? "✗" : "✓"}`;
      chip.title = failed.length ? t("check.chipFailed", { date: entry.date, failed: failed.join(", ") })
        : t("check.chipPassed", { date: entry.date });
    }
  }
  // Export setup: providers, routes and network settings without any key
  // (issue 17); Import setup reads such a file and asks for the missing keys.
  function setupFileButtons() {
    const file = h("input", { type: "file", id: "import-setup-file", accept: ".json,application/json", hidden: true,
      "aria-label": t("import.setupButton"), onchange: async () => {
      const chosen = file.files && file.files[0];
      file.value = "";
      if (!chosen) return;
      try {
        const r = await api("POST", "import", { setup: JSON.parse(await chosen.text()), route_names: SB.importRouteNames() });
        await refresh();
        const needs = SB.state.providers.filter((p) => (r.needs_keys || []).includes(p.id));
        toast(needs.length ? t("import.needsKeys", { names: needs.map((p) => p.name).join(", ") }) : t("import.setupDone"));
        if (needs.length) providerDialog(needs[0]);
      } catch (e) { toast(e instanceof SyntaxError ? t("import.notSetup") : e.message); }
    } });
    return [file,
      h("button", { type: "button", id: "import-setup", text: t("import.setupButton"), onclick: () => file.click() }),
      h("button", { type: "button", id: "export-setup", text: t("export.button"), onclick: async () => {
        try {
          const r = await api("GET", "export");
          const url = URL.createObjectURL(new Blob([JSON.stringify(r.setup, null, 2) + "\n"], { type: "application/json" }));
          const a = h("a", { href: url, download: "switchboard-setup.json" });
          document.body.append(a); a.click(); a.remove();
          setTimeout(() => URL.revokeObjectURL(url), 1000);
          toast(t("export.done"));
        } catch (e) { toast(e.message); }
      } })];
  }
  function providerCard(p) {
    const result = h("div", { class: "result", role: "status", "aria-live": "polite" });
    const testBtn = h("button", { type: "button", text: t("providers.test"),
      "aria-label": `${t("providers.test")}: ${p.name}`,
      onclick: async () => {
        testBtn.disabled = true;
        busy(result, t("providers.testing"));
        try { renderResult(result, await api("POST", "test", { id: p.id })); }
        catch (e) { SB.errorResult(result, e); }
        finally { testBtn.disabled = false; }
      } });
    if (!p.models.length) testBtn.disabled = true;
    const chips = p.models.length
      ? h("div", { class: "chips", "aria-label": t("providers.models") }, p.models.slice(0, 12).map((m) => h("span", { class: "chip mono", "data-model": m, text: m })),
          p.models.length > 12 ? h("span", { class: "chip", text: `+${p.models.length - 12}` }) : null)
      : h("p", { class: "hint", text: t("providers.noModels") });
    return h("article", { class: "card", role: "listitem", "data-provider": p.id, "aria-labelledby": `prov-${p.id}` },
      h("div", { class: "card-head" },
        h("h2", { id: `prov-${p.id}`, text: p.name }),
        h("span", { class: "badge", text: t("type." + p.type) }),
        h("div", { class: "card-actions" }, testBtn,
          h("button", { type: "button", text: t("keys.button"), "aria-label": `${t("keys.button")}: ${p.name}`, onclick: () => keysDialog(p) }),
          h("button", { type: "button", text: t("check.button"), "aria-label": `${t("check.button")}: ${p.name}`,
            disabled: !p.models.length, onclick: () => checkDialog(p) }),
          h("button", { type: "button", text: t("common.edit"), "aria-label": `${t("common.edit")}: ${p.name}`, onclick: () => providerDialog(p) }),
          h("button", { type: "button", class: "danger", text: t("common.delete"), "aria-label": `${t("common.delete")}: ${p.name}`,
            onclick: () => deleteProvider(p, result) }))),
      h("p", { class: "meta" }, h("span", { class: "mono", text: p.base_url }), h("span", { text: keyLine(p) })),
      chips, result);
  }

  // The routes that send requests to provider `id` (by name).
  function routesUsing(id) {
    return SB.state.routes.filter((r) => Object.values(r.slots || {}).some((targets) =>
      (targets || []).some((tg) => String(tg).split("/")[0] === id))).map((r) => r.name);
  }
  // Delete: say first when routes use it (nothing to confirm then); the
  // question mentions the saved key only when there is one in the password store.
  async function deleteProvider(p, result) {
    const using = routesUsing(p.id);
    if (using.length) {
      const go = await SB.confirmDialog({ title: t("providers.inUseTitle", { name: p.name }),
        body: [t("providers.inUse", { name: p.name, routes: using.map((n) => `“${n}”`).join(", ") })],
        confirm: t("providers.goToRoutes"), cancel: t("common.close") });
      if (go) { location.hash = "#routes"; }
      return;
    }
    const keySaved = p.key && p.key.set && p.key.source === "keyring";
    const ok = await SB.confirmDialog({ title: t("providers.confirmDeleteTitle", { name: p.name }),
      body: [t("providers.confirmDelete", { name: p.name }), keySaved ? t("providers.confirmDeleteKey") : null].filter(Boolean),
      confirm: t("common.delete"), danger: true });
    if (!ok) return;
    try { await api("DELETE", "providers/" + encodeURIComponent(p.id)); toast(t("providers.deleted")); await refresh(); renderProviders(); }
    catch (e) { SB.errorResult(result, e); }
  }

  // A model checklist with Fetch models / Add a model.
  function modelPicker(initialAll, initialChecked, draftBody, nameForFetch, onKeyNeeded) {
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
      } catch (e) {
        status.textContent = e.message;
        if (SB.isKeyNeeded(e) && onKeyNeeded) onKeyNeeded();
      }
      finally { fetchBtn.disabled = false; }
    } });
    const el = h("fieldset", null, h("legend", { text: t("field.models") }),
      h("p", { class: "hint", text: t("field.modelsHint") }), listEl,
      h("div", { class: "row" }, fetchBtn), status,
      h("div", { class: "field" }, h("label", { for: addInput.id, text: t("field.addModel") }),
        h("div", { class: "row" }, addInput, h("button", { type: "button", text: t("field.addModelButton"), onclick: add }))));
    return { el, chosen: () => all.filter((m) => chosen.has(m)) };
  }


  function providerDialog(p) {
    const editing = !!p;
    openDialog((close) => {
      const presetSel = h("select", { id: "provider-preset", name: "preset" },
        SB.state.presets.map((x) => h("option", { value: x.id, text: x.name })));
      const nameIn = h("input", { type: "text", id: "provider-name", name: "name", autocomplete: "off", value: editing ? p.name : "" });
      const urlIn = h("input", { type: "url", id: "provider-url", name: "base_url", autocomplete: "off", spellcheck: "false", value: editing ? p.base_url : "" });
      const urlHint = h("p", { class: "hint", id: nextId("hint") });
      urlIn.setAttribute("aria-describedby", urlHint.id);
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
      // A saved key goes only to the address it was saved with: a new address needs it again.
      const keyNeeded = () => {
        errorEl.textContent = t("error.key_needed");
        keyHint.textContent = t("error.key_needed");
        keyHint.classList.add("hint-bad");
        keyIn.setAttribute("aria-invalid", "true");
        keyIn.focus();
        keyIn.scrollIntoView({ block: "nearest" });
      };
      keyIn.addEventListener("input", () => keyIn.removeAttribute("aria-invalid"));
      const showUrlHint = () => {
        const pr = editing ? presetById(p.preset) : presetById(presetSel.value);
        const custom = !pr || pr.id.startsWith("custom-");
        const text = custom && has("field.urlHint." + typeSel.value) ? t("field.urlHint." + typeSel.value) : "";
        urlHint.textContent = text;
        urlIn.placeholder = custom && has("field.urlExample." + typeSel.value) ? t("field.urlExample." + typeSel.value) : "";
      };
      typeSel.addEventListener("change", showUrlHint);
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
                               editing ? p.models : suggested.slice(0, 3), draft, () => nameIn.value || displayName, keyNeeded);
          pickerHost.replaceChildren(picker.el);
        }
        showUrlHint();
      }
      presetSel.addEventListener("change", () => applyPreset(true));
      const testBtn = h("button", { type: "button", text: t("field.testDraft"), onclick: async () => {
        const models = picker.chosen();
        testBtn.disabled = true; busy(result, t("providers.testing"));
        try { renderResult(result, await api("POST", "test", Object.assign(draft(), { model: models[0] || "" }))); }
        catch (e) { SB.errorResult(result, e); if (SB.isKeyNeeded(e)) keyNeeded(); }
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
          await refresh(); await show(SB.view === "setup" ? "providers" : SB.view);
        } catch (e) {
          errorEl.textContent = e.message;
          if (SB.isKeyNeeded(e)) keyNeeded(); else SB.reveal(errorEl);
        }
        finally { save.disabled = false; save.textContent = t("common.save"); }
      } },
        h("div", { class: "dialog-head" }, h("h2", { id: "dialog-title", text: editing ? t("dialog.editTitle", { name: p.name }) : t("dialog.addTitle") })),
        h("div", { class: "dialog-body" },
          editing ? null : field(t("field.preset"), presetSel),
          h("div", { class: "grid-2" }, field(t("field.name"), nameIn), h("div", { class: "field" }, h("label", { for: urlIn.id, text: t("field.baseUrl") }), urlIn, urlHint)),
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


  // ---- several keys per provider (issue 18): add, name, test, reorder, remove ----------
  // Values are write-only: the list shows masks (sk-…1234) and names only.
  function keysDialog(p) {
    openDialog((close) => {
      const list = h("ol", { class: "stack key-list", "aria-label": t("keys.list", { name: p.name }) });
      const status = h("p", { class: "hint", role: "status", "aria-live": "polite" });
      const orderSel = h("select", { id: nextId("order") },
        ["order", "round_robin"].map((k) => h("option", { value: k, text: t("keys.order." + k) })));
      const nameIn = h("input", { type: "text", id: nextId("keyname"), autocomplete: "off", maxlength: "64", placeholder: t("keys.namePlaceholder") });
      const valueIn = h("input", { type: "password", id: nextId("keyvalue"), autocomplete: "off", spellcheck: "false" });
      let keys = [];
      const results = new Map();
      const fail = (e) => { status.textContent = e.message; };
      async function load() {
        const r = await api("GET", `providers/${encodeURIComponent(p.id)}/keys`);
        keys = r.keys; orderSel.value = r.order; draw();
      }
      async function arrange(next) {
        try {
          await api("PUT", `providers/${encodeURIComponent(p.id)}/keys`, { keys: next });
          toast(t("common.saved")); await load();
        } catch (e) { fail(e); }
      }
      const moved = (i, d) => { const idx = keys.map((k) => ({ index: k.index })); const [x] = idx.splice(i, 1); idx.splice(i + d, 0, x); return idx; };
      function keyText(k) {
        const where = k.source === "env" ? t("providers.keyEnv", { env: k.env }) : k.set ? k.masked : t("providers.keyMissing");
        return k.resting ? `${where} · ${t("keys.resting." + k.resting)}` : where;
      }
      function draw() {
        list.replaceChildren(...keys.map((k, i) => {
          // A test's result stays under its key when the list is drawn again.
          if (!results.has(k.label)) results.set(k.label, h("div", { class: "result", role: "status", "aria-live": "polite" }));
          const result = results.get(k.label);
          const nameEdit = h("input", { type: "text", id: nextId("kname"), value: k.name, maxlength: "64", "aria-label": t("keys.name"),
            onchange: () => arrange(keys.map((x) => ({ index: x.index, name: x.index === k.index ? nameEdit.value.trim() : x.name }))) });
          const testBtn = h("button", { type: "button", text: t("providers.test"), "aria-label": `${t("providers.test")}: ${k.label}`,
            disabled: !p.models.length, onclick: async () => {
              testBtn.disabled = true; busy(result, t("providers.testing"));
              try { renderResult(result, await api("POST", `providers/${encodeURIComponent(p.id)}/keys/${k.index}/test`, {})); await load(); }
              catch (e) { SB.errorResult(result, e); }
              finally { testBtn.disabled = false; }
            } });
          return h("li", { class: "card", "data-key": k.label },
            h("div", { class: "card-head" }, nameEdit, h("span", { class: "mono", text: keyText(k) }),
              h("div", { class: "card-actions" }, testBtn,
                h("button", { type: "button", text: t("keys.up"), "aria-label": `${t("keys.up")}: ${k.label}`, disabled: i === 0, onclick: () => arrange(moved(i, -1)) }),
                h("button", { type: "button", text: t("keys.down"), "aria-label": `${t("keys.down")}: ${k.label}`, disabled: i === keys.length - 1, onclick: () => arrange(moved(i, 1)) }),
                h("button", { type: "button", class: "danger", text: t("keys.remove"), "aria-label": `${t("keys.remove")}: ${k.label}`,
                  onclick: async () => {
                    try { await api("DELETE", `providers/${encodeURIComponent(p.id)}/keys/${k.index}`); toast(t("keys.removed")); await load(); await refresh(); }
                    catch (e) { fail(e); }
                  } }))),
            result);
        }));
        if (!keys.length) list.append(h("li", { class: "hint", text: t("providers.keyMissing") }));
      }
      orderSel.addEventListener("change", async () => {
        try { await api("PUT", `providers/${encodeURIComponent(p.id)}/keys`, { order: orderSel.value }); toast(t("common.saved")); }
        catch (e) { fail(e); }
      });
      const form = h("form", { method: "dialog", novalidate: true, onsubmit: async (ev) => {
        ev.preventDefault();
        if (!valueIn.value.trim()) { status.textContent = t("error.key_required"); valueIn.focus(); return; }
        const add = form.querySelector("button[type=submit]");
        add.disabled = true;
        try {
          await api("POST", `providers/${encodeURIComponent(p.id)}/keys`, { name: nameIn.value.trim(), api_key: valueIn.value.trim() });
          valueIn.value = ""; nameIn.value = ""; toast(t("keys.added")); await load(); await refresh();
        } catch (e) { fail(e); }
        finally { add.disabled = false; }
      } },
        h("div", { class: "dialog-head" }, h("h2", { id: "dialog-title", text: t("keys.title", { name: p.name }) })),
        h("div", { class: "dialog-body" },
          h("p", { class: "hint", text: t("keys.intro") }), list,
          field(t("keys.orderLabel"), orderSel),
          h("fieldset", null, h("legend", { text: t("keys.add") }),
            h("div", { class: "grid-2" }, field(t("keys.name"), nameIn), field(t("field.apiKey"), valueIn)),
            h("div", { class: "row" }, h("button", { type: "submit", class: "primary", text: t("keys.addButton") }))),
          status),
        h("div", { class: "dialog-foot" }, h("span", { class: "spacer" }),
          h("button", { type: "button", text: t("common.close"), onclick: async () => { close(); await refresh(); if (SB.view === "providers") renderProviders(); } })));
      load().catch(fail);
      return form;
    });
  }

  // ---- "Check with Claude Code" (issue 18): the estimate first, then the run the person starts ----
  // The cards' words come as codes (server/check/run.py); a result kept by an
  // older version has only the English text.
  function cardTitle(c) { return SB.said({ code: "check.card." + c.id }, c.title); }
  function checkCards(entry) {
    return h("ol", { class: "stack check-cards", "aria-label": t("check.results") }, entry.cards.map((c) => {
      const words = c.said || {};
      return h("li", { class: "card check-" + c.status, "data-check": c.id },
        h("strong", { text: `${t("check.status." + c.status)} · ${cardTitle(c)}` }),
        c.explanation ? h("p", { text: SB.said(words.explanation, c.explanation) }) : null,
        c.advice && c.status === "fail" ? h("p", { class: "hint", text: t("check.advice", { advice: SB.said(words.advice, c.advice) }) }) : null);
    }));
  }
  function checkDialog(p) {
    openDialog((close) => {
      const modelSel = h("select", { id: nextId("cmodel") }, p.models.map((m) => h("option", { value: m, text: m })));
      const vision = h("input", { type: "checkbox", id: nextId("cvision"), checked: true });
      const reasoning = h("input", { type: "checkbox", id: nextId("creason"), checked: true });
      const longPrompt = h("input", { type: "checkbox", id: nextId("cctx"), checked: true });
      const windowIn = h("input", { type: "number", id: nextId("cwin"), min: "1000", step: "1000", placeholder: "60000" });
      const estimate = h("p", { class: "hint", role: "status", "aria-live": "polite" });
      const out = h("div", { class: "result", role: "status", "aria-live": "polite" });
      const body = () => ({ provider: p.id, model: modelSel.value, vision: vision.checked, reasoning: reasoning.checked,
        context: longPrompt.checked, context_window: windowIn.value ? Number(windowIn.value) : null });
      async function showEstimate() {
        try { estimate.textContent = t("check.estimate", { tokens: (await api("POST", "check/estimate", body())).estimate.toLocaleString(LANG) }); }
        catch (e) { estimate.textContent = e.message; }
      }
      async function showKept() {
        try {
          const kept = (await api("GET", "checks"))[`${p.id}/${modelSel.value}`];
          out.replaceChildren(kept ? h("p", { class: "hint", text: t("check.kept", { date: kept.date }) }) : "", kept ? checkCards(kept) : "");
        } catch (e) { out.textContent = e.message; }
      }
      for (const el of [modelSel, vision, reasoning, longPrompt, windowIn]) el.addEventListener("change", () => { showEstimate(); if (el === modelSel) showKept(); });
      const form = h("form", { method: "dialog", novalidate: true, onsubmit: async (ev) => {
        ev.preventDefault();
        const go = form.querySelector("button[type=submit]");
        go.disabled = true; busy(out, t("check.running"));
        try {
          const r = await api("POST", "check", body());
          if (!r.ok) { out.textContent = r.problem ? problemText(r) : r.error; return; }
          out.replaceChildren(h("p", { class: "hint", text: t("check.used", { used: r.used_tokens.total.toLocaleString(LANG), estimate: r.estimate_tokens.toLocaleString(LANG) }) }), checkCards(r));
        } catch (e) { SB.errorResult(out, e); }
        finally { go.disabled = false; }
      } },
        h("div", { class: "dialog-head" }, h("h2", { id: "dialog-title", text: t("check.title", { name: p.name }) })),
        h("div", { class: "dialog-body" },
          h("p", { class: "hint", text: t("check.intro") }),
          field(t("check.model"), modelSel),
          h("label", { class: "check", for: vision.id }, vision, t("check.vision")),
          h("label", { class: "check", for: reasoning.id }, reasoning, t("check.reasoning")),
          h("label", { class: "check", for: longPrompt.id }, longPrompt, t("check.longPrompt")),
          field(t("check.window"), windowIn), estimate, out),
        h("div", { class: "dialog-foot" }, h("span", { class: "spacer" }),
          h("button", { type: "button", text: t("common.close"), onclick: close }),
          h("button", { type: "submit", class: "primary", text: t("check.run") })));
      showEstimate(); showKept();
      return form;
    });
  }

  Object.assign(SB, { renderProviders, providerDialog, modelPicker, keysDialog, checkDialog });
  SB.VIEWS.providers = renderProviders;
})(window.Switchboard);
