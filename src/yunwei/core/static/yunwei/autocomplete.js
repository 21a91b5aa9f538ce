/* Yunwei: the search box of choices among many (core/widgets.py, Autocomplete).
 *
 * htmx fetches the matches of what is typed into the listbox; this file shows the box
 * instead of the select, moves through the matches with ↑ / ↓, takes one with Enter or a
 * click, closes the list with Esc, and puts the choice into the form (a "change" event,
 * so filter forms refresh as with a select). Without it the widget is a select (or
 * ticked checkboxes) of the chosen values, which still submit.
 */
(function () {
  "use strict";
  if (window.yunweiAutocomplete) { return; }  // the page may load it more than once
  window.yunweiAutocomplete = true;

  var INPUT = "[data-autocomplete-input]";

  function parts(widget) {
    return {
      widget: widget,
      select: widget.querySelector("[data-autocomplete-value]"),
      chosen: widget.querySelector("[data-autocomplete-chosen]"),
      input: widget.querySelector(INPUT),
      listbox: widget.querySelector("[data-autocomplete-listbox]")
    };
  }

  function chosenLabel(p) {
    var option = p.select ? p.select.options[p.select.selectedIndex] : null;
    return option && option.value ? option.textContent.trim() : "";
  }

  function options(p) {
    return Array.prototype.slice.call(p.listbox.querySelectorAll('[role="option"]:not([aria-disabled="true"])'));
  }

  function activate(p, option) {
    options(p).forEach(function (o) {
      o.classList.toggle("active", o === option);
      o.setAttribute("aria-selected", o === option ? "true" : "false");
    });
    if (option) {
      p.input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      p.input.removeAttribute("aria-activedescendant");
    }
  }

  function open(p) {
    var any = p.listbox.querySelector('[role="option"]') !== null;
    p.listbox.hidden = !any;
    p.listbox.classList.toggle("show", any);
    p.input.setAttribute("aria-expanded", any ? "true" : "false");
  }

  function close(p) {
    p.listbox.hidden = true;
    p.listbox.classList.remove("show");
    p.input.setAttribute("aria-expanded", "false");
    activate(p, null);
  }

  function move(p, step) {
    var list = options(p);
    if (!list.length) { return; }
    if (p.listbox.hidden) { open(p); }
    var index = list.findIndex(function (o) { return o.classList.contains("active"); });
    index = index < 0 ? (step > 0 ? 0 : list.length - 1) : Math.min(Math.max(index + step, 0), list.length - 1);
    activate(p, list[index]);
  }

  function changed(element) {
    element.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function choose(p, option) {
    var value = option.getAttribute("data-value");
    var label = option.textContent.trim();
    close(p);
    if (p.select) {
      while (p.select.options.length > 1) { p.select.remove(1); }  // keep the empty one
      p.select.add(new Option(label, value, true, true));
      p.input.value = label;
      changed(p.select);
      return;
    }
    p.input.value = "";
    var box = Array.prototype.find.call(p.chosen.querySelectorAll("input"), function (i) { return i.value === value; });
    if (!box) {
      var item = document.createElement("label");
      item.className = "form-check form-check-inline mb-1";
      box = document.createElement("input");
      box.type = "checkbox";
      box.className = "form-check-input";
      box.name = p.widget.getAttribute("data-autocomplete-name");
      box.value = value;
      var text = document.createElement("span");
      text.className = "form-check-label";
      text.textContent = label;
      item.append(box, text);
      p.chosen.append(item);
    }
    box.checked = true;
    changed(box);
  }

  // Show the search box instead of the select, labelled as the select was.
  function init(root) {
    root.querySelectorAll("[data-autocomplete]:not([data-autocomplete-ready])").forEach(function (widget) {
      widget.setAttribute("data-autocomplete-ready", "");
      var p = parts(widget);
      p.input.hidden = false;
      if (p.select) {
        p.select.hidden = true;
        p.input.value = chosenLabel(p);
        if (p.select.id) {
          document.querySelectorAll('label[for="' + p.select.id + '"]').forEach(function (label) {
            label.htmlFor = p.input.id;
          });
        }
      }
    });
  }

  function widgetOf(target) {
    var input = target && target.closest ? target.closest(INPUT) : null;
    return input ? parts(input.closest("[data-autocomplete]")) : null;
  }

  // The search term goes as ?q= without the box having a name: it is not a form field.
  document.addEventListener("htmx:configRequest", function (event) {
    var p = widgetOf(event.detail.elt);
    if (p) { event.detail.parameters.q = p.input.value.trim(); }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var listbox = event.detail.target;
    if (!listbox.matches || !listbox.matches("[data-autocomplete-listbox]")) { return; }
    var p = parts(listbox.closest("[data-autocomplete]"));
    listbox.querySelectorAll('[role="option"]').forEach(function (o, i) { o.id = listbox.id + "-" + i; });
    if (document.activeElement === p.input) { open(p); } else { close(p); }
  });

  // Captured before the page's keyboard shortcuts, which skip handled (prevented) keys.
  document.addEventListener("keydown", function (event) {
    var p = widgetOf(event.target);
    if (!p || event.altKey || event.ctrlKey || event.metaKey) { return; }
    var active = p.listbox.hidden ? null : p.listbox.querySelector('[role="option"].active');
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      move(p, event.key === "ArrowDown" ? 1 : -1);
    } else if (event.key === "Enter" && active) {
      choose(p, active);  // and not submit the form
    } else if (event.key === "Escape" && !p.listbox.hidden) {
      close(p);
    } else {
      if (event.key === "Tab") { close(p); }
      return;
    }
    event.preventDefault();
  }, true);

  // Typing is not a change of the form: only a choice is. An emptied box clears a single
  // choice; a half-typed one shows the choice again.
  document.addEventListener("change", function (event) {
    var p = widgetOf(event.target);
    if (!p) { return; }
    event.stopPropagation();
    if (!p.select) { return; }
    if (!p.input.value.trim() && p.select.value) {
      p.select.value = "";
      changed(p.select);
    } else {
      p.input.value = chosenLabel(p);
    }
  }, true);

  document.addEventListener("focusin", function (event) {
    var p = widgetOf(event.target);
    if (p) { p.input.select(); }
  });

  document.addEventListener("focusout", function (event) {
    var p = widgetOf(event.target);
    if (p) { close(p); }
  });

  // Keep the focus in the box while clicking a match (a blur would close the list first).
  document.addEventListener("mousedown", function (event) {
    if (event.target.closest && event.target.closest("[data-autocomplete-listbox]")) { event.preventDefault(); }
  });

  document.addEventListener("click", function (event) {
    var option = event.target.closest && event.target.closest('[data-autocomplete-listbox] [role="option"]:not([aria-disabled="true"])');
    if (option) { choose(parts(option.closest("[data-autocomplete]")), option); }
  });

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (event) { init(event.detail.elt.parentNode || document); });
})();
