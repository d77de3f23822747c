// Switchboard settings: the Claude Code screen (connect, the access key).
"use strict";
(function (SB) {
  const { t, h, nextId, main, toast, copyText, api, problemText, head } = SB;

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
  // Set once this page connected Claude Code: the restart sentence stays on
  // screen (also after a redraw) until Claude Code is disconnected.
  let restartNeeded = false;
  async function claudeConnectBlock(info, after) {
    const status = h("p", { role: "status", "aria-live": "polite", id: "claude-status" });
    const err = h("p", { class: "form-error", role: "alert" });
    const box = h("div", { class: "claude-connect" }, status);
    function draw(connected) {
      status.replaceChildren(h("strong", { class: connected ? "status-ok" : null,
        text: connected ? t("claude.connected") : t("claude.notConnected") }));
      const btn = connected
        ? h("button", { type: "button", id: "claude-disconnect", text: t("claude.disconnect"), onclick: () => act("disconnect") })
        : h("button", { type: "button", class: "primary", id: "claude-connect", text: t("claude.connect"), onclick: () => act("connect") });
      const restart = connected && restartNeeded
        ? h("p", { class: "notice-box", id: "claude-restart", text: t("claude.restart") }) : null;
      // replaceChildren would write a null as the text "null": leave it out.
      box.replaceChildren(...[status, restart, h("p", null, btn), err].filter(Boolean));
    }
    async function act(action) {
      err.textContent = "";
      try {
        const r = await api("POST", "claude-code/" + action);
        if (!r.ok) { err.textContent = SB.problemWithDetail(r); return; }
        restartNeeded = action === "connect";
        toast(t(action === "connect" ? "claude.connectedToast" : "claude.disconnectedToast"));
        draw(r.connected);
        if (after) after(r.connected);
      } catch (e) { err.textContent = e.message; }
    }
    if (!info.connected) restartNeeded = false;
    draw(!!info.connected);
    return box;
  }
  async function renderClaude() {
    const info = await api("GET", "claude-code");
    const parts = [head("claude.title", "claude.intro")];
    // The serving address moved while Claude Code was connected: its settings
    // followed, and Claude Code must be restarted to read them.
    if (info.notice) parts.push(h("p", { class: "banner", role: "status", id: "claude-moved", text: t("claude.moved", { url: info.base_url }) }));
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
        const ok = await SB.confirmDialog({ title: t("claude.regenerate"), body: [t("claude.confirmRegenerate")],
          confirm: t("claude.regenerate"), danger: true });
        if (!ok) return;
        try {
          const r = await api("POST", "access-key/regenerate");
          await renderClaude();
          toast(r.env_override ? t("claude.envOverride") : t(r.reconnected ? "claude.reconnected" : "claude.regenerated"));
        } catch (e) { regenResult.textContent = e.message; }
      } }), regenResult));
    if (SB.projectsCard) parts.push(await SB.projectsCard());  // projects.js: a route per project folder
    main().replaceChildren(parts[0], h("div", { class: "stack" }, ...parts.slice(1)));
  }


  Object.assign(SB, { renderClaude, copyField, claudeConnectBlock });
  SB.VIEWS.claude = renderClaude;
})(window.Switchboard);
