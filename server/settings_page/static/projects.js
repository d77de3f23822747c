// Switchboard settings: a route per project folder, and opening Claude Code with a route
// (a card on the Claude Code screen; claude.js adds it).
"use strict";
(function (SB) {
  const { t, h, field, toast, copyText, api, problemText } = SB;

  function resultLine(el, r) {
    el.className = "result " + (r.ok ? "ok" : "bad");
    el.replaceChildren(r.ok ? "✓ " : "✗ ", SB.problemWithDetail(r));
  }
  // Where no terminal could be started: say so, and copy the command instead.
  function commandFallback(el, r) {
    el.className = "result bad";
    const copy = h("button", { type: "button", id: "project-copy-command", text: t("projects.copyCommand"),
      onclick: () => copyText(r.command, copy) });
    el.replaceChildren(h("p", { text: problemText(r) }), h("p", { class: "hint", text: t("projects.commandHint") }), copy);
    if (r.command) copyText(r.command, copy);
  }

  async function projectsCard() {
    const data = await api("GET", "projects");
    const folder = h("input", { type: "text", id: "project-folder", class: "mono", spellcheck: "false",
      placeholder: data.home ? data.home + "/project" : "", autocomplete: "off" });
    const route = h("select", { id: "project-route" }, data.routes.map((r) => h("option", { value: r.id, text: r.name })));
    const address = h("p", { class: "hint mono", id: "project-route-address" });
    const showAddress = () => {
      const r = data.routes.find((x) => x.id === route.value);
      address.textContent = r ? t("projects.address", { address: r.address }) : "";
    };
    route.addEventListener("change", showAddress);
    showAddress();
    const result = h("div", { role: "status", "aria-live": "polite", id: "project-result" });
    async function pin() {
      const r = await api("POST", "projects", { folder: folder.value, route: route.value });
      if (r.ok) {
        toast(t("projects.pinnedToast"));
        await SB.renderClaude();
        return;
      }
      resultLine(result, r);
    }
    async function openHere(folderPath, routeId, out) {
      const r = await api("POST", "projects/open", { folder: folderPath, route: routeId });
      if (r.ok) { out.className = "result ok"; out.replaceChildren("✓ " + t("projects.opened", { terminal: r.terminal })); }
      else if (r.command) commandFallback(out, r);
      else resultLine(out, r);
    }
    const rows = data.projects.map((p, i) => {
      const out = h("div", { role: "status", "aria-live": "polite" });
      return h("li", { class: "card project", "data-folder": p.folder },
        h("p", null, h("strong", { class: "mono", text: p.folder })),
        h("p", { text: t("projects.uses", { name: p.route_name }) }),
        p.state !== "pinned" ? h("p", { class: "hint hint-bad", text: t("projects.state." + p.state) }) : null,
        h("p", { class: "row" },
          h("button", { type: "button", id: `project-open-${i}`, "aria-label": t("projects.openIn", { folder: p.folder }),
            text: t("projects.open"), onclick: () => openHere(p.folder, p.route, out).catch((e) => toast(e.message)) }),
          h("button", { type: "button", id: `project-unpin-${i}`, "aria-label": t("projects.unpinIn", { folder: p.folder }),
            text: t("projects.unpin"), onclick: async () => {
              const r = await api("POST", "projects/unpin", { folder: p.folder });
              if (!r.ok) { resultLine(out, r); return; }
              toast(t("projects.unpinnedToast"));
              await SB.renderClaude();
            } })),
        out);
    });
    return h("section", { class: "card", "aria-labelledby": "projects-title" },
      h("h2", { id: "projects-title", text: t("projects.title") }),
      h("p", { class: "hint", text: t("projects.intro") }),
      field(t("projects.folder"), folder, t("projects.folderHint")),
      field(t("projects.route"), route),
      address,
      h("p", { class: "row" },
        h("button", { type: "button", class: "primary", id: "project-pin", text: t("projects.pin"),
          onclick: () => pin().catch((e) => { result.className = "result bad"; result.replaceChildren("✗ " + e.message); }) }),
        h("button", { type: "button", id: "project-open", text: t("projects.open"),
          onclick: () => openHere(folder.value, route.value, result).catch((e) => toast(e.message)) })),
      result,
      data.projects.length ? h("h3", { text: t("projects.pinned") }) : null,
      data.projects.length ? h("ul", { class: "stack plain", id: "pinned-projects" }, rows)
        : h("p", { class: "hint", text: t("projects.none") }));
  }

  Object.assign(SB, { projectsCard });
})(window.Switchboard);
