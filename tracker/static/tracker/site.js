/* Every page: keep shared URLs short. A GET that htmx builds from a form leaves out the
   fields that are empty, so a filtered list's address names only the filters in use. */
(function () {
  "use strict";

  document.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.verb !== "get") return;
    var data = event.detail.formData;
    var empty = [];
    data.forEach(function (value, key) {
      if (data.getAll(key).join("") === "" && empty.indexOf(key) === -1) empty.push(key);
    });
    empty.forEach(function (key) {
      data.delete(key);
    });
  });
})();

/* The language switcher is a plain link to this page in the other language. When htmx
   moves the address (a filtered list), the link follows, so the filters carry over. */
(function () {
  "use strict";

  function follow() {
    document.querySelectorAll("a[data-language-switch]").forEach(function (link) {
      var code = link.getAttribute("data-language-switch");
      var rest = location.pathname.replace(/^\/[a-z]{2}(?=\/)/, "");
      link.href = "/" + code + rest + location.search + location.hash;
    });
  }
  document.addEventListener("htmx:pushedIntoHistory", follow);
  document.addEventListener("htmx:replacedInHistory", follow);
})();
