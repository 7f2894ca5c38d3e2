// Search as you type: after a pause in typing, fetch the same page the form
// would load and swap in its results. Without this script the form works as is.
(function () {
  "use strict";
  var form = document.querySelector("form.searchbox");
  var input = document.getElementById("q");
  if (!form || !input || !window.fetch || !window.DOMParser) return;
  var timer = null;
  var pending = null;

  function currentUrl() {
    var params = new URLSearchParams(new FormData(form));
    params.delete("page");
    Array.from(params.keys()).forEach(function (key) {
      if (params.get(key) === "") params.delete(key);
    });
    if (params.get("sort") === "relevance") params.delete("sort");
    var query = params.toString();
    return form.getAttribute("action") + (query ? "?" + query : "");
  }

  function refresh() {
    var url = currentUrl();
    if (pending) pending.abort();
    pending = new AbortController();
    // Said so that the searches made while typing stay out of the search log.
    fetch(url, { signal: pending.signal, headers: { "Accept": "text/html", "X-Search-As-You-Type": "1" } })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.querySelector(".layout");
        var current = document.querySelector(".layout");
        if (!fresh || !current) return;
        current.replaceWith(fresh);
        // The live region stays the same node, so its new text is announced.
        var count = document.getElementById("result-count");
        var freshCount = page.getElementById("result-count");
        if (count && freshCount) count.textContent = freshCount.textContent;
        document.title = page.title;
        history.replaceState(null, "", url);
        document.dispatchEvent(new Event("newsearch:results"));
      })
      .catch(function () { /* a failed or aborted refresh leaves the page as it was */ });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  });
  // The form is leaving for its own page (a suggestion picked): nothing to refresh.
  form.addEventListener("submit", function () {
    clearTimeout(timer);
    if (pending) pending.abort();
  });
})();
