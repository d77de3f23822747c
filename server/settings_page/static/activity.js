// Switchboard settings: the Activity screen (recent requests, today's totals).
"use strict";
(function (SB) {
  const { LANG, has, t, h, nextId, field, main, toast, copyText, api, problemText, refresh, providerName, targetLabel,
          show, focusMain, head, banners, renderResult, busy, presetById, openDialog } = SB;

  // ---- activity ----------------------------------------------------------------------------
  const fmt = new Intl.NumberFormat(LANG);
  async function renderActivity() {
    const data = await api("GET", "activity");
    if (SB.view !== "activity") return;
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
    clearInterval(SB.activityTimer);
    SB.activityTimer = setInterval(() => { if (SB.view === "activity" && !document.hidden) renderActivity().catch(() => {}); }, 5000);
  }


  Object.assign(SB, { renderActivity });
  SB.VIEWS.activity = renderActivity;
})(window.Switchboard);
