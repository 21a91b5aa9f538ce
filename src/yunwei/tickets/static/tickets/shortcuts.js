/* Yunwei service desk: keyboard shortcuts and small helpers of the queue and ticket pages.
 *
 * Queue:  j / k move the selection, o or Enter open it, x ticks it, / searches, c creates.
 * Ticket: r replies, n writes an internal note, a assigns to me, e edits.
 * Both:   ? shows the help (its text is in the page, translated), Esc leaves a field.
 * Keys are ignored while typing in a field. Everything works without this file too.
 */
(function () {
  "use strict";

  function isTyping(target) {
    if (!target || !target.tagName) { return false; }
    var tag = target.tagName.toLowerCase();
    if (tag === "textarea" || tag === "select" || target.isContentEditable) { return true; }
    if (tag !== "input") { return false; }
    var type = (target.getAttribute("type") || "text").toLowerCase();
    return ["checkbox", "radio", "button", "submit", "reset", "file"].indexOf(type) === -1;
  }

  function submit(form) {
    if (!form) { return; }
    if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
  }

  function showHelp() {
    var modal = document.getElementById("shortcuts-help");
    if (modal && window.tabler && tabler.Modal) {
      tabler.Modal.getOrCreateInstance(modal).show();
    }
  }

  function clickShortcut(key) {
    var el = document.querySelector('[data-shortcut="' + key + '"]');
    if (!el) { return false; }
    el.click();
    return true;
  }

  // --- the queue ---------------------------------------------------------------------

  var selectedUrl = null;

  function rows() {
    return Array.prototype.slice.call(
      document.querySelectorAll("table[data-ticket-queue] tbody tr[data-ticket-url]")
    );
  }

  function selectedIndex(list) {
    for (var i = 0; i < list.length; i++) {
      if (list[i].classList.contains("is-selected")) { return i; }
    }
    return -1;
  }

  function select(list, index) {
    if (!list.length) { return; }
    index = Math.max(0, Math.min(index, list.length - 1));
    list.forEach(function (row) { row.classList.remove("is-selected"); row.removeAttribute("aria-selected"); });
    var row = list[index];
    row.classList.add("is-selected");
    row.setAttribute("aria-selected", "true");
    selectedUrl = row.getAttribute("data-ticket-url");
    row.scrollIntoView({ block: "nearest" });
  }

  function restoreSelection() {
    if (!selectedUrl) { return; }
    var list = rows();
    for (var i = 0; i < list.length; i++) {
      if (list[i].getAttribute("data-ticket-url") === selectedUrl) { select(list, i); return; }
    }
  }

  function queueKey(event) {
    var list = rows();
    var index = selectedIndex(list);
    switch (event.key) {
      case "j":
        select(list, index + 1);
        return true;
      case "k":
        select(list, index < 0 ? 0 : index - 1);
        return true;
      case "Enter":
        // Enter on a focused link or button does what it always does.
        if (event.target.closest && event.target.closest("a, button")) { return false; }
        if (index >= 0) { window.location.href = list[index].getAttribute("data-ticket-url"); return true; }
        return false;
      case "o":
        if (index >= 0) { window.location.href = list[index].getAttribute("data-ticket-url"); return true; }
        return false;
      case "x":
        if (index >= 0) {
          var box = list[index].querySelector("[data-ticket-checkbox]");
          if (box) { box.checked = !box.checked; updateBulk(); }
          return true;
        }
        return false;
      case "/":
        var search = document.querySelector('form[data-testid="queue-filters"] input[name="q"]');
        if (search) { search.focus(); search.select(); return true; }
        return false;
      case "c":
        return clickShortcut("c");
    }
    return false;
  }

  function checkboxes() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-ticket-checkbox]"));
  }

  function updateBulk() {
    var bar = document.querySelector("[data-bulk-bar]");
    if (!bar) { return; }
    var ticked = checkboxes().filter(function (box) { return box.checked; }).length;
    var count = bar.querySelector("[data-bulk-count]");
    if (count) { count.textContent = String(ticked); }
    bar.classList.toggle("is-empty", ticked === 0);
    var all = document.querySelector("[data-select-all]");
    if (all) {
      var total = checkboxes().length;
      all.checked = total > 0 && ticked === total;
      all.indeterminate = ticked > 0 && ticked < total;
    }
  }

  function updateBulkGroups() {
    var operation = document.querySelector("[data-bulk-operation]");
    if (!operation) { return; }
    document.querySelectorAll("[data-bulk-group]").forEach(function (group) {
      var names = group.getAttribute("data-bulk-group").split(" ");
      group.hidden = names.indexOf(operation.value) === -1;
    });
  }

  // --- the ticket page ------------------------------------------------------------------

  function setReplyMode(form, mode) {
    var radio = form.querySelector('[data-reply-mode="' + mode + '"]');
    if (radio) { radio.checked = true; }
    var internal = mode === "internal";
    form.classList.toggle("is-internal", internal);
    var pub = form.querySelector("[data-label-public]");
    var note = form.querySelector("[data-label-internal]");
    if (pub) { pub.hidden = internal; }
    if (note) { note.hidden = !internal; }
  }

  function startReply(mode) {
    var form = document.querySelector("[data-reply-form]");
    if (!form) { return false; }
    if (mode === "internal" && !form.querySelector('[data-reply-mode="internal"]')) { return false; }
    setReplyMode(form, mode);
    var body = form.querySelector("textarea");
    if (body) {
      body.scrollIntoView({ block: "center" });
      body.focus();
    }
    return true;
  }

  function ticketKey(event) {
    switch (event.key) {
      case "r":
        return startReply("public");
      case "n":
        return startReply("internal");
      case "a":
        return clickShortcut("a");
      case "e":
        return clickShortcut("e");
    }
    return false;
  }

  function insertAtCursor(textarea, text) {
    var start = textarea.selectionStart || 0;
    var end = textarea.selectionEnd || 0;
    var value = textarea.value;
    var before = value.slice(0, start);
    var glue = before && !/\n$/.test(before) ? "\n" : "";
    textarea.value = before + glue + text + value.slice(end);
    var caret = (before + glue + text).length;
    textarea.focus();
    textarea.setSelectionRange(caret, caret);
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  // --- events ----------------------------------------------------------------------------

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented) { return; }
    var target = event.target;
    // Ctrl/⌘ + Enter sends the reply being written.
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && target.closest && target.closest("[data-reply-form]")) {
      event.preventDefault();
      submit(target.closest("form"));
      return;
    }
    if (isTyping(target)) {
      if (event.key === "Escape") { target.blur(); }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (document.querySelector(".modal.show")) { return; }
    var handled = false;
    if (event.key === "?") {
      showHelp();
      handled = true;
    } else if (document.querySelector("table[data-ticket-queue]") || document.querySelector("[data-ticket-queue-page]")) {
      handled = queueKey(event);
    } else if (document.querySelector("[data-ticket-page]")) {
      handled = ticketKey(event);
    }
    if (handled) { event.preventDefault(); }
  });

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("[data-select-all]")) {
      checkboxes().forEach(function (box) { box.checked = target.checked; });
      updateBulk();
    } else if (target.matches("[data-ticket-checkbox]")) {
      updateBulk();
    } else if (target.matches("[data-bulk-operation]")) {
      updateBulkGroups();
    } else if (target.matches("[data-submit-on-change]")) {
      submit(target.form);
    } else if (target.matches("[data-reply-mode]")) {
      setReplyMode(target.closest("form"), target.value);
    } else if (target.matches("select[data-canned-target]")) {
      var option = target.options[target.selectedIndex];
      var textarea = document.querySelector(target.getAttribute("data-canned-target"));
      if (option && option.value && textarea) {
        insertAtCursor(textarea, option.getAttribute("data-body") || "");
      }
      target.selectedIndex = 0;
    }
  });

  // A click on a queue row (not on its links or checkbox) opens the ticket.
  document.addEventListener("click", function (event) {
    var row = event.target.closest && event.target.closest("table[data-ticket-queue] tbody tr[data-ticket-url]");
    if (!row || event.target.closest("a, input, button, label, select")) { return; }
    if (window.getSelection && String(window.getSelection())) { return; }  // selecting text
    window.location.href = row.getAttribute("data-ticket-url");
  });

  // The bulk form returns to the queue as it is now (htmx may have changed the filters).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches && form.matches("[data-bulk-bar]")) {
      var next = form.querySelector('input[name="bulk-next"]');
      if (next) { next.value = window.location.pathname + window.location.search; }
    }
    if (form.matches && form.matches("[data-saved-view-form]")) {
      var query = form.querySelector('input[name="view-query"]');
      if (query) {
        var params = new URLSearchParams(window.location.search);
        params.delete("page");
        query.value = params.toString();
      }
    }
  }, true);

  // A refused change (403) still carries its message: show it instead of nothing.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (xhr && xhr.status === 403 && document.querySelector("[data-ticket-page]") &&
        xhr.getResponseHeader("Content-Type") && xhr.responseText.indexOf('id="ticket-messages"') !== -1) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  function init() {
    updateBulk();
    updateBulkGroups();
    restoreSelection();
  }

  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:afterSettle", init);
})();
