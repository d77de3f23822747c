// Switchboard settings: the Network screen (proxy, certificates, timeouts).
"use strict";
(function (SB) {
  const { t, h, field, main, toast, api, head, banners } = SB;

  // ---- network (proxy, certificates, timeouts) ------------------------------------------
  const TIMEOUTS = ["connect", "first_byte", "idle"];
  async function renderNetwork() {
    const net = await api("GET", "network");
    if (SB.view !== "network") return;
    const p = net.proxy;
    const errorEl = h("p", { class: "form-error", role: "alert", id: "network-error" });

    // Proxy: three radio cards; the custom one opens address, user and password.
    const modes = ["system", "none", "custom"].map((mode) => h("input", {
      type: "radio", name: "proxy-mode", id: `proxy-${mode}`, value: mode, checked: p.mode === mode,
      onchange: () => { customBox.hidden = mode !== "custom"; } }));
    const urlIn = h("input", { type: "text", id: "proxy-url", autocomplete: "off", spellcheck: "false", value: p.url,
      placeholder: "http://127.0.0.1:7890", inputmode: "url" });
    const userIn = h("input", { type: "text", id: "proxy-user", autocomplete: "off", spellcheck: "false", value: p.user });
    const passIn = h("input", { type: "password", id: "proxy-password", autocomplete: "new-password", spellcheck: "false" });
    const passHint = p.password_saved ? t("network.passwordSaved") : p.problem === "keyring" ? t("problem.keyring") : t("network.passwordHint");
    const clearPass = p.password_saved ? h("input", { type: "checkbox", id: "proxy-clear-password" }) : null;
    const customBox = h("div", { class: "indent", id: "proxy-custom" },
      field(t("network.proxyUrl"), urlIn, t("network.proxyUrlHint")),
      h("div", { class: "grid-2" },
        field(t("network.proxyUser") + ` (${t("common.optional")})`, userIn),
        h("div", null, field(t("network.proxyPassword") + ` (${t("common.optional")})`, passIn, passHint),
          clearPass ? h("label", { class: "check", for: clearPass.id }, clearPass, t("network.clearPassword")) : null)));
    customBox.hidden = p.mode !== "custom";
    const proxyCard = h("fieldset", { class: "card" }, h("legend", { text: t("network.proxy") }),
      h("p", { class: "hint", text: t("network.proxyIntro") }),
      h("div", { class: "radio-list" }, modes.map((input) => h("label", { class: "radio-card", for: input.id }, input,
        h("span", null, h("span", { class: "radio-title", text: t("network.mode." + input.value) }),
          h("span", { class: "hint", text: t("network.modeHint." + input.value) }))))),
      customBox);

    // Certificate: a path only; the server checks that the file exists, never reads it.
    const caIn = h("input", { type: "text", id: "network-ca", autocomplete: "off", spellcheck: "false", value: net.ca_file,
      placeholder: t("network.caPlaceholder") });
    const caCard = h("section", { class: "card", "aria-labelledby": "network-ca-title" },
      h("h2", { id: "network-ca-title", text: t("network.ca") }),
      field(t("network.caFile") + ` (${t("common.optional")})`, caIn, t("network.caHint")),
      net.ca_status && net.ca_status !== "ok" ? h("p", { class: "banner", role: "status", text: t("error." + net.ca_status) }) : null);

    // Timeouts: empty means the default, which is shown.
    const timeoutIns = {};
    const timeoutFields = TIMEOUTS.map((name) => {
      const input = h("input", { type: "number", id: `timeout-${name}`, min: "1", max: "3600", step: "any", inputmode: "decimal",
        value: net.timeouts[name] == null ? "" : String(net.timeouts[name]), placeholder: String(net.defaults[name]) });
      timeoutIns[name] = input;
      return field(t("netfield.timeouts." + name), input, t("network.timeoutHint." + name, { n: net.defaults[name] }));
    });
    const timeoutCard = h("fieldset", { class: "card" }, h("legend", { text: t("network.timeouts") }),
      h("p", { class: "hint", text: t("network.timeoutsIntro") }), h("div", { class: "grid-3" }, timeoutFields));

    const save = h("button", { type: "submit", class: "primary", id: "network-save", text: t("common.save") });
    const form = h("form", { novalidate: true, "aria-labelledby": "network-title", onsubmit: async (ev) => {
      ev.preventDefault();
      errorEl.textContent = "";
      const mode = (form.querySelector("input[name=proxy-mode]:checked") || { value: "system" }).value;
      const body = { proxy: mode, ca_file: caIn.value.trim(), timeouts: {} };
      if (mode === "custom") {
        body.proxy_url = urlIn.value.trim();
        body.proxy_user = userIn.value.trim();
        if (passIn.value) body.proxy_password = passIn.value;
        else if (clearPass && clearPass.checked) body.clear_proxy_password = true;
        if (!body.proxy_url) { errorEl.textContent = t("error.proxy_url_required"); urlIn.focus(); return; }
      }
      for (const name of TIMEOUTS) {
        const raw = timeoutIns[name].value.trim();
        const n = Number(raw);
        if (raw && !(Number.isFinite(n) && n > 0 && n <= 3600)) {
          errorEl.textContent = t("error.bad_timeout", { field: t("netfield.timeouts." + name) });
          timeoutIns[name].focus(); return;
        }
        body.timeouts[name] = raw ? n : null;
      }
      save.disabled = true; save.textContent = t("common.saving");
      try {
        await api("PUT", "network", body);
        passIn.value = "";
        toast(t("network.saved"));
        await renderNetwork();
      } catch (e) {
        errorEl.textContent = e.message;
        save.disabled = false; save.textContent = t("common.save");
      }
    } },
      h("div", { class: "stack" }, proxyCard, caCard, timeoutCard,
        net.providers_with_own.length ? h("p", { class: "hint", text: t("network.ownSettings", { names: net.providers_with_own.join(", ") }) }) : null,
        errorEl, h("div", { class: "form-foot" }, save)));
    const headEl = head("network.title", "network.intro");
    headEl.querySelector("h1").id = "network-title";
    main().replaceChildren(headEl, ...banners(), form);
  }


  Object.assign(SB, { renderNetwork });
  SB.VIEWS.network = renderNetwork;
})(window.Switchboard);
