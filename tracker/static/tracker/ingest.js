/* The ingest screen: make a pledge from a selection in the text, decide quickly, and
   refuse an oversized paste before sending it. Everything here is an enhancement: without
   it the curator types the quote, and the server checks the size. No inline script (CSP). */
(function () {
  "use strict";

  var selected = null; // {start, text} of the current selection in the text

  function reveal(root) {
    root.querySelectorAll(".selection-bar, .bulk-actions").forEach(function (el) {
      el.hidden = false;
    });
  }

  /* Character offsets of the selection inside #ingest-text, whose text is the statement's
     text exactly (the server escapes it and adds only <mark> elements). */
  function selectionIn(container) {
    var selection = window.getSelection();
    if (!selection || selection.isCollapsed || selection.rangeCount === 0) return null;
    var range = selection.getRangeAt(0);
    if (!container.contains(range.startContainer) || !container.contains(range.endContainer)) return null;
    var before = document.createRange();
    before.setStart(container, 0);
    before.setEnd(range.startContainer, range.startOffset);
    var text = range.toString();
    var start = before.toString().length;
    // Trim the whitespace a drag often takes along.
    var lead = text.length - text.replace(/^\s+/, "").length;
    text = text.trim();
    if (!text) return null;
    return { start: start + lead, text: text };
  }

  document.addEventListener("selectionchange", function () {
    var container = document.getElementById("ingest-text");
    var button = document.querySelector("[data-make-pledge]");
    if (!container || !button) return;
    var found = selectionIn(container);
    if (found) selected = found;
    else if (!document.activeElement || !document.activeElement.matches("[data-make-pledge]")) selected = null;
    button.disabled = !selected;
    var hint = document.querySelector("[data-selection-hint]");
    // The words are the template's, in the page's language (data-none, data-some).
    if (hint) {
      hint.textContent = selected
        ? hint.getAttribute("data-some").split("{count}").join(selected.text.length)
        : hint.getAttribute("data-none");
    }
  });

  function emptyAddedForm() {
    var forms = document.querySelectorAll("[data-added-forms] .suggestion--added");
    for (var i = 0; i < forms.length; i++) {
      var quote = forms[i].querySelector("textarea");
      if (quote && !quote.value.trim()) return forms[i];
    }
    var template = document.querySelector("[data-added-template]");
    var total = document.getElementById("id_a-TOTAL_FORMS");
    if (!template || !total) return null;
    var index = parseInt(total.value, 10);
    var holder = document.createElement("div");
    holder.innerHTML = template.innerHTML.replace(/__prefix__/g, String(index));
    var fieldset = holder.querySelector("fieldset");
    document.querySelector("[data-added-forms]").appendChild(fieldset);
    total.value = String(index + 1);
    return fieldset;
  }

  document.addEventListener("click", function (event) {
    var make = event.target.closest("[data-make-pledge]");
    if (make && selected) {
      var form = emptyAddedForm();
      if (!form) return;
      form.querySelector("textarea").value = selected.text;
      form.querySelector("input[type=hidden][name$='-start']").value = String(selected.start);
      var title = form.querySelector("input[name$='-title']");
      form.scrollIntoView({ block: "center" });
      title.focus();
      return;
    }
    if (event.target.closest("[data-reject-rest]")) {
      document.querySelectorAll(".ingest-suggestions .suggestion").forEach(function (card) {
        if (card.querySelector("input[type=radio]:checked")) return;
        var reject = card.querySelector("input[type=radio][value=reject]");
        if (reject) {
          reject.checked = true;
          reject.dispatchEvent(new Event("change", { bubbles: true }));
        }
      });
    }
  });

  /* The mark in the text follows the decision on its card. */
  document.addEventListener("change", function (event) {
    var radio = event.target;
    if (!radio.matches || !radio.matches(".suggestion input[type=radio]")) return;
    var card = radio.closest(".suggestion");
    var mark = document.getElementById("mark-" + card.id.replace("suggestion-", ""));
    if (!mark) return;
    mark.classList.toggle("is-accepted", radio.value !== "reject");
    mark.classList.toggle("is-rejected", radio.value === "reject");
  });

  /* Refuse an oversized paste here, before sending megabytes for the server to refuse. */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var limit = parseInt(form.getAttribute("data-max-chars") || "0", 10);
    var text = form.querySelector("textarea[name=text]");
    var warning = form.querySelector("#too-long");
    if (!limit || !text || !warning) return;
    warning.hidden = text.value.length <= limit;
    if (text.value.length > limit) {
      event.preventDefault();
      event.stopPropagation();
      warning.focus();
    }
  }, true);

  document.addEventListener("htmx:load", function (event) {
    reveal(event.detail.elt);
  });
  reveal(document);
})();
