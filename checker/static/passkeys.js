// Passkeys (WebAuthn): adding one on the account page, and signing in with one after the
// password. A form marked data-passkey asks the server for the ceremony's options (with a
// fresh challenge), hands them to the browser (navigator.credentials), puts the browser's
// answer into the form's "credential" field as JSON and sends the form. Without script, or in
// a browser without passkeys, these forms stay hidden and the codes do the same job.
(function () {
  "use strict";
  var boxes = document.querySelectorAll("[data-passkey-box]");
  if (!boxes.length || !window.PublicKeyCredential || !window.fetch || !navigator.credentials) {
    return;
  }

  // base64url (no padding) to bytes and back, as the server's JSON writes binary values.
  function toBytes(text) {
    var plain = text.replace(/-/g, "+").replace(/_/g, "/");
    var binary = window.atob(plain + "===".slice((plain.length + 3) % 4));
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i += 1) { bytes[i] = binary.charCodeAt(i); }
    return bytes;
  }

  function toText(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i += 1) { binary += String.fromCharCode(bytes[i]); }
    return window.btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function withIds(list) {
    return (list || []).map(function (item) {
      return { type: item.type, id: toBytes(item.id), transports: item.transports };
    });
  }

  // The browser's calls, each with its options' binary values turned into bytes.
  var ceremonies = {
    add: function (options) {
      options.challenge = toBytes(options.challenge);
      options.user.id = toBytes(options.user.id);
      options.excludeCredentials = withIds(options.excludeCredentials);
      return navigator.credentials.create({ publicKey: options });
    },
    "sign-in": function (options) {
      options.challenge = toBytes(options.challenge);
      options.allowCredentials = withIds(options.allowCredentials);
      return navigator.credentials.get({ publicKey: options });
    }
  };

  // The browser's answer as the JSON py_webauthn reads.
  function answer(credential) {
    var r = credential.response;
    var response = { clientDataJSON: toText(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = toText(r.attestationObject);
      response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      response.authenticatorData = toText(r.authenticatorData);
      response.signature = toText(r.signature);
      response.userHandle = r.userHandle ? toText(r.userHandle) : null;
    }
    return JSON.stringify({
      id: credential.id, rawId: toText(credential.rawId), type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || null,
      clientExtensionResults: credential.getClientExtensionResults(), response: response
    });
  }

  function start(form, status) {
    var kind = form.getAttribute("data-passkey");
    var name = form.elements.name;
    if (name && !name.value.trim()) {
      status.textContent = "Give the passkey a name first.";
      name.focus();
      return;
    }
    status.textContent = "Follow your browser's steps to use your passkey.";
    var token = form.elements.csrf_token ? form.elements.csrf_token.value : "";
    fetch(form.getAttribute("data-options"), {
      method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": token }
    }).then(function (response) {
      if (!response.ok) { throw new Error("the server gave no options"); }
      return response.json();
    }).then(function (options) {
      return ceremonies[kind](options);
    }).then(function (credential) {
      form.elements.credential.value = answer(credential);
      form.submit();
    }).catch(function () {
      status.textContent = "No passkey was used: it was cancelled, timed out or is not " +
        "known here. Try again" + (kind === "sign-in" ? ", or enter a code below." : ".");
    });
  }

  Array.prototype.forEach.call(boxes, function (box) {
    box.hidden = false;
    var form = box.querySelector("form[data-passkey]");
    var status = box.querySelector("[data-passkey-status]");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      start(form, status);
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-passkey-unsupported]"),
    function (note) { note.hidden = true; });
}());
