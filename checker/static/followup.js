// The follow-up worklist refreshes its rows every few seconds, so a new urgent check-in
// shows without reloading; without script the "Refresh the list" link does the same.
(function () {
  "use strict";
  var status = document.getElementById("worklist-updated");
  var rows = document.getElementById("worklist-rows");
  if (!status || !rows || !window.fetch) { return; }
  var every = 1000 * (parseInt(status.getAttribute("data-refresh"), 10) || 30);
  var address = status.getAttribute("data-rows");

  function refresh() {
    fetch(address, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (!response.ok || response.redirected) { throw new Error("not refreshed"); }
        return response.text();
      })
      .then(function (html) {
        var holder = document.createElement("table");
        holder.innerHTML = html;
        var fresh = holder.querySelector("tbody");
        if (!fresh) { throw new Error("not refreshed"); }
        rows.replaceWith(fresh);
        rows = fresh;
        status.textContent = "Updated " + fresh.getAttribute("data-updated") + ".";
      })
      .catch(function () {
        status.textContent = "Could not refresh the list: use Refresh the list.";
      });
  }

  window.setInterval(refresh, every);
}());
