/* Staff workspace: small enhancements on top of htmx. Loaded with defer; no inline script (CSP). */
(function () {
  "use strict";

  /* What staff.js says, in the page's language: templates/staff/base.html puts the words
     on the body as data-say-* attributes (no inline script under the CSP). */
  function say(name, values) {
    var text = document.body.getAttribute("data-say-" + name) || "";
    Object.keys(values || {}).forEach(function (key) {
      text = text.split("{" + key + "}").join(values[key]);
    });
    return text;
  }

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
      announce(say("forbidden"), "error");
    } else if (status === 404) {
      announce(say("not-found"), "error");
    } else if (status >= 400) {
      announce(say("error", { status: status }), "error");
    }
  });

  /* The worklist filters: one intent, one request. Typing waits for a pause, a choice in a
     list or a box applies at once, Enter or Apply applies now, and the same filters are never
     asked for twice. The search box losing focus sends nothing, so the click that took the
     focus lands on the row it was aimed at; a click in the results also drops a search still
     waiting for its pause. htmx sends the request on the form's "filter" event. */
  var SEARCH_PAUSE_MS = 500;

  function filterQuery(params) {
    var kept = new URLSearchParams();
    params.forEach(function (value, key) {
      if (value !== "" && key !== "page") kept.append(key, value);
    });
    kept.sort();
    return kept.toString();
  }

  function applyFilters(form) {
    clearTimeout(form.searchTimer);
    var query = filterQuery(new FormData(form));
    var last = form.sentQuery === undefined ? filterQuery(new URLSearchParams(location.search)) : form.sentQuery;
    if (query === last) return;
    form.sentQuery = query;
    htmx.trigger(form, "filter");
  }

  function filterForm(element) {
    var form = element.form || element;
    return form.matches && form.matches("form.worklist-filters") ? form : null;
  }

  document.addEventListener("input", function (event) {
    var form = filterForm(event.target);
    if (!form || event.target.type !== "search") return;
    clearTimeout(form.searchTimer);
    form.searchTimer = setTimeout(applyFilters, SEARCH_PAUSE_MS, form);
  });

  document.addEventListener("change", function (event) {
    var form = filterForm(event.target);
    if (form && event.target.type !== "search") applyFilters(form);
  });

  document.addEventListener("submit", function (event) {
    var form = filterForm(event.target);
    if (!form) return;
    event.preventDefault();
    applyFilters(form);
  });

  document.addEventListener("pointerdown", function (event) {
    if (!event.target.closest || !event.target.closest("#worklist-results")) return;
    var form = document.querySelector("form.worklist-filters");
    if (form) clearTimeout(form.searchTimer);
  });

  /* "Add another link": a new evidence row from the formset's empty form, focus in it.
     Without JavaScript the button posts the form and the server adds the row. */
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-add-link]");
    if (!button) return;
    event.preventDefault();
    var fieldset = button.closest("[data-evidence]");
    var template = fieldset.querySelector("template[data-evidence-row]");
    var total = fieldset.querySelector("input[name$='-TOTAL_FORMS']");
    var max = fieldset.querySelector("input[name$='-MAX_NUM_FORMS']");
    var index = parseInt(total.value, 10);
    var html = template.innerHTML.replace(/__prefix__/g, index).replace(/__number__/g, index + 1);
    template.insertAdjacentHTML("beforebegin", html);
    total.value = index + 1;
    if (index + 1 >= parseInt(max.value, 10)) button.hidden = true;
    template.previousElementSibling.querySelector("input").focus();
  });

  /* The keyboard: J / K (or the arrows, on a row) move between pledges, Enter on a row
     opens its update form, Ctrl+Enter (Cmd+Enter) saves it, Esc closes it (below). After a
     save focus is on the row again, so J moves on to the next one. */
  function pledgeRows() {
    return Array.prototype.slice.call(document.querySelectorAll("#worklist-results tr.pledge-row"));
  }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (!target.closest) return;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      var form = target.closest("form.update-form");
      if (!form) return;
      event.preventDefault();
      form.requestSubmit(form.querySelector(".form-actions button[type=submit]"));
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (target.closest("input, select, textarea, button, [contenteditable]")) return;
    var rows = pledgeRows();
    var body = target.closest("tbody.pledge");
    var index = body ? rows.indexOf(body.querySelector("tr.pledge-row")) : -1;
    var onRow = target.matches("tr.pledge-row");
    var step = { j: 1, k: -1 }[event.key];
    if (onRow && event.key === "ArrowDown") step = 1;
    if (onRow && event.key === "ArrowUp") step = -1;
    if (step && rows.length) {
      event.preventDefault();
      var next = rows[Math.min(Math.max(index + step, 0), rows.length - 1)];
      next.focus();
      next.scrollIntoView({ block: "nearest" });
    } else if (onRow && event.key === "Enter") {
      var open = target.querySelector(".actions a");
      if (open) {
        event.preventDefault();
        open.click();
      }
    }
  });

  /* The live region floats over the page: a click on a message puts it away, and it goes
     by itself after a while. What it said is also on the page (the row's "Saved", the
     form's summary), so nothing is lost with it. */
  var MESSAGE_MS = 10000;
  document.addEventListener("click", function (event) {
    var message = event.target.closest && event.target.closest("#messages .message");
    if (message) message.remove();
  });
  var region = document.getElementById("messages");
  function fadeLater() {
    clearTimeout(region.fadeTimer);
    if (region.children.length) {
      region.fadeTimer = setTimeout(function () { region.replaceChildren(); }, MESSAGE_MS);
    }
  }
  if (region) {
    new MutationObserver(fadeLater).observe(region, { childList: true });
    fadeLater();
  }

  document.addEventListener("htmx:sendError", function () {
    announce(say("offline"), "error");
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
      announce(say("discard"), "warning");
      return;
    }
    var region = document.getElementById("messages");
    if (region && form.hasAttribute("data-discard")) region.replaceChildren();
    // Ask for the row as Cancel's hx-get says, rather than clicking the link: a click that
    // lands before htmx has processed the freshly swapped form would follow the plain href
    // and leave the worklist for the full pledge page.
    if (window.htmx && cancel.getAttribute("hx-get")) {
      htmx.ajax("GET", cancel.getAttribute("hx-get"), {
        target: cancel.getAttribute("hx-target"),
        swap: cancel.getAttribute("hx-swap") || "outerHTML",
      });
    } else {
      cancel.click();
    }
  });
})();
