"use strict";
// Words for the signed-out page, from strings.js (and strings-zh-*.js): the
// browser's first language that has a catalogue, each word falling back to
// English (this page cannot read the config's language: it is signed out).
(function () {
  var all = window.SWITCHBOARD_STRINGS || {};
  var langs = (navigator.languages || [navigator.language || "en"]).concat(["en"]);
  var table = all.en || {};
  for (var i = 0; i < langs.length; i++) {
    var l = langs[i];
    if (/^zh(-hans)?(-(cn|sg))?$/i.test(l)) l = "zh-CN";
    else if (/^zh-(hant(-\w+)?|tw|hk|mo)$/i.test(l)) l = "zh-TW";
    if (all[l]) { table = all[l]; document.documentElement.lang = l; break; }
  }
  document.querySelectorAll("[data-i18n]").forEach(function (el) {
    var key = el.getAttribute("data-i18n");
    var word = table[key] || (all.en || {})[key];
    if (typeof word === "string") el.textContent = word;
  });
  if (table["app.title"]) document.title = table["app.title"];
})();
