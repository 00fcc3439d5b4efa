/* Public pages: small enhancements on top of htmx. Everything works without this file. */
(function () {
  "use strict";

  // Announce the new result count to screen readers after the list is swapped in.
  document.body.addEventListener("htmx:afterSettle", function (event) {
    var results = document.getElementById("results");
    var status = document.getElementById("results-status");
    if (!results || !status || !results.contains(event.detail.elt) && event.detail.elt !== results) return;
    var count = results.querySelector("[data-results-count]");
    if (count) status.textContent = count.textContent.replace(/\s+/g, " ").trim();
  });
})();
