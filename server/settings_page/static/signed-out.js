"use strict";
// Words for the signed-out page, from strings.js.
(function () {
  var all = window.SWITCHBOARD_STRINGS || {};
  var langs = (navigator.languages || [navigator.language || "en"]).concat(["en"]);
  var table = all.en || {};
  for (var i = 0; i < langs.length; i++) {
    if (all[langs[i]]) { table = all[langs[i]]; document.documentElement.lang = langs[i]; break; }
  }
  document.querySelectorAll("[data-i18n]").forEach(function (el) {
    var key = el.getAttribute("data-i18n");
    if (table[key] || (all.en || {})[key]) el.textContent = table[key] || all.en[key];
  });
})();
