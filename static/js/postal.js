// Postal code → address, without leaving the page. Without JavaScript (or when the lookup
// cannot be reached) the "find the address" button submits the form and the server fills
// the address instead.
(function () {
  "use strict";
  var input = document.querySelector("[data-postal-code]");
  var address = document.querySelector("[data-address]");
  var button = document.querySelector("[data-postal-lookup]");
  var status = document.getElementById("postal-status");
  if (!input || !address || !button || !status) return;

  function normalise(value) {
    return value.replace(/[０-９]/g, function (c) {
      return String.fromCharCode(c.charCodeAt(0) - 0xfee0);
    }).replace(/[^0-9]/g, "");
  }

  function say(text, isError) {
    status.textContent = text;
    status.classList.toggle("field-error", !!isError);
  }

  function lookup(event) {
    var code = normalise(input.value);
    if (code.length !== 7) {
      if (event) { event.preventDefault(); say(status.dataset.invalid, true); }
      return;
    }
    if (event) event.preventDefault();
    fetch("/postal-codes/" + code, { headers: { Accept: "application/json" } })
      .then(function (response) { return response.json().then(function (body) { return [response.ok, body]; }); })
      .then(function (result) {
        var ok = result[0], body = result[1];
        if (!ok) { say(body.error || status.dataset.invalid, true); return; }
        input.value = code.slice(0, 3) + "-" + code.slice(3);
        if (address.value.indexOf(body.address) !== 0) address.value = body.address;
        if (body.in_prefecture) {
          say(status.dataset.filled + body.address, false);
        } else {
          say(status.dataset.outside, true);
        }
        address.focus();
      })
      .catch(function () {
        // The lookup could not be reached: let the server do it.
        if (event && button.form.requestSubmit) button.form.requestSubmit(button);
      });
  }

  button.addEventListener("click", lookup);
  input.addEventListener("change", function () { lookup(null); });
})();
