// Switchboard settings: the Routes screen and the route dialog.
"use strict";
(function (SB) {
  const { t, h, nextId, field, main, toast, api, refresh, targetLabel, head, banners, openDialog } = SB;

  // ---- routes ------------------------------------------------------------------------
  const TIERS = ["opus", "sonnet", "haiku"];
  const RULES = ["think", "long_context", "image", "web_search"];

  function allTargets() {
    const out = [];
    for (const p of SB.state.providers) for (const m of p.models) out.push({ value: `${p.id}/${m}`, provider: p, model: m });
    return out;
  }
  function targetSelect(id, current, emptyLabel) {
    const sel = h("select", { id });
    sel.append(h("option", { value: "", text: emptyLabel }));
    const known = new Set();
    for (const p of SB.state.providers) {
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
    if (SB.state.routes.length) {
      const group = h("fieldset", { class: "card" }, h("legend", { text: t("routes.active") }),
        h("div", { class: "radio-list" }, SB.state.routes.map((r) => {
          const id = nextId("active");
          return h("label", { class: "radio-card", for: id },
            h("input", { type: "radio", name: "active-route", id, value: r.id, checked: r.id === SB.state.active_route,
              onchange: async () => {
                try { await api("POST", "active-route", { id: r.id }); await refresh(); toast(t("routes.activated", { name: r.name })); renderRoutes(); }
                catch (e) { toast(e.message); }
              } }),
            h("span", { text: r.name }), h("span", { class: "hint mono", text: r.slots.default ? targetLabel(r.slots.default[0]) : "" }));
        })));
      parts.push(group);
      const list = h("div", { class: "stack", role: "list" });
      for (const r of SB.state.routes) list.append(routeCard(r));
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
    const active = r.id === SB.state.active_route;
    return h("article", { class: "card", role: "listitem", "data-route": r.id, "aria-labelledby": `route-${r.id}` },
      h("div", { class: "card-head" }, h("h2", { id: `route-${r.id}`, text: r.name }),
        active ? h("span", { class: "badge active", text: t("routes.active") }) : null,
        h("div", { class: "card-actions" },
          h("button", { type: "button", text: t("common.edit"), "aria-label": `${t("common.edit")}: ${r.name}`, onclick: () => routeDialog(r) }),
          h("button", { type: "button", class: "danger", text: t("common.delete"), "aria-label": `${t("common.delete")}: ${r.name}`,
            onclick: async () => {
              const ok = await SB.confirmDialog({ title: t("routes.confirmDeleteTitle", { name: r.name }),
                body: [active ? t("routes.confirmDeleteActive") : t("routes.confirmDelete", { name: r.name })],
                confirm: t("common.delete"), danger: true });
              if (!ok) return;
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
      const activate = h("input", { type: "checkbox", id: "route-activate", checked: !editing || r.id === SB.state.active_route });
      const errorEl = h("p", { class: "form-error", role: "alert" });
      const form = h("form", { method: "dialog", novalidate: true, onsubmit: async (ev) => {
        ev.preventDefault();
        errorEl.textContent = "";
        const name = nameIn.value.trim();
        if (!sel.default.value) { errorEl.textContent = t("error.default_required"); sel.default.focus(); return; }
        let id = r ? r.id : slugify(name || "route");
        if (!r) { const base = id; let n = 2; while (SB.state.routes.some((x) => x.id === id)) id = `${base}-${n++}`; }
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


  Object.assign(SB, { renderRoutes, routeDialog });
  SB.VIEWS.routes = renderRoutes;
})(window.Switchboard);
