/* Yunwei: small behaviours shared by every page. No network access beyond this site. */
(function () {
  "use strict";

  // Ask before submitting forms marked data-confirm="…" (e.g. revoking a token).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form && form.getAttribute && form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // The language switch returns to the current address, including filters that htmx
  // pushed into the URL after the page was rendered.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form && form.classList && form.classList.contains("language-switch")) {
      var next = form.querySelector('input[name="next"]');
      if (next) { next.value = window.location.pathname + window.location.search; }
    }
  });

  // Copy buttons: <button data-copy-target="#id">.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy-target]");
    if (!button) { return; }
    var source = document.querySelector(button.getAttribute("data-copy-target"));
    if (source && navigator.clipboard) {
      navigator.clipboard.writeText(source.textContent.trim());
    }
  });

  // Tooltips and popovers in content swapped in by htmx.
  function initWidgets(root) {
    if (!window.tabler) { return; }
    root.querySelectorAll('[data-bs-toggle="tooltip"]').forEach(function (el) { tabler.Tooltip.getOrCreateInstance(el); });
    root.querySelectorAll('[data-bs-toggle="popover"]').forEach(function (el) { tabler.Popover.getOrCreateInstance(el); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    if (window.htmx) { htmx.onLoad(initWidgets); }
  });
})();
