// Switchboard settings: the Sessions screen (live Claude Code sessions; move one to another route).
"use strict";
(function (SB) {
  const { LANG, t, h, main, toast, api, head } = SB;

  const fmt = new Intl.NumberFormat(LANG);
  let lastDrawn = "";
  function routeName(routes, id) {
    const r = routes.find((x) => x.id === id);
    return r ? r.name : id;
  }
  // The route a session uses when it has no choice of its own: the route
  // address it came in on, else the active route.
  function defaultLabel(data, s) {
    if (s.address_route) return t("sessions.followAddress", { name: routeName(data.routes, s.address_route) });
    return data.active_route ? t("sessions.followActive", { name: routeName(data.routes, data.active_route) })
      : t("sessions.followNone");
  }
  async function move(s, select, data) {
    const route = select.value || null;
    try {
      await api("POST", "sessions/" + encodeURIComponent(s.id) + "/route", { route });
      toast(route ? t("sessions.moved", { name: routeName(data.routes, route) }) : t("sessions.movedBack"));
      await renderSessions({ force: true });
    } catch (e) { toast(e.message); renderSessions({ force: true }).catch(() => {}); }
  }
  async function renderSessions(opts) {
    const data = await api("GET", "sessions");
    if (SB.view !== "sessions") return;
    // A redraw only when something changed: an open list is never closed for nothing.
    const drawn = JSON.stringify(data);
    if (opts && opts.timer && drawn === lastDrawn) return;
    lastDrawn = drawn;
    let body;
    if (data.sessions.length) {
      const timeFmt = new Intl.DateTimeFormat(LANG, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
      const rows = data.sessions.map((s) => {
        const folder = s.cwd || t("sessions.noFolder");
        const select = h("select", { id: "session-route-" + s.id, "aria-label": t("sessions.routeFor", { folder }) },
          h("option", { value: "", text: defaultLabel(data, s) }),
          data.routes.map((r) => h("option", { value: r.id, text: r.name })));
        select.value = s.chosen_route || "";
        select.addEventListener("change", () => move(s, select, data));
        const answered = s.provider
          ? h("td", null, h("span", { text: s.provider_name }), " · ", h("span", { class: "mono", text: s.model }),
              s.route && s.route !== "-" ? h("span", { class: "muted", text: " " + t("sessions.viaRoute", { name: routeName(data.routes, s.route) }) }) : null)
          : h("td", { class: "muted", text: t("sessions.noAnswer") });
        return h("tr", { "data-session": s.id },
          h("td", null, h("span", { class: "mono", text: folder }), h("br"), h("span", { class: "muted mono", text: s.id.slice(0, 8) })),
          h("td", null, h("span", { text: timeFmt.format(new Date(s.last_seen * 1000)) }), h("br"),
            h("span", { class: "muted", text: t("sessions.since", { time: timeFmt.format(new Date(s.first_seen * 1000)) }) })),
          answered,
          h("td", { class: "num", text: fmt.format(s.requests) }),
          h("td", { class: "num", text: t("sessions.tokens", { in: fmt.format(s.input_tokens), out: fmt.format(s.output_tokens) }) }),
          h("td", null, select));
      });
      body = h("div", { class: "table-wrap" }, h("table", { class: "activity sessions" },
        h("caption", { class: "visually-hidden", text: t("sessions.title") }),
        h("thead", null, h("tr", null,
          ["sessions.folder", "sessions.lastSeen", "sessions.answered"].map((k) => h("th", { scope: "col", text: t(k) })),
          h("th", { scope: "col", class: "num", text: t("sessions.requests") }),
          h("th", { scope: "col", class: "num", text: t("sessions.tokensHead") }),
          h("th", { scope: "col", text: t("sessions.route") }))),
        h("tbody", null, rows)));
    } else body = h("p", { class: "card empty", text: t("sessions.empty") });
    main().replaceChildren(
      head("sessions.title", "sessions.intro", h("button", { type: "button", text: t("common.refresh"), onclick: () => renderSessions({ force: true }) })),
      body);
    // Live: a short poll while this screen is shown (core.js clears the timer on a screen change).
    clearInterval(SB.activityTimer);
    SB.activityTimer = setInterval(() => {
      if (SB.view === "sessions" && !document.hidden) renderSessions({ timer: true }).catch(() => {});
    }, 2000);
  }

  Object.assign(SB, { renderSessions });
  SB.VIEWS.sessions = renderSessions;
})(window.Switchboard);
