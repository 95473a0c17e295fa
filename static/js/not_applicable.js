/* 「該当なし」 beside a checklist item: the reason field shows once the box is ticked (and stays
   when it holds text or an error). Progressive enhancement: without this script every reason
   field is shown, and the server says which ones it needs. */
(function () {
  "use strict";
  document.querySelectorAll(".not-applicable").forEach(function (choice) {
    var box = choice.querySelector("input[data-not-applicable]");
    var reason = choice.querySelector(".not-applicable-reason");
    if (!box || !reason) { return; }
    var input = reason.querySelector("input");
    function update() {
      var keep = box.checked || (input && input.value) || reason.querySelector(".field-error");
      reason.hidden = !keep;
    }
    box.addEventListener("change", update);
    update();
  });
}());
