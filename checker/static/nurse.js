// The nurse console's progressive enhancement: live assessment, copy and print buttons.
// Everything here is optional: without it the "Update" button and plain forms do the same.
(function () {
  "use strict";

  var STATUS_TEXT = { answered: "Answered", needed: "Still to ask", optional: "Optional" };

  function setupCopy() {
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      var id = button.getAttribute("data-copy");
      var source = document.getElementById(id);
      var status = document.querySelector('[data-copy-status="' + id + '"]');
      if (!source) { return; }
      button.hidden = false;
      button.addEventListener("click", function () {
        source.focus();
        source.select();
        var done = function () { if (status) { status.textContent = "The note is copied."; } };
        var failed = function () {
          if (status) { status.textContent = "Copying failed: the note is selected, press Ctrl+C."; }
        };
        if (navigator.clipboard && navigator.clipboard.writeText) {
          navigator.clipboard.writeText(source.value).then(done, function () {
            (document.execCommand && document.execCommand("copy")) ? done() : failed();
          });
        } else if (document.execCommand && document.execCommand("copy")) {
          done();
        } else {
          failed();
        }
      });
    });
  }

  function setupPrint() {
    document.querySelectorAll(".print-button").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  }

  function setupLive() {
    var form = document.querySelector("form.console[data-assess]");
    if (!form || !window.fetch || !window.FormData) { return; }
    var url = form.getAttribute("data-assess");
    var timer = null;
    var pending = 0;

    function apply(data) {
      var panel = document.getElementById("assessment");
      if (panel && data.panel) { panel.innerHTML = data.panel; }
      var advice = document.getElementById("advice");
      if (advice && data.advice) {
        var ticked = {};
        advice.querySelectorAll("input:checked").forEach(function (box) { ticked[box.value] = true; });
        advice.innerHTML = data.advice;
        advice.querySelectorAll("input[type=checkbox]").forEach(function (box) {
          box.checked = !!ticked[box.value];
        });
      }
      Object.keys(data.status || {}).forEach(function (id) {
        var badge = form.querySelector('[data-status-for="' + id + '"]');
        if (badge) {
          badge.textContent = STATUS_TEXT[data.status[id]] || data.status[id];
          badge.className = "status status-" + data.status[id];
        }
      });
    }

    function send() {
      var ticket = ++pending;
      var body = new FormData(form);
      body.delete("action");
      fetch(url, { method: "POST", body: body, credentials: "same-origin",
                   headers: { "Accept": "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) { if (data && ticket === pending) { apply(data); } })
        .catch(function () { /* the Update button still works */ });
    }

    function later() {
      window.clearTimeout(timer);
      timer = window.setTimeout(send, 300);
    }

    form.addEventListener("change", function (event) {
      if (event.target.closest("#advice")) { return; }
      send();
    });
    form.addEventListener("input", function (event) {
      if (event.target.matches("input[type=text], input[type=date]")) { later(); }
    });
  }

  function start() {
    setupCopy();
    setupPrint();
    setupLive();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
