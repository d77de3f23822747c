// Words of the Usage screen (issue 15), in their own file so the screen can
// be added without touching strings.js. Same rules as strings.js: translate
// by adding a language block; {name} placeholders stay as they are.
"use strict";
(function () {
  const WORDS = {
    "en": {
      "nav.usage": "Usage",
      "usage.title": "Usage and cost",
      "usage.intro": "What each provider, model and route used and cost. Kept on this computer; prompts and answers are never stored.",
      "usage.period": "Period",
      "usage.today": "Today",
      "usage.days7": "7 days",
      "usage.days30": "30 days",
      "usage.export": "Export CSV",
      "usage.exported": "Saved {name}",
      "usage.requests": "Requests",
      "usage.failedN": "{n} failed",
      "usage.inputTokens": "Input tokens",
      "usage.outputTokens": "Output tokens",
      "usage.cacheRead": "Cache read tokens",
      "usage.cacheShare": "{pct} of input served from the cache",
      "usage.cost": "Cost",
      "usage.priceUnknown": "price unknown",
      "usage.plusUnknown": "+ {n} requests at an unknown price",
      "usage.plusUnknown1": "+ 1 request at an unknown price",
      "usage.chartTitle": "By day and provider",
      "usage.chartCost": "Cost per day, stacked by provider",
      "usage.chartTokens": "Tokens per day, stacked by provider (no prices known)",
      "usage.chartBar": "{day} · {provider}: {value}",
      "usage.byProvider": "By provider",
      "usage.byModel": "By model",
      "usage.byRoute": "By route",
      "usage.col.provider": "Provider",
      "usage.col.model": "Model",
      "usage.col.route": "Route",
      "usage.col.requests": "Requests",
      "usage.col.success": "Success",
      "usage.col.median": "Median latency",
      "usage.col.input": "Input tokens",
      "usage.col.output": "Output tokens",
      "usage.col.cache": "Cache hits",
      "usage.col.cost": "Cost",
      "usage.ms": "{ms} ms",
      "usage.none": "No requests in this period yet.",
      "usage.noHistory": "No usage history yet: it starts with the first request.",
      "usage.historyOff": "Usage history is turned off (\"usage\": {\"history\": false} in the settings file).",
      "usage.settingsProblem": "The usage settings have a problem, so the defaults are used: {detail}",
      "usage.prices": "Prices",
      "usage.pricesIntro": "US dollars per million tokens. Switchboard ships prices for common models; set your own for any model. Servers on this computer cost nothing.",
      "usage.col.cacheRead": "Cache read",
      "usage.col.cacheWrite": "Cache write",
      "usage.col.origin": "From",
      "usage.origin.table": "price list of {date}",
      "usage.origin.override": "your price",
      "usage.origin.local": "this computer (free)",
      "usage.origin.unknown": "unknown",
      "usage.setPrice": "Set price",
      "usage.priceTitle": "Price of {model}",
      "usage.priceHint": "US dollars per million tokens. Cache prices left empty cost what input costs.",
      "usage.useShipped": "Remove my price",
      "usage.priceSaved": "Price saved",
      "usage.budget": "Spending limit",
      "usage.budgetIntro": "Get a notification at 80 % and at 100 % of a daily or monthly limit (in US dollars; empty: no limit).",
      "usage.daily": "Daily limit",
      "usage.monthly": "Monthly limit",
      "usage.atLimit": "At the limit",
      "usage.atLimit.warn": "Only warn me",
      "usage.atLimit.switch": "Switch to a cheaper route",
      "usage.switchTo": "Route to switch to",
      "usage.budgetSaved": "Spending limit saved",
      "usage.spent": "Spent today {today} · this month {month}",
      "error.bad_days": "Choose a period of 1 to 366 days.",
      "error.usage_invalid": "This was not saved: {detail}"
    }
  };
  const all = window.SWITCHBOARD_STRINGS = window.SWITCHBOARD_STRINGS || { en: {} };
  for (const [lang, words] of Object.entries(WORDS)) {
    all[lang] = Object.assign({}, words, all[lang] || {});
  }
  // Loaded after core.js: add the words core.js has already picked up too.
  const SB = window.Switchboard;
  if (SB && SB.WORDS) {
    const mine = Object.assign({}, WORDS.en, WORDS[SB.LANG] || {});
    for (const [k, v] of Object.entries(mine)) if (!SB.has(k)) SB.WORDS[k] = v;
    // core.js translated the page's static words before these existed.
    for (const el of document.querySelectorAll('[data-i18n^="nav.usage"]')) el.textContent = SB.t(el.dataset.i18n);
  }
})();
