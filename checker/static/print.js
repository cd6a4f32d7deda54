// The Print button works only with script, so it is shown only when script runs; without
// it, the page says to use the browser's own Print.
document.querySelectorAll(".print-button").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});
