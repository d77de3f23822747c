// Switchboard settings: the Usage screen (issue 15). Totals for today, 7 or
// 30 days, a chart by day stacked by provider (SVG drawn here: no library,
// no CDN; colours readable on the light and the dark theme), tables by
// provider, model and route, prices, the spending limit, CSV export.
// Numbers come from GET api/usage, the same queries as `switchboard usage --json`.
"use strict";
(function (SB) {
  if (!SB || !SB.VIEWS) return;  // the page's core (core.js) is not loaded
  const { LANG, t, h, field, main, toast, api, head, openDialog } = SB;
  const SVG = "http://www.w3.org/2000/svg";
  // Tableau 10: distinct hues of middle lightness, legible on white and on #1a1d25.
  const PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];
  const fmt = new Intl.NumberFormat(LANG);
  const pct = new Intl.NumberFormat(LANG, { style: "percent", maximumFractionDigits: 1 });
  let days = 1;

  function money(usd) {
    const small = usd > 0 && usd < 0.01;
    return new Intl.NumberFormat(LANG, { style: "currency", currency: "USD",
      minimumFractionDigits: small ? 4 : 2, maximumFractionDigits: small ? 4 : 2 }).format(usd || 0);
  }
  // "$0.84", "price unknown", or "$0.84 + 2 requests at an unknown price".
  function costText(x) {
    if (x.unpriced_requests && !x.cost_usd) return t("usage.priceUnknown");
    return money(x.cost_usd);
  }
  function num(n) { return n === null || n === undefined ? "–" : fmt.format(n); }
  function providerName(data, id) { return (data.provider_names && data.provider_names[id]) || id; }
  function routeName(data, id) { return (data.route_names && data.route_names[id]) || id; }

  function svg(tag, attrs, ...children) {
    const el = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) if (v !== null && v !== undefined) el.setAttribute(k, String(v));
    for (const c of children) if (c) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return el;
  }

  // ---- the chart: one bar per day, one segment per provider ------------------------
  function chart(data) {
    const byCost = data.chart.some((c) => c.cost_usd > 0);
    const value = (c) => (byCost ? c.cost_usd : c.tokens);
    const label = (v) => (byCost ? money(v) : fmt.format(v));
    const providers = Array.from(new Set(data.chart.map((c) => c.provider))).sort();
    const colour = (p) => PALETTE[providers.indexOf(p) % PALETTE.length];
    const perDay = {};
    for (const c of data.chart) (perDay[c.day] = perDay[c.day] || []).push(c);
    const totals = data.day_list.map((d) => (perDay[d] || []).reduce((s, c) => s + value(c), 0));
    const max = Math.max(...totals, 0) || 1;
    const W = 720, H = 240, left = 64, bottom = 28, top = 10, right = 8;
    const plotW = W - left - right, plotH = H - top - bottom;
    const slot = plotW / data.day_list.length;
    const barW = Math.max(4, Math.min(48, slot * 0.7));
    const title = t(byCost ? "usage.chartCost" : "usage.chartTokens");
    const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, width: "100%", role: "img", "aria-label": title,
      class: "usage-chart", "font-size": "12", fill: "currentColor" }, svg("title", null, title));
    // grid lines and their labels (0, half, max)
    for (const f of [0, 0.5, 1]) {
      const y = top + plotH - f * plotH;
      root.append(svg("line", { x1: left, x2: W - right, y1: y, y2: y, stroke: "currentColor", "stroke-opacity": f ? 0.18 : 0.45 }));
      root.append(svg("text", { x: left - 6, y: y + 4, "text-anchor": "end", "fill-opacity": 0.8 }, label(max * f)));
    }
    const step = Math.ceil(data.day_list.length / 10);  // at most ~10 day labels
    data.day_list.forEach((day, i) => {
      const x = left + i * slot + (slot - barW) / 2;
      let y = top + plotH;
      for (const c of (perDay[day] || []).slice().sort((a, b) => providers.indexOf(a.provider) - providers.indexOf(b.provider))) {
        const hgt = (value(c) / max) * plotH;
        if (hgt <= 0) continue;
        y -= hgt;
        root.append(svg("rect", { x, y, width: barW, height: hgt, fill: colour(c.provider), "data-day": day, "data-provider": c.provider },
          svg("title", null, t("usage.chartBar", { day, provider: providerName(data, c.provider), value: label(value(c)) }))));
      }
      if ((data.day_list.length - 1 - i) % step === 0) {  // counted back from today: even gaps, today labelled
        const d = new Date(day + "T12:00:00");
        root.append(svg("text", { x: x + barW / 2, y: H - 8, "text-anchor": "middle", "fill-opacity": 0.8 },
          new Intl.DateTimeFormat(LANG, { month: "short", day: "numeric" }).format(d)));
      }
    });
    const legend = h("ul", { class: "usage-legend", "aria-label": t("usage.col.provider") },
      providers.map((p) => {
        const swatch = svg("svg", { width: 12, height: 12, "aria-hidden": "true" }, svg("rect", { width: 12, height: 12, rx: 2, fill: colour(p) }));
        return h("li", null, swatch, " ", providerName(data, p));
      }));
    // CSSOM (allowed by the page's style-src 'self'; style attributes are not)
    Object.assign(legend.style, { display: "flex", flexWrap: "wrap", gap: "6px 16px", listStyle: "none", padding: "0", margin: "8px 0 0" });
    return h("section", { class: "card", id: "usage-chart", "aria-label": t("usage.chartTitle") },
      h("h2", { text: t("usage.chartTitle") }), h("p", { class: "hint", text: title }), root, legend);
  }

  // ---- totals and tables -----------------------------------------------------------
  function totalCard(key, big, sub) {
    return h("section", { class: "card total", "data-total": key, "aria-label": t("usage." + key) },
      h("h3", { text: t("usage." + key) }), h("div", { class: "big", text: big }), sub ? h("p", { text: sub }) : null);
  }
  function totalsView(x) {
    return h("div", { class: "totals", id: "usage-totals" },
      totalCard("requests", fmt.format(x.requests), x.failed ? t("usage.failedN", { n: fmt.format(x.failed) }) : null),
      totalCard("inputTokens", fmt.format(x.input_tokens)),
      totalCard("outputTokens", fmt.format(x.output_tokens)),
      totalCard("cacheRead", fmt.format(x.cache_read_tokens),
        x.cache_hit_share !== null ? t("usage.cacheShare", { pct: pct.format(x.cache_hit_share) }) : null),
      totalCard("cost", costText(x), x.unpriced_requests && x.cost_usd
        ? t(x.unpriced_requests === 1 ? "usage.plusUnknown1" : "usage.plusUnknown", { n: fmt.format(x.unpriced_requests) }) : null));
  }
  const CELLS = {
    requests: (g) => fmt.format(g.requests),
    success: (g) => (g.success_rate === null ? "–" : pct.format(g.success_rate)),
    median: (g) => (g.median_latency_ms === null ? "–" : t("usage.ms", { ms: fmt.format(Math.round(g.median_latency_ms)) })),
    input: (g) => fmt.format(g.input_tokens),
    output: (g) => fmt.format(g.output_tokens),
    cache: (g) => (g.cache_hit_share === null ? "–" : pct.format(g.cache_hit_share)),
    cost: (g) => costText(g) + (g.unpriced_requests && g.cost_usd ? " + " + t("usage.priceUnknown") : ""),
  };
  // Success rate and median latency per provider; models and routes keep to tokens and cost.
  function table(id, captionKey, firstKey, groups, name) {
    const keys = firstKey === "provider" ? ["requests", "success", "median", "input", "output", "cache", "cost"]
      : ["requests", "input", "output", "cache", "cost"];
    const cols = keys.map((k) => [k, "num"]);
    const rows = groups.map((g) => h("tr", null,
      h("th", { scope: "row", text: name(g) }),
      keys.map((k) => h("td", { class: "num", "data-col": k, text: CELLS[k](g) }))));
    return h("section", { class: "card", "aria-label": t(captionKey) }, h("h2", { text: t(captionKey) }),
      h("div", { class: "table-wrap" }, h("table", { class: "activity", id },
        h("caption", { class: "visually-hidden", text: t(captionKey) }),
        h("thead", null, h("tr", null, h("th", { scope: "col", text: t("usage.col." + firstKey) }),
          cols.map(([k, cls]) => h("th", { scope: "col", class: cls, text: t("usage.col." + k) })))),
        h("tbody", null, rows))));
  }

  // ---- prices ----------------------------------------------------------------------
  function priceCell(p, f) { return p && p.price ? fmt.format(p.price[f]) : "–"; }
  function originText(p) {
    if (p.origin === "table") return t("usage.origin.table", { date: p.checked });
    return t("usage.origin." + p.origin);
  }
  async function pricesView() {
    const data = await api("GET", "usage/prices");
    const rows = data.rows.map((p) => h("tr", { "data-key": p.key },
      h("th", { scope: "row" }, h("span", { text: p.provider_name }), " · ", h("span", { class: "mono", text: p.model })),
      ["input", "output", "cache_read", "cache_write"].map((f) => h("td", { class: "num", text: priceCell(p, f) })),
      h("td", null, p.source ? h("a", { href: p.source, target: "_blank", rel: "noopener noreferrer", text: originText(p) }) : originText(p)),
      h("td", null, h("button", { type: "button", class: "link", text: t("usage.setPrice"),
        "aria-label": t("usage.priceTitle", { model: p.key }), onclick: () => editPrice(p) }))));
    return h("section", { class: "card", id: "usage-prices", "aria-label": t("usage.prices") },
      h("h2", { text: t("usage.prices") }), h("p", { class: "hint", text: t("usage.pricesIntro") }),
      h("div", { class: "table-wrap" }, h("table", { class: "activity" },
        h("thead", null, h("tr", null,
          h("th", { scope: "col", text: t("usage.col.model") }),
          ["input", "output", "cacheRead", "cacheWrite"].map((k) => h("th", { scope: "col", class: "num", text: t("usage.col." + k) })),
          h("th", { scope: "col", text: t("usage.col.origin") }), h("th", { scope: "col", text: "" }))),
        h("tbody", null, rows))));
  }
  function editPrice(p) {
    const inputs = {};
    const numberInput = (f) => (inputs[f] = h("input", { type: "number", min: "0", step: "any", inputmode: "decimal",
      value: p.origin === "override" && p.price ? String(p.price[f]) : "" }));
    const error = h("p", { class: "form-error", role: "alert" });
    openDialog((close) => h("form", { onsubmit: async (ev) => {
        ev.preventDefault();
        const price = {};
        for (const [f, el] of Object.entries(inputs)) if (el.value !== "") price[f] = Number(el.value);
        try {
          await api("PUT", "usage/prices", { key: p.key, price });
          close(); toast(t("usage.priceSaved")); await render();
        } catch (e) { error.textContent = e.message; }
      } },
      h("div", { class: "dialog-head" }, h("h2", { id: "dialog-title", text: t("usage.priceTitle", { model: p.key }) })),
      h("div", { class: "dialog-body" }, h("p", { class: "hint", text: t("usage.priceHint") }),
        field(t("usage.col.input"), numberInput("input")), field(t("usage.col.output"), numberInput("output")),
        field(t("usage.col.cacheRead"), numberInput("cache_read")), field(t("usage.col.cacheWrite"), numberInput("cache_write")),
        error),
      h("div", { class: "dialog-foot" },
        p.origin === "override" ? h("button", { type: "button", class: "danger", text: t("usage.useShipped"), onclick: async () => {
          try { await api("PUT", "usage/prices", { key: p.key, price: null }); close(); await render(); }
          catch (e) { error.textContent = e.message; }
        } }) : null,
        h("button", { type: "button", text: t("common.cancel"), onclick: close }),
        h("button", { type: "submit", class: "primary", text: t("common.save") }))));
  }

  // ---- budget ----------------------------------------------------------------------
  function budgetView(data) {
    const b = data.budget;
    const daily = h("input", { type: "number", min: "0", step: "any", id: "usage-daily", value: b.daily ?? "" });
    const monthly = h("input", { type: "number", min: "0", step: "any", id: "usage-monthly", value: b.monthly ?? "" });
    const at = h("select", { id: "usage-at-limit" },
      ["warn", "switch"].map((v) => h("option", { value: v, text: t("usage.atLimit." + v) })));
    at.value = b.at_limit || "warn";
    const routes = Object.entries(data.route_names || {});
    const to = h("select", { id: "usage-switch-to" }, routes.map(([id, name]) => h("option", { value: id, text: name })));
    if (b.switch_to) to.value = b.switch_to;
    const toField = field(t("usage.switchTo"), to);
    const sync = () => { toField.hidden = at.value !== "switch"; };
    at.addEventListener("change", sync);
    sync();
    const error = h("p", { class: "form-error", role: "alert" });
    const form = h("form", { onsubmit: async (ev) => {
      ev.preventDefault();
      const body = { daily: daily.value === "" ? null : Number(daily.value), monthly: monthly.value === "" ? null : Number(monthly.value),
        at_limit: at.value, switch_to: at.value === "switch" ? to.value : null };
      try { await api("PUT", "usage/budget", body); toast(t("usage.budgetSaved")); error.textContent = ""; }
      catch (e) { error.textContent = e.message; }
    } }, field(t("usage.daily"), daily), field(t("usage.monthly"), monthly), field(t("usage.atLimit"), at), toField, error,
      h("button", { type: "submit", class: "primary", text: t("common.save") }));
    return h("section", { class: "card", id: "usage-budget", "aria-label": t("usage.budget") },
      h("h2", { text: t("usage.budget") }), h("p", { class: "hint", text: t("usage.budgetIntro") }),
      h("p", { class: "usage-spent", text: t("usage.spent", { today: money(b.spent_today), month: money(b.spent_month) }) }),
      b.reached ? h("p", { class: "status-bad", role: "status", text: SB.said(data.said && data.said.reached, b.reached) }) : null, form);
  }

  // ---- CSV -------------------------------------------------------------------------
  // Fetched through api() (it carries the page's session proof) and saved from a Blob.
  async function exportCsv() {
    let data;
    try { data = await api("GET", `usage/export?days=${days}&format=json`); }
    catch (e) { toast(e.message); return; }
    const blob = new Blob([data.csv], { type: "text/csv;charset=utf-8" });
    const a = h("a", { href: URL.createObjectURL(blob), download: data.filename });
    document.body.append(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
    toast(t("usage.exported", { name: data.filename }));
  }

  // ---- the screen --------------------------------------------------------------------
  function periodButtons() {
    const choices = [[1, "usage.today"], [7, "usage.days7"], [30, "usage.days30"]];
    const group = h("div", { class: "row", role: "group", "aria-label": t("usage.period") },
      choices.map(([n, key]) => h("button", { type: "button", class: n === days ? "primary" : null, "aria-pressed": n === days ? "true" : "false",
        "data-days": n, text: t(key), onclick: () => { days = n; render().catch((e) => toast(e.message)); } })),
      h("button", { type: "button", id: "usage-export", text: t("usage.export"), onclick: exportCsv }));
    for (const b of group.querySelectorAll("button")) b.style.whiteSpace = "nowrap";
    return group;
  }
  async function render() {
    const data = await api("GET", `usage?days=${days}`);
    if (SB.view !== "usage") return;
    const notes = [];
    const said = data.said || {};
    if (data.problem) notes.push(h("p", { class: "banner", role: "alert", text: SB.said(said.problem, data.problem) }));
    if (data.settings_problem) notes.push(h("p", { class: "banner", role: "alert", text: t("usage.settingsProblem", { detail: data.settings_problem }) }));
    if (!data.history) notes.push(h("p", { class: "banner", text: t("usage.historyOff") }));
    if (data.budget && data.budget.reached) notes.push(h("p", { class: "banner", role: "status", text: SB.said(said.reached, data.budget.reached) }));
    const body = [];
    if (!data.totals) body.push(h("p", { class: "card empty", text: t("usage.noHistory") }));
    else if (!data.totals.requests) body.push(totalsView(data.totals), h("p", { class: "card empty", text: t("usage.none") }));
    else {
      body.push(totalsView(data.totals), chart(data),
        table("usage-by-provider", "usage.byProvider", "provider", data.by_provider, (g) => providerName(data, g.provider)),
        table("usage-by-model", "usage.byModel", "model", data.by_model, (g) => {
          const i = g.model.indexOf("/");
          return `${providerName(data, g.model.slice(0, i))} · ${g.model.slice(i + 1)}`;
        }),
        table("usage-by-route", "usage.byRoute", "route", data.by_route, (g) => routeName(data, g.route)));
    }
    let prices = null;
    try { prices = await pricesView(); } catch (e) { prices = h("p", { class: "banner", text: e.message }); }
    if (SB.view !== "usage") return;
    main().replaceChildren(head("usage.title", "usage.intro", periodButtons()), ...notes,
      h("div", { class: "stack usage" }, ...body, prices, budgetView(data)));
  }

  Object.assign(SB, { renderUsage: render });
  SB.VIEWS.usage = render;
})(window.Switchboard);
