// Passkeys at the demo identity provider: a served file, so the Content-Security-Policy
// keeps `script-src 'self'` (no inline script).
//
// A form marked `data-passkey="get"` (verify) or `"create"` (add a passkey) submits in two
// steps: first this script fetches fresh WebAuthn options from `data-options-url` and asks
// the browser (`navigator.credentials`), then it puts the answer in the form's hidden
// `credential` field and submits the form for real. The server checks everything; this
// script only carries bytes between the browser's API and the form.
"use strict";

(function () {
  function bytesFromBase64url(value) {
    const base64 = value.replace(/-/g, "+").replace(/_/g, "/");
    const binary = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
    return Uint8Array.from(binary, (c) => c.charCodeAt(0)).buffer;
  }

  function base64urlFromBytes(buffer) {
    const binary = String.fromCharCode(...new Uint8Array(buffer));
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  // Browsers without WebAuthn's JSON helpers (Level 3) get the same conversion by hand.
  function creationOptions(json) {
    if (PublicKeyCredential.parseCreationOptionsFromJSON) {
      return PublicKeyCredential.parseCreationOptionsFromJSON(json);
    }
    return Object.assign({}, json, {
      challenge: bytesFromBase64url(json.challenge),
      user: Object.assign({}, json.user, { id: bytesFromBase64url(json.user.id) }),
      excludeCredentials: (json.excludeCredentials || []).map((c) =>
        Object.assign({}, c, { id: bytesFromBase64url(c.id) })),
    });
  }

  function requestOptions(json) {
    if (PublicKeyCredential.parseRequestOptionsFromJSON) {
      return PublicKeyCredential.parseRequestOptionsFromJSON(json);
    }
    return Object.assign({}, json, {
      challenge: bytesFromBase64url(json.challenge),
      allowCredentials: (json.allowCredentials || []).map((c) =>
        Object.assign({}, c, { id: bytesFromBase64url(c.id) })),
    });
  }

  function answerJSON(credential) {
    if (typeof credential.toJSON === "function") {
      return credential.toJSON();
    }
    const response = credential.response;
    const encoded = { clientDataJSON: base64urlFromBytes(response.clientDataJSON) };
    if (response.attestationObject) {
      encoded.attestationObject = base64urlFromBytes(response.attestationObject);
      encoded.transports = response.getTransports ? response.getTransports() : [];
    } else {
      encoded.authenticatorData = base64urlFromBytes(response.authenticatorData);
      encoded.signature = base64urlFromBytes(response.signature);
      if (response.userHandle) {
        encoded.userHandle = base64urlFromBytes(response.userHandle);
      }
    }
    return {
      id: credential.id,
      rawId: base64urlFromBytes(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: encoded,
    };
  }

  function explain(error) {
    if (error && error.name === "NotAllowedError") {
      return "The passkey prompt was closed or timed out. Try again when you are ready.";
    }
    if (error && error.name === "InvalidStateError") {
      return "That device already holds a passkey for this account. Use another device.";
    }
    if (error && error.name === "SecurityError") {
      return "This browser refused passkeys on this address (they need https or localhost).";
    }
    return (error && error.message) || "Something went wrong with the passkey. Try again.";
  }

  async function ceremony(form) {
    const creating = form.dataset.passkey === "create";
    const body = new FormData();
    body.append("purpose", creating ? "register" : "authenticate");
    body.append("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
    const reply = await fetch(form.dataset.optionsUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
    });
    const data = await reply.json();
    if (!reply.ok) {
      throw new Error(data.error || "The identity provider refused to start. Reload the page.");
    }
    const credential = creating
      ? await navigator.credentials.create({ publicKey: creationOptions(data.publicKey) })
      : await navigator.credentials.get({ publicKey: requestOptions(data.publicKey) });
    form.elements.credential.value = JSON.stringify(answerJSON(credential));
    if (form.elements.attachment) {
      form.elements.attachment.value = credential.authenticatorAttachment || "";
    }
    form.submit();
  }

  function start(event) {
    const form = event.currentTarget;
    if (form.elements.credential.value) {
      return; // the answer is in: a normal submission
    }
    event.preventDefault();
    if (!form.reportValidity()) {
      return;
    }
    const message = form.querySelector("[data-passkey-error]");
    const button = form.querySelector("button[type=submit]");
    message.hidden = true;
    if (!window.PublicKeyCredential || !navigator.credentials) {
      message.textContent = "This browser cannot use passkeys here: they need a recent " +
        "browser on https or localhost.";
      message.hidden = false;
      return;
    }
    button.disabled = true;
    ceremony(form).catch((error) => {
      message.textContent = explain(error);
      message.hidden = false;
      button.disabled = false;
      button.focus();
    });
  }

  for (const form of document.querySelectorAll("form[data-passkey]")) {
    form.addEventListener("submit", start);
  }
})();
