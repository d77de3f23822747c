// Switchboard settings: the Activity screen (recent requests, today's totals).
"use strict";
(function (SB) {
  const { LANG, has, t, h, main, api, head } = SB;

  // ---- activity ----------------------------------------------------------------------------
  const fmt = new Intl.NumberFormat(LANG);
  // Why a request failed, in plain words, from its status (and, for a provider
  // that could not be reached, from Switchboard's own connection message).
  function whyText(e) {
    const p = { provider: e.provider_name, status: e.status };
    const s = e.status;
    if (e.reason && has("activity.reason." + e.reason)) return t("activity.reason." + e.reason, Object.assign(p, e.reason_params || {}));
    if (s === 401 || s === 403) return t("activity.reason.key_rejected", p);
    if (s === 402) return t("activity.reason.no_credit", p);
    if (s === 429) return t("activity.reason.rate_limited", p);
    if (s === 404) return t("activity.reason.not_found", p);
    if (s === 413) return t("activity.reason.too_large", p);
    if (s === 400 || s === 422) return t("activity.reason.refused", p);
    if (s === 529 || s === 503) return t("activity.reason.overloaded", p);
    if (s >= 500) return t("activity.reason.server_error", p);
    return t("activity.reason.other", p);
  }
  async function renderActivity() {
    const data = await api("GET", "activity");
    if (SB.view !== "activity") return;
    const totals = h("div", { class: "totals" }, data.today.length
      ? data.today.map((x) => h("section", { class: "card total", "aria-label": x.provider_name },
          h("h3", { text: x.provider_name }),
          h("div", { class: "big", text: t("activity.requests", { n: fmt.format(x.requests), count: x.requests }) }),
          x.errors ? h("p", { class: "status-bad", text: t("activity.errors", { n: x.errors }) }) : null,
          h("p", { text: t("activity.tokensTotal", { in: fmt.format(x.input_tokens), out: fmt.format(x.output_tokens) }) }),
          h("p", { text: t("activity.avg", { ms: fmt.format(x.avg_latency_ms) }) })))
      : h("p", { class: "hint", text: t("activity.noneToday") }));
    let table;
    if (data.entries.length) {
      const timeFmt = new Intl.DateTimeFormat(LANG, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
      const num = (n) => (n == null ? "–" : fmt.format(n));
      const rows = [];
      for (const e of data.entries) {
        const failed = e.status >= 400;
        const reason = failed ? whyText(e) : "";
        const statusCell = h("td", { class: failed ? "status-bad" : "status-ok", title: reason || null,
          text: failed ? t("activity.failed", { status: e.status }) : t("activity.ok") });
        rows.push(h("tr", { class: failed ? "failed" : null },
          h("td", { text: timeFmt.format(new Date(e.time * 1000)) }),
          h("td", { text: e.route === "-" ? t("activity.noRoute") : (e.route_name || e.route) }),
          h("td", null, h("span", { text: e.provider_name }), " · ", h("span", { class: "mono", text: e.model }),
            e.key ? h("span", { class: "hint", text: " · " + t("activity.key", { name: e.key }) }) : null),
          statusCell,
          h("td", { class: "num", text: t("activity.ms", { ms: fmt.format(e.latency_ms) }) }),
          h("td", { class: "num", text: num(e.input_tokens) }),
          h("td", { class: "num", text: num(e.output_tokens) })));
        // The reason in plain words, on its own row under the failed request.
        if (failed) rows.push(h("tr", { class: "why" }, h("td", { colspan: "7" },
          h("span", { class: "why-label", text: t("activity.why") }), " ", h("span", { text: reason }),
          e.error ? h("span", { class: "muted why-detail", text: " " + t("activity.providerSaid", { message: e.error }) }) : null)));
      }
      table = h("div", { class: "table-wrap" }, h("table", { class: "activity" },
        h("caption", { class: "visually-hidden", text: t("activity.recent") }),
        h("thead", null, h("tr", null,
          ["activity.time", "activity.route", "activity.target", "activity.status"].map((k) => h("th", { scope: "col", text: t(k) })),
          h("th", { scope: "col", class: "num", text: t("activity.latency") }),
          h("th", { scope: "col", class: "num", text: t("activity.inputTokens") }),
          h("th", { scope: "col", class: "num", text: t("activity.outputTokens") }))),
        h("tbody", null, rows)));
    } else table = h("p", { class: "card empty", text: t("activity.empty") });
    // Claude Code sessions that stay on the fallback that answered them.
    const pinned = (data.pinned || []).length ? [h("h2", { text: t("activity.pinnedTitle") }),
      h("ul", { class: "card pinned", id: "pinned-sessions" }, data.pinned.map((p) => h("li", null,
        h("strong", { text: t("activity.pinnedSession", { session: p.session }) }), " ",
        h("span", { text: t("activity.pinnedWhere", { target: `${p.provider_name} · ${p.model}`, route: p.route_name,
                                                     primary: p.primary, minutes: p.minutes_left }) }),
        h("span", { class: "muted", text: " " + t("activity.pinnedWhy", { reason: SB.said(p.said_reason, p.reason) }) }))))] : [];
    main().replaceChildren(
      head("activity.title", "activity.intro", h("button", { type: "button", text: t("common.refresh"), onclick: renderActivity })),
      h("h2", { text: t("activity.today") }), totals, ...pinned, h("h2", { text: t("activity.recent") }), table);
    clearInterval(SB.activityTimer);
    SB.activityTimer = setInterval(() => { if (SB.view === "activity" && !document.hidden) renderActivity().catch(() => {}); }, 5000);
  }


  Object.assign(SB, { renderActivity });
  SB.VIEWS.activity = renderActivity;
})(window.Switchboard);
