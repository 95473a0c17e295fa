/* Self-check: keep the rule's counts in step with the boxes ticked on this page.
   Progressive enhancement: without this script the server-rendered counts update on each page.
   A basic item counts once, whether ticked as met or marked 「該当なし」 (the server then checks
   that the 該当なし is allowed for the kind of organisation and has its reason). */
(function () {
  "use strict";
  var form = document.querySelector("form[data-selfcheck]");
  var counts = document.getElementById("selfcheck-counts");
  if (!form || !counts) { return; }

  function ticked(kind) {
    var items = {};
    form.querySelectorAll('input[data-kind="' + kind + '"]:checked').forEach(function (box) {
      items[box.getAttribute("data-item") || box.id] = true;
    });
    if (kind === "basic") {
      form.querySelectorAll("input[data-not-applicable]:checked").forEach(function (box) {
        items[box.getAttribute("data-not-applicable")] = true;
      });
    }
    return Object.keys(items).length;
  }

  function update() {
    ["basic", "challenge"].forEach(function (kind) {
      var elsewhere = Number(counts.getAttribute("data-" + kind + "-elsewhere")) || 0;
      var shown = counts.querySelector('[data-count="' + kind + '"]');
      if (shown) { shown.textContent = String(elsewhere + ticked(kind)); }
    });
  }

  form.addEventListener("change", update);
  update();
}());
