// Follow-up pages. Each part below runs only on the page that has its elements.

// The patient's code page: the sheet's link carries the code after "#", which the browser never
// sends to the server (so no log can hold it). It fills the code box, then leaves the address
// and the browser's history. Without script the patient types the code from the sheet.
(function () {
  "use strict";
  var box = document.getElementById("code");
  var fragment = window.location.hash;
  if (!box || !fragment || fragment.length < 2) { return; }
  var code = "";
  try { code = decodeURIComponent(fragment.slice(1)); } catch (error) { code = ""; }
  code = code.replace(/[^0-9A-Za-z -]/g, "").slice(0, 20).toUpperCase();
  if (code && !box.value) { box.value = code; }
  if (window.history && window.history.replaceState) {
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
  }
}());

// The follow-up worklist refreshes the rows of the page shown every few seconds, so a new
// urgent check-in shows without reloading; without script the "Refresh the list" link does the
// same. Each ask carries the mark the rows were read at: when nothing they show can have
// changed the server answers 204 with no rows, and the rows stay.
(function () {
  "use strict";
  var status = document.getElementById("worklist-updated");
  var rows = document.getElementById("worklist-rows");
  if (!status || !rows || !window.fetch) { return; }
  var every = 1000 * (parseInt(status.getAttribute("data-refresh"), 10) || 30);
  var address = status.getAttribute("data-rows");

  function refresh() {
    var mark = rows.getAttribute("data-mark") || "";
    var asked = address + (address.indexOf("?") < 0 ? "?" : "&") + "since=" +
      encodeURIComponent(mark);
    fetch(asked, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (!response.ok || response.redirected) { throw new Error("not refreshed"); }
        return response.status === 204 ? null : response.text();
      })
      .then(function (html) {
        if (html === null) { return; }  // nothing changed: the rows shown stay
        var holder = document.createElement("table");
        holder.innerHTML = html;
        var fresh = holder.querySelector("tbody");
        if (!fresh) { throw new Error("not refreshed"); }
        rows.replaceWith(fresh);
        rows = fresh;
        // The rows say how the status line reads with them (the time, and any alert overdue).
        status.textContent = fresh.getAttribute("data-status") ||
          ("Updated " + fresh.getAttribute("data-updated") + ".");
      })
      .catch(function () {
        status.textContent = "Could not refresh the list: use Refresh the list.";
      });
  }

  window.setInterval(refresh, every);
}());
