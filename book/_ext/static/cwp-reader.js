/* cwp-analysis book: small fixes to the theme's behaviour (no dependencies). */
(function () {
  "use strict";

  /* The theme binds only the first .primary-toggle / .secondary-toggle of the
     page (the copy in the hidden page header).  Forward clicks on the other,
     visible copies to it, so the sidebar buttons in the article header work. */
  function forwardToggles(selector) {
    var buttons = document.querySelectorAll(selector);
    if (buttons.length < 2) return;
    var bound = buttons[0];
    Array.prototype.slice.call(buttons, 1).forEach(function (button) {
      button.addEventListener("click", function (event) {
        event.preventDefault();
        event.stopPropagation();
        bound.click();
      });
    });
  }

  /* A table box that scrolls sideways: a visible cue, a keyboard stop and a
     name for screen readers.  Boxes that fit get none of these. */
  function label(box) {
    var caption = box.querySelector("caption");
    var text = caption ? caption.textContent.trim().replace(/\s+/g, " ") : "";
    if (text.length > 80) text = text.slice(0, 79) + "…";
    return (text || "Table") + " (scrolls sideways)";
  }

  function markOverflow(box) {
    var overflows = box.scrollWidth > box.clientWidth + 1;
    box.classList.toggle("cwp-overflows", overflows);
    var hint = box.previousElementSibling;
    var hasHint = hint && hint.classList.contains("cwp-scroll-hint");
    if (overflows) {
      box.setAttribute("tabindex", "0");
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", label(box));
      if (!hasHint) {
        hint = document.createElement("p");
        hint.className = "cwp-scroll-hint";
        hint.setAttribute("aria-hidden", "true");
        hint.textContent = "Scroll the table sideways to see every column \u2192";
        box.parentNode.insertBefore(hint, box);
      }
      markEnd(box);
    } else {
      box.removeAttribute("tabindex");
      box.removeAttribute("role");
      box.removeAttribute("aria-label");
      if (hasHint) hint.remove();
    }
  }

  function markEnd(box) {
    box.classList.toggle("cwp-at-end", box.scrollLeft + box.clientWidth >= box.scrollWidth - 2);
    box.classList.toggle("cwp-scrolled", box.scrollLeft > 2);
  }

  function watchTables() {
    var boxes = document.querySelectorAll(".cwp-table-scroll");
    var observer = "ResizeObserver" in window ? new ResizeObserver(function (entries) {
      entries.forEach(function (entry) { markOverflow(entry.target); });
    }) : null;
    boxes.forEach(function (box) {
      markOverflow(box);
      box.addEventListener("scroll", function () { markEnd(box); }, { passive: true });
      if (observer) observer.observe(box);
    });
  }

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  ready(function () {
    forwardToggles(".primary-toggle");
    forwardToggles(".secondary-toggle");
    watchTables();
  });
})();
