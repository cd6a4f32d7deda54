// A page a form post led to takes an address of its own (checker/public/sealed.py), so reload,
// Back and Forward ask for it again by GET: never "Confirm Form Resubmission".
(function () {
  "use strict";
  var script = document.currentScript;
  var address = script && script.getAttribute("data-address");
  if (address && window.history && typeof window.history.replaceState === "function") {
    window.history.replaceState(window.history.state, "", address);
  }
})();
