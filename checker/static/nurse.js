// The nurse console's progressive enhancement: live assessment, answer keys, copy and print.
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
      var now = document.getElementById("disposition-now");
      if (now && data.disposition) { now.innerHTML = data.disposition; }
      // The close menu's first option says what the panel says, always.
      var same = form.querySelector('#final_disposition option[value=""]');
      if (same && data.same_as_protocol) { same.textContent = data.same_as_protocol; }
      var advice = document.getElementById("advice");
      if (advice && data.advice) {
        var ticked = {};
        advice.querySelectorAll("input:checked").forEach(function (box) { ticked[box.value] = true; });
        // A nurse ticking advice keeps the focus where it was when the list is redrawn.
        var focused = advice.contains(document.activeElement) ? document.activeElement.value : null;
        advice.innerHTML = data.advice;
        advice.querySelectorAll("input[type=checkbox]").forEach(function (box) {
          box.checked = !!ticked[box.value];
          if (box.value === focused) { box.focus(); }
        });
      }
      if (data.not_asked) { form.setAttribute("data-not-asked", data.not_asked.join(" ")); }
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

    // Neither the advice ticked nor the call's plan changes the assessment.
    form.addEventListener("change", function (event) {
      if (event.target.closest("#advice, #plan")) { return; }
      send();
    });
    form.addEventListener("input", function (event) {
      if (event.target.matches("input[type=text]") && !event.target.closest("#plan")) { later(); }
    });
  }

  // One key per answer. A key that picks exactly one answer moves on to the next open
  // question; a letter shared by several choices steps through them and Enter moves on.
  // A question whose condition the answers so far rule out is not asked: the server says which.
  function isOpen(question) {
    var form = question.closest("form");
    var notAsked = ((form && form.getAttribute("data-not-asked")) || "").split(" ");
    if (notAsked.indexOf(question.getAttribute("data-question")) !== -1) { return false; }
    var checked = question.querySelector("input[type=radio]:checked");
    if (question.querySelector("input[type=radio]") && !question.querySelector(".temperature")) {
      return !checked || checked.value === "";
    }
    var text = question.querySelector("input[type=text]");
    var notMeasured = question.querySelector("input[type=checkbox]");
    return !(text && text.value.trim()) && !(notMeasured && notMeasured.checked);
  }

  function focusQuestion(question) {
    var target = question.querySelector("input[type=text]") ||
      question.querySelector("input[type=radio]:checked") ||
      question.querySelector("input[type=radio]");
    if (target) { target.focus(); }
  }

  function focusClose() {
    var menu = document.getElementById("final_disposition");
    if (menu) { menu.focus(); }
  }

  function moveOn(form, current) {
    var questions = Array.prototype.slice.call(form.querySelectorAll("[data-question]"));
    var after = questions.slice(questions.indexOf(current) + 1);
    var next = after.filter(isOpen)[0];
    if (next) { focusQuestion(next); } else { focusClose(); }
  }

  function pick(radio) {
    radio.checked = true;
    radio.focus();
    radio.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function answerKey(form, question, event) {
    var key = event.key.toLowerCase();
    if (event.target.closest(".temperature")) {
      var unit = { c: "C", f: "F" }[key];
      var radio = unit && question.querySelector('input[type=radio][value="' + unit + '"]');
      if (radio) {
        event.preventDefault();
        radio.checked = true;
        radio.dispatchEvent(new Event("change", { bubbles: true }));
      }
      return;
    }
    if (letterPick(question, event)) { moveOn(form, question); }
  }

  // The first letter of a choice picks it: true when that was the only choice with the letter
  // (the caller then moves on); a letter shared by several steps through them and stays.
  function letterPick(group, event) {
    var key = event.key.toLowerCase();
    if (event.target.type !== "radio" || key.length !== 1) { return false; }
    var matches = Array.prototype.filter.call(
      group.querySelectorAll("input[type=radio]"), function (radio) {
        var label = group.querySelector('label[for="' + radio.id + '"]');
        return radio.value !== "" && label &&
          label.textContent.trim().toLowerCase().charAt(0) === key;
      });
    if (!matches.length) { return false; }
    event.preventDefault();
    if (matches.length === 1) {
      pick(matches[0]);
      return true;
    }
    var now = matches.indexOf(group.querySelector("input[type=radio]:checked"));
    pick(matches[(now + 1) % matches.length]);
    return false;
  }

  // The call's plan: a letter picks a choice and Enter moves on, as in a question, to the next
  // plan field still to answer (an optional or hidden one is passed over), then to Save.
  function moveOnInPlan(form, current) {
    var fields = Array.prototype.slice.call(form.querySelectorAll(".plan .field"));
    var next = fields.slice(fields.indexOf(current) + 1).filter(detailOpen)[0];
    var target = next ?
      next.querySelector("input[type=radio]:checked") || next.querySelector("input") :
      form.querySelector('button[value="save"]');
    if (target) { target.focus(); }
  }

  function planKey(form, field, event) {
    if (event.key === "Enter") {
      event.preventDefault();
      moveOnInPlan(form, field);
    } else if (letterPick(field, event)) {
      moveOnInPlan(form, field);  // the pick's change event has shown what it asks for
    }
  }

  // A field asked only after a given choice (the reason the caller did not agree) shows only
  // then; without the script it always shows.
  function showWhenChosen(form) {
    form.querySelectorAll("[data-shown-when]").forEach(function (part) {
      var when = part.getAttribute("data-shown-when").split("=");
      var chosen = form.querySelector('input[name="' + when[0] + '"]:checked');
      part.hidden = !(chosen && chosen.value === when[1]);
    });
  }

  function setupPlan() {
    var form = document.querySelector("form.console");
    if (!form) { return; }
    showWhenChosen(form);
    form.addEventListener("change", function () { showWhenChosen(form); });
  }

  // The caller's details: Enter moves on to the next detail still empty, then to the first
  // open question (a short code fills the answers, not the details), then to the close.
  // A detail (or a field of the plan) is open when it must be answered and is not yet.
  function detailOpen(field) {
    if (field.closest("[hidden]")) { return false; }
    if (field.querySelector("input[type=radio]")) {
      return !field.querySelector("input[type=radio]:checked");
    }
    var box = field.querySelector("input[type=text], input[type=tel]");
    var label = field.querySelector("label");
    var optional = !!label && label.textContent.indexOf("(optional)") !== -1;
    return !!box && !box.value.trim() && !optional;
  }

  function moveOnFromDetail(form, current) {
    var details = Array.prototype.slice.call(form.querySelectorAll(".caller > .field"));
    var next = details.slice(details.indexOf(current) + 1).filter(detailOpen)[0];
    if (next) {
      var target = next.querySelector("input[type=radio]:checked") || next.querySelector("input");
      if (target) { target.focus(); }
      return;
    }
    var question = Array.prototype.filter.call(form.querySelectorAll("[data-question]"), isOpen)[0];
    if (question) { focusQuestion(question); } else { focusClose(); }
  }

  function setupKeys() {
    var form = document.querySelector("form.console");
    if (!form) { return; }
    document.addEventListener("keydown", function (event) {
      if (event.altKey && !event.ctrlKey && !event.metaKey && event.code === "KeyS") {
        event.preventDefault();
        focusClose();
        return;
      }
      if (event.altKey || event.ctrlKey || event.metaKey) { return; }
      var detail = event.target.closest && event.target.closest(".caller > .field");
      if (detail && form.contains(detail) && event.key === "Enter") {
        event.preventDefault();
        moveOnFromDetail(form, detail);
        return;
      }
      var planned = event.target.closest && event.target.closest(".plan .field");
      if (planned && form.contains(planned)) {
        planKey(form, planned, event);
        return;
      }
      var question = event.target.closest && event.target.closest("[data-question]");
      if (!question || !form.contains(question)) { return; }
      if (event.key === "Enter") {
        event.preventDefault();
        moveOn(form, question);
        return;
      }
      answerKey(form, question, event);
    });
    document.querySelectorAll("[data-jump-close]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        focusClose();
      });
    });
  }

  // After a refused save the reader starts at what went wrong.
  function focusProblem() {
    var problem = document.querySelector(
      "#sign-in-again, #token-problem, .error-summary[tabindex]");
    if (problem) { problem.focus(); }
  }

  function start() {
    setupCopy();
    setupPrint();
    setupLive();
    setupKeys();
    setupPlan();
    focusProblem();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
