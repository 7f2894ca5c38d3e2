// The search form's controls, with JavaScript: sort and dates apply as they
// change (the Apply button is for pages without this script), the sort's
// first option says what it means with and without words, and on a narrow
// screen the filters open from the "Filters" button above the results.
(function () {
  "use strict";
  var form = document.querySelector("form.searchbox");
  if (!form) return;
  document.documentElement.classList.add("js");
  var input = document.getElementById("q");
  var sort = document.getElementById("sort");
  var filtersOpen = false;

  // Submitted URLs leave out what is at its default, as the page's own links do.
  form.addEventListener("formdata", function (event) {
    Array.from(event.formData.entries()).forEach(function (entry) {
      if (entry[1] === "" || (entry[0] === "sort" && entry[1] === "relevance")) event.formData.delete(entry[0]);
    });
  });

  ["sort", "from", "to"].forEach(function (id) {
    var control = document.getElementById(id);
    if (control) control.addEventListener("change", function () {
      if (control.type !== "date" || control.checkValidity()) form.requestSubmit();
    });
  });

  function labelRelevance() {
    var option = sort && sort.querySelector("option[value=relevance]");
    if (option) option.textContent = input.value.trim() ? option.dataset.withWords : option.dataset.withoutWords;
    var newest = sort && sort.querySelector("option[data-when-words]");
    if (newest && !newest.selected) newest.hidden = !input.value.trim();
  }
  if (input) input.addEventListener("input", labelRelevance);

  // The results (and the button with them) are replaced as one types.
  function enhanceFilters() {
    var button = document.querySelector(".filters-button");
    var layout = document.querySelector(".layout");
    if (!button || !layout) return;
    button.setAttribute("role", "button");
    button.setAttribute("aria-expanded", filtersOpen ? "true" : "false");
    layout.classList.toggle("filters-open", filtersOpen);
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest(".filters-button");
    if (!button) return;
    event.preventDefault();
    filtersOpen = !filtersOpen;
    enhanceFilters();
    if (filtersOpen) document.getElementById("filters").focus();
  });
  document.addEventListener("keydown", function (event) {
    // A link made a button answers the space bar too.
    if (event.key === " " && event.target.classList && event.target.classList.contains("filters-button")) {
      event.preventDefault();
      event.target.click();
    }
  });
  document.addEventListener("newsearch:results", enhanceFilters);
  enhanceFilters();
})();
