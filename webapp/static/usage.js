// For the editors' search log, without any identifier: the search a reader
// settled on after typing in place (said when they open a result or leave
// the page), and the rank of a result they open.
(function () {
  "use strict";
  if (!navigator.sendBeacon) return;
  var unlogged = null; // the query string of a search shown in place, not yet logged

  document.addEventListener("newsearch:results", function () { unlogged = location.search; });

  function logSettled() {
    if (unlogged === null) return;
    navigator.sendBeacon("/api/log/search" + unlogged);
    unlogged = null;
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") logSettled();
  });
  window.addEventListener("pagehide", logSettled);

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-rank]");
    if (!link) return;
    logSettled();
    var params = new URLSearchParams({
      q: new URLSearchParams(location.search).get("q") || "",
      rank: link.dataset.rank,
      id: link.dataset.id
    });
    navigator.sendBeacon("/api/log/click?" + params.toString());
  });
})();
