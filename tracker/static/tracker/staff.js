/* Staff workspace: small enhancements on top of htmx. Loaded with defer; no inline script (CSP). */
(function () {
  "use strict";

  function announce(text, level) {
    var region = document.getElementById("messages");
    if (!region) return;
    var message = document.createElement("p");
    message.className = "message message--" + (level || "info");
    message.textContent = text;
    region.replaceChildren(message);
  }

  /* Move focus to whatever the server marked: the updated row, the first field of a new form,
     the conflict or error summary, the first of the older history items. */
  function focusMarked() {
    var target = document.querySelector("[data-focus]");
    if (!target) return;
    target.removeAttribute("data-focus");
    target.focus({ preventScroll: false });
  }

  /* htmx 2 leaves 4xx responses unswapped. Ours carry the form again, with its messages
     (422) or the newer update (409): swap them in like any other answer. */
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status === 409 || status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    } else if (status === 403) {
      announce("Your account is not allowed to do that. Nothing was saved.", "error");
    } else if (status === 404) {
      announce("That pledge no longer exists. Reload the worklist.", "error");
    } else if (status >= 400) {
      announce("Something went wrong (error " + status + "), and nothing was saved. Your text is still in the form: please try again.", "error");
    }
  });

  /* Keep filter URLs short and readable: leave out the filters that are not set. */
  document.addEventListener("htmx:configRequest", function (event) {
    var form = event.detail.elt;
    if (!form.matches || !form.matches("form.worklist-filters")) return;
    var data = event.detail.formData;
    var empty = [];
    data.forEach(function (value, key) {
      if (value === "") empty.push(key);
    });
    empty.forEach(function (key) {
      data.delete(key);
    });
  });

  document.addEventListener("htmx:sendError", function () {
    announce("Could not reach the server. Nothing was saved; your text is still in the form.", "error");
  });

  document.addEventListener("htmx:afterSettle", focusMarked);
  focusMarked();

  function isDirty(form) {
    return Array.prototype.some.call(form.elements, function (field) {
      if (field.type === "hidden" || field.type === "submit") return false;
      if (field.tagName === "SELECT") {
        return Array.prototype.some.call(field.options, function (option) {
          return option.selected !== option.defaultSelected;
        });
      }
      return field.value !== field.defaultValue;
    });
  }

  /* Esc closes an inline update form, as Cancel does, and focus goes back to its row.
     Typed text is never thrown away by one stray key: with changes, Esc asks twice. */
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || !event.target.closest) return;
    var form = event.target.closest(".update-form--inline");
    var cancel = form && form.querySelector("[data-cancel]");
    if (!cancel) return;
    event.preventDefault();
    if (isDirty(form) && !form.hasAttribute("data-discard")) {
      form.setAttribute("data-discard", "");
      announce("This form has unsaved text. Press Esc again to close it and discard the text.", "warning");
      return;
    }
    var region = document.getElementById("messages");
    if (region && form.hasAttribute("data-discard")) region.replaceChildren();
    cancel.click();
  });
})();
