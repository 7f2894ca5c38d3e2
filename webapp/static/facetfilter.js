// A filter box above each long facet list: typing hides the values without a
// word starting with what is typed (case and accents aside), and a polite
// live region says how many are shown. Set up again when search.js swaps
// in new results.
(function () {
  "use strict";
  var LONG = 8;

  function fold(text) {
    return " " + text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[^\p{L}\p{N}.]+/gu, " ").trim();
  }

  function plural(word) {
    return /[^aeiou]y$/.test(word) ? word.slice(0, -1) + "ies" : word + "s";
  }

  function setUp(facet) {
    var rows = Array.from(facet.querySelectorAll("li"));
    var heading = facet.querySelector("h2");
    var list = facet.querySelector("ul");
    if (rows.length <= LONG || !heading || !list || facet.querySelector(".facet-filter")) return;
    var details = facet.querySelector("details");
    var label = document.createElement("label");
    var caption = document.createElement("span");
    var box = document.createElement("input");
    var status = document.createElement("p");
    caption.textContent = "Filter " + plural(heading.textContent.trim().toLowerCase());
    box.type = "search";
    box.autocomplete = "off";
    label.className = "facet-filter";
    label.append(caption, box);
    status.className = "visually-hidden";
    status.setAttribute("aria-live", "polite");
    status.setAttribute("aria-atomic", "true");
    list.before(label, status);
    var labels = rows.map(function (row) {
      var text = row.querySelector(".label");
      return fold(text ? text.textContent : row.textContent);
    });
    var wasOpen = details ? details.open : false;

    box.addEventListener("input", function () {
      var typed = fold(box.value);
      var shown = 0;
      rows.forEach(function (row, i) {
        row.hidden = typed.length > 1 && labels[i].indexOf(typed) < 0;
        if (!row.hidden) shown++;
      });
      // Matches among "Show N more" are shown too; the list closes again when cleared.
      if (details) details.open = typed.length > 1 || wasOpen;
      status.textContent = shown + " of " + rows.length + " shown";
    });
    if (details) details.addEventListener("toggle", function () { if (!box.value.trim()) wasOpen = details.open; });
  }

  function setUpAll() {
    document.querySelectorAll(".facets .facet").forEach(setUp);
  }

  setUpAll();
  document.addEventListener("newsearch:results", setUpAll);
})();
