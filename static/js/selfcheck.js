/* Self-check: keep the rule's counts in step with the boxes ticked on this page.
   Progressive enhancement: without this script the server-rendered counts update on each page. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-selfcheck]");
  var counts = document.getElementById("selfcheck-counts");
  if (!form || !counts) { return; }

  function update() {
    ["basic", "challenge"].forEach(function (kind) {
      var elsewhere = Number(counts.getAttribute("data-" + kind + "-elsewhere")) || 0;
      var ticked = form.querySelectorAll('input[data-kind="' + kind + '"]:checked').length;
      var shown = counts.querySelector('[data-count="' + kind + '"]');
      if (shown) { shown.textContent = String(elsewhere + ticked); }
    });
  }

  form.addEventListener("change", update);
  update();
}());
