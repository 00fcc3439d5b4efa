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
