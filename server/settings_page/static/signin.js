"use strict";
// The login link's answer: move the page secret into this tab's
// sessionStorage (isolated per origin, port included, unlike cookies), then
// open the page. The navigation starts from this page, on Switchboard's own
// origin, so the SameSite=Strict session cookie goes with it even when the
// login link was opened from a local file (see server/settings_page/auth.py).
(function () {
  var meta = document.querySelector('meta[name="switchboard-session"]');
  var secret = meta ? meta.getAttribute("content") : "";
  if (meta) meta.remove();
  try { if (secret) sessionStorage.setItem("switchboard.session", secret); } catch (e) { /* storage disabled */ }
  location.replace("/settings/" + (/^#[a-z]+$/.test(location.hash) ? location.hash : ""));
})();
