// The Print button works only with script, so it is shown only when script runs; without
// it, the page says to use the browser's own Print.
document.querySelectorAll(".print-button").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});
// On paper every piece of advice is printed: folded advice opens for printing and closes
// again after, as the patient left it.
var openedForPrint = [];
window.addEventListener("beforeprint", function () {
  document.querySelectorAll("details:not([open])").forEach(function (details) {
    details.open = true;
    openedForPrint.push(details);
  });
});
window.addEventListener("afterprint", function () {
  openedForPrint.forEach(function (details) { details.open = false; });
  openedForPrint = [];
});
