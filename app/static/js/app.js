// Page behaviour the server cannot express in markup: toasts, dialog closing, network errors.
// No inline scripts (the Content-Security-Policy forbids them); everything hangs off htmx events.
(function () {
  "use strict";

  function messages() {
    return document.getElementById("htmx-messages").dataset;
  }

  function showToast(message, level) {
    var box = document.getElementById("toasts");
    if (!box || !message) return;
    var item = document.createElement("p");
    item.className = "toast toast-" + (level || "info");
    item.setAttribute("role", level === "error" ? "alert" : "status");
    item.textContent = message;
    box.appendChild(item);
    setTimeout(function () { item.remove(); }, 6000);
  }
  window.portalToast = showToast;

  document.addEventListener("toast", function (evt) {
    var detail = evt.detail || {};
    showToast(detail.message, detail.level);
  });

  // Dialogs (answers swapped into #dialog) open as modal dialogs: focus moves into them, Tab
  // stays inside, the page behind is inert; closing one gives focus back to what opened it.
  var dialogOpener = null;

  function closeDialog() {
    var box = document.getElementById("dialog");
    if (box) box.innerHTML = "";
    if (dialogOpener && document.contains(dialogOpener)) dialogOpener.focus();
    dialogOpener = null;
  }

  document.addEventListener("htmx:beforeRequest", function (evt) {
    var target = evt.detail.target;
    var box = document.getElementById("dialog");
    if (box && target === box && !box.contains(document.activeElement)) {
      dialogOpener = document.activeElement;
    }
  });

  document.addEventListener("htmx:afterSettle", function () {
    var box = document.getElementById("dialog");
    var dialog = box && box.querySelector("dialog[open]");
    if (!dialog || dialog.matches(":modal") || typeof dialog.showModal !== "function") return;
    dialog.removeAttribute("open");
    dialog.showModal();
    // A confirmation starts on "Abbrechen": Enter right away must not delete or deactivate.
    var cancel = dialog.querySelector("#confirm-delete") && dialog.querySelector("button[data-close-dialog], a[data-close-dialog]");
    if (cancel) cancel.focus();
    dialog.addEventListener("cancel", function (evt) {
      evt.preventDefault(); // Escape: the whole dialog goes, as with its close button
      closeDialog();
    });
  });

  document.addEventListener("dialog-close", closeDialog);

  // A 5xx or other error answer that carried no toast of its own still tells the user.
  document.addEventListener("htmx:responseError", function (evt) {
    var xhr = evt.detail.xhr;
    if (xhr && xhr.getResponseHeader("HX-Trigger")) return;
    if (xhr && xhr.status === 401) return; // HX-Redirect to the log-in page follows
    showToast(messages().errorGeneric, "error");
  });

  document.addEventListener("htmx:sendError", function () {
    showToast(messages().errorNetwork, "error");
  });

  // Dialogs: close with Escape or a [data-close-dialog] button; no inline handlers needed.
  document.addEventListener("click", function (evt) {
    var closer = evt.target.closest("[data-close-dialog]");
    if (closer) {
      evt.preventDefault();
      closeDialog();
    }
  });
  var FOCUSABLE = "a[href], button:not([disabled]), input:not([disabled]):not([type=hidden])," +
    " select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex='-1'])";

  document.addEventListener("keydown", function (evt) {
    var box = document.getElementById("dialog");
    if (evt.key === "Escape") {
      if (box && box.innerHTML.trim()) closeDialog();
      return;
    }
    // Tab wraps around inside an open dialog (WAI-ARIA dialog pattern) instead of leaving it.
    var dialog = evt.key === "Tab" && box && box.querySelector("dialog[open]");
    if (!dialog) return;
    var items = Array.prototype.filter.call(dialog.querySelectorAll(FOCUSABLE), function (el) {
      return el.offsetParent !== null;
    });
    if (!items.length) return;
    var first = items[0], last = items[items.length - 1];
    var active = document.activeElement;
    if (evt.shiftKey && (active === first || !dialog.contains(active))) {
      evt.preventDefault();
      last.focus();
    } else if (!evt.shiftKey && (active === last || !dialog.contains(active))) {
      evt.preventDefault();
      first.focus();
    }
  });

  // The elements matching `selector` in a swapped-in `root` (the root itself included), or in the
  // whole page on load.
  function within(root, selector) {
    var scope = root && root.querySelectorAll ? root : document;
    var found = Array.prototype.slice.call(scope.querySelectorAll(selector));
    if (scope.matches && scope.matches(selector)) found.push(scope);
    return found;
  }

  // Fields shown only while another field has a given value (data-show-when="field=value").
  // Without JavaScript every field stays visible and the server still checks the rules.
  function applyShowWhen(root) {
    var forms = within(root, "form");
    forms.forEach(function (form) {
      var dependants = form.querySelectorAll("[data-show-when]");
      if (!dependants.length) return;
      var update = function () {
        dependants.forEach(function (el) {
          var rule = el.dataset.showWhen.split("=");
          var inputs = form.querySelectorAll('[name="' + rule[0] + '"]');
          var value = null;
          inputs.forEach(function (input) {
            if ((input.type === "radio" || input.type === "checkbox") ? input.checked : true) value = input.value;
          });
          // A locked choice (not in the form) keeps its fields visible.
          el.hidden = inputs.length > 0 && value !== rule[1];
        });
      };
      if (!form.dataset.showWhenBound) {
        form.addEventListener("change", update);
        form.dataset.showWhenBound = "1";
      }
      update();
    });
  }

  // A choice that other ticks rule out (data-disabled-when-checked="a b"): with both usages
  // ticked an interface cannot be restricted to a branch, so the branch select is emptied and
  // disabled while they are. The server refuses the combination as well.
  function applyDisabledWhen(root) {
    var items = within(root, "[data-disabled-when-checked]");
    items.forEach(function (el) {
      var form = el.closest("form");
      if (!form) return;
      var names = el.dataset.disabledWhenChecked.split(" ");
      var update = function () {
        var all = names.every(function (name) {
          var box = form.querySelector('input[type="checkbox"][name="' + name + '"]');
          return box && box.checked;
        });
        el.querySelectorAll("select, input").forEach(function (control) {
          if (all) control.value = "";
          control.disabled = all;
        });
        // Say why the choice went away, next to it.
        el.querySelectorAll("[data-disabled-reason]").forEach(function (reason) {
          reason.hidden = !all;
        });
      };
      form.addEventListener("change", update);
      update();
    });
  }

  // A revealed secret disappears again after its time (data-hide-after seconds).
  function scheduleHiding(root) {
    var items = within(root, "[data-hide-after]");
    items.forEach(function (el) {
      setTimeout(function () { el.remove(); }, parseInt(el.dataset.hideAfter, 10) * 1000);
    });
  }

  // The SMS counter (a server fragment) marks a text the server would refuse; its form's send
  // button stays disabled until the text is short enough. The server refuses it anyway.
  function applyCounterLimit(root) {
    var counters = within(root, ".sms-counter");
    counters.forEach(function (counter) {
      var form = counter.closest("form");
      if (!form) return;
      var over = counter.hasAttribute("data-over-limit");
      form.querySelectorAll('button[type="submit"]').forEach(function (button) {
        if (over) {
          button.disabled = true;
          button.dataset.overLimit = "1";
        } else if (button.dataset.overLimit) {
          button.disabled = false;
          delete button.dataset.overLimit;
        }
      });
    });
  }

  // On a phone a wide table scrolls inside itself (app.css). Keyboard users scroll it once it has
  // focus, so a table that scrolls and holds nothing focusable joins the tab order.
  var FOCUSABLE = "a[href], button, input, select, textarea, [tabindex]";
  function focusableScrollers() {
    document.querySelectorAll("main table").forEach(function (table) {
      var scrolls = table.scrollWidth > table.clientWidth + 1;
      if (scrolls && !table.hasAttribute("tabindex") && !table.querySelector(FOCUSABLE)) {
        table.tabIndex = 0;
        table.dataset.scrollFocus = "1";
      } else if (!scrolls && table.dataset.scrollFocus) {
        table.removeAttribute("tabindex");
        delete table.dataset.scrollFocus;
      }
    });
  }
  var resizeTimer = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(focusableScrollers, 200);
  });

  // Flash messages fade out after a while; errors stay until dismissed by the next action.
  htmx.onLoad(function (root) {
    focusableScrollers();
    applyCounterLimit(root);
    applyShowWhen(root);
    applyDisabledWhen(root);
    scheduleHiding(root);
    (root.querySelectorAll ? root : document).querySelectorAll(".flash-success, .flash-info").forEach(function (el) {
      setTimeout(function () { el.classList.add("fade"); }, 5000);
    });
  });
})();
