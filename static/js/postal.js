// Postal code → address, without leaving the page. Without JavaScript the "find the address"
// button submits the form and the server fills the address instead.
(function () {
  "use strict";
  var input = document.querySelector("[data-postal-code]");
  var address = document.querySelector("[data-address]");
  var button = document.querySelector("[data-postal-lookup]");
  var status = document.getElementById("postal-status");
  if (!input || !address || !button) return;

  function normalise(value) {
    return value.replace(/[０-９]/g, function (c) {
      return String.fromCharCode(c.charCodeAt(0) - 0xfee0);
    }).replace(/[^0-9]/g, "");
  }

  function lookup(event) {
    var code = normalise(input.value);
    if (event) event.preventDefault();
    if (code.length !== 7) {
      if (event) status.textContent = input.dataset.invalidMessage || "";
      return;
    }
    fetch("/postal-codes/" + code, { headers: { Accept: "application/json" } })
      .then(function (response) { return response.json().then(function (body) { return [response.ok, body]; }); })
      .then(function (result) {
        var ok = result[0], body = result[1];
        if (!ok) { status.textContent = body.error || ""; return; }
        input.value = code.slice(0, 3) + "-" + code.slice(3);
        if (address.value.indexOf(body.address) !== 0) address.value = body.address;
        status.textContent = body.address;
        address.focus();
      })
      .catch(function () { /* the button still works as a form submit */ });
  }

  button.addEventListener("click", lookup);
  input.addEventListener("change", function () { lookup(null); });
})();
