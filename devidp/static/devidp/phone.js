// The demo phone app (the bank's mobile app, in a browser): pairs with a one-time link,
// keeps a non-extractable P-256 key in IndexedDB, waits for requests by long polling, and
// signs each answer (a compact JWS, ES256) with that key. The IdP checks everything; this
// script never sees a secret it could leak, and its key cannot be exported from it.
"use strict";

(function () {
  const body = document.body;
  const urls = {
    pair: body.dataset.pairUrl,
    requests: body.dataset.requestsUrl,
    answer: body.dataset.answerUrl,
    worker: body.dataset.workerUrl,
    scope: body.dataset.scope,
  };
  const holdFor = Number(body.dataset.wait || "0"); // seconds the IdP may hold a poll
  const status = document.getElementById("phone-status");
  const sections = ["phone-pair", "phone-unpaired", "phone-waiting", "phone-request"];
  let shownRequest = null;

  function show(id) {
    for (const name of sections) {
      document.getElementById(name).hidden = name !== id;
    }
  }

  function say(text) {
    status.textContent = text;
  }

  // --- IndexedDB: one record, the paired device and its CryptoKey ----------------------
  function database() {
    return new Promise((resolve, reject) => {
      const open = indexedDB.open("fabrikam-phone", 1);
      open.onupgradeneeded = () => open.result.createObjectStore("device");
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
  }

  async function stored(action, value) {
    const db = await database();
    return new Promise((resolve, reject) => {
      const tx = db.transaction("device", action === "get" ? "readonly" : "readwrite");
      const store = tx.objectStore("device");
      const call = action === "get" ? store.get("current")
        : action === "put" ? store.put(value, "current") : store.delete("current");
      call.onsuccess = () => resolve(call.result);
      call.onerror = () => reject(call.error);
    });
  }

  // --- JWS (RFC 7515 compact, ES256): WebCrypto's ECDSA signature is already r||s -----
  function b64url(bytes) {
    const binary = String.fromCharCode(...new Uint8Array(bytes));
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function b64urlText(text) {
    return b64url(new TextEncoder().encode(text));
  }

  async function sign(device, typ, claims) {
    const header = b64urlText(JSON.stringify({ alg: "ES256", typ: typ }));
    const payload = b64urlText(JSON.stringify(Object.assign({ device: device.device }, claims)));
    const input = new TextEncoder().encode(header + "." + payload);
    const signature = await crypto.subtle.sign(
      { name: "ECDSA", hash: "SHA-256" }, device.privateKey, input);
    return header + "." + payload + "." + b64url(signature);
  }

  function now() {
    return Math.floor(Date.now() / 1000);
  }

  // --- pairing -------------------------------------------------------------------------
  async function pair(code, name) {
    // extractable=false: the private key can sign, but no script can ever read it out.
    const keys = await crypto.subtle.generateKey(
      { name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"]);
    const jwk = await crypto.subtle.exportKey("jwk", keys.publicKey);
    const response = await fetch(urls.pair, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ code: code, name: name, jwk: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y } }),
    });
    const answer = await response.json();
    if (!response.ok) {
      throw new Error(answer.error || "Pairing failed.");
    }
    const device = { device: answer.device, name: answer.name, account: answer.account, privateKey: keys.privateKey };
    await stored("put", device);
    return device;
  }

  function offerPairing(code) {
    show("phone-pair");
    say("Ready to pair.");
    const form = document.getElementById("pair-form");
    const error = document.getElementById("pair-error");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      error.hidden = true;
      try {
        const device = await pair(code, form.elements.name.value);
        say("Paired as " + device.name + ".");
        wait(device);
      } catch (exc) {
        error.textContent = exc.message;
        error.hidden = false;
      }
    });
  }

  // --- requests ------------------------------------------------------------------------
  function time(iso) {
    return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  }

  function render(device, request) {
    const section = document.getElementById("phone-request");
    const pick = (selector) => section.querySelector(selector);
    pick("[data-app]").textContent = request.app;
    pick("[data-what]").textContent = request.payment || "Confirm it's you";
    const asks = pick("[data-asks]");
    asks.replaceChildren(...(request.payment ? [] : request.asks).map((text) => {
      const item = document.createElement("li");
      item.textContent = text.charAt(0).toUpperCase() + text.slice(1);
      return item;
    }));
    pick("[data-binding]").hidden = !request.binding_message;
    pick("[data-binding-code]").textContent = request.binding_message;
    pick("[data-browser]").textContent = request.browser || "An application";
    const when = pick("[data-when]");
    when.dateTime = request.created_at;
    when.textContent = time(request.created_at);
    pick("[data-expires]").textContent = "expires at " + time(request.expires_at);
    const numbers = pick("[data-numbers]");
    const matching = request.choices.length > 0;
    pick("[data-numbers-block]").hidden = !matching;
    pick("[data-approve]").hidden = matching;
    numbers.replaceChildren(...request.choices.map((n) => {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = String(n);
      button.setAttribute("aria-label", "Approve: the browser shows " + n);
      button.addEventListener("click", () => answer(device, request, "approve", n));
      return button;
    }));
    pick("[data-approve]").onclick = () => answer(device, request, "approve", null);
    pick("[data-deny]").onclick = () => answer(device, request, "deny", null);
    document.getElementById("request-error").hidden = true;
    if (shownRequest !== request.request) {
      shownRequest = request.request;
      show("phone-request");
      document.getElementById("request-title").focus();
      say("New request from " + request.app + ".");
    }
  }

  async function answer(device, request, decision, number) {
    const jws = await sign(device, "push-answer+jwt", {
      request: request.request, decision: decision, number: number, iat: now(),
    });
    const response = await fetch(urls.answer, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ answer: jws }),
    });
    const result = await response.json();
    shownRequest = null;
    if (!response.ok) {
      const error = document.getElementById("request-error");
      error.textContent = result.error;
      error.hidden = false;
      say(result.error);
      return;
    }
    show("phone-waiting");
    say(result.state === "approved" ? "Approved. You can go back to your browser." : "Declined. Nothing was approved.");
  }

  async function wait(device) {
    document.querySelectorAll("[data-device-name]").forEach((e) => { e.textContent = device.name; });
    document.querySelectorAll("[data-account]").forEach((e) => { e.textContent = device.account; });
    if (shownRequest === null) {
      show("phone-waiting");
    }
    let pause = 0;
    for (;;) {
      try {
        const assertion = await sign(device, "device-poll+jwt", { iat: now() });
        const response = await fetch(urls.requests + "?wait=" + holdFor, {
          headers: { Authorization: "Device " + assertion },
          cache: "no-store",
        });
        if (response.status === 401) {
          await stored("delete");
          show("phone-unpaired");
          say("This phone is no longer paired with an account.");
          return;
        }
        const result = await response.json();
        const first = result.requests[0];
        if (first) {
          render(device, first);
        } else if (shownRequest !== null) {
          shownRequest = null;
          show("phone-waiting");
          say("The request ended.");
        } else if (pause > 0) {
          say("Waiting for requests.");
        }
        pause = 0;
        if (first || holdFor === 0) {
          // Showing a request (or plain polling): look again in a second.
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
      } catch (exc) {
        // Offline or the server restarted: try again, backing off to 30 seconds.
        pause = Math.min(30, pause ? pause * 2 : 2);
        say("Cannot reach Fabrikam. Trying again in " + pause + " s.");
        await new Promise((resolve) => setTimeout(resolve, pause * 1000));
      }
    }
  }

  async function start() {
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register(urls.worker, { scope: urls.scope }).catch(() => {});
    }
    const code = new URLSearchParams(location.hash.slice(1)).get("pair");
    if (code) {
      history.replaceState(null, "", location.pathname); // the code is spent by pairing
      offerPairing(code);
      return;
    }
    const device = await stored("get");
    if (!device) {
      show("phone-unpaired");
      say("Not paired.");
      return;
    }
    say("Waiting for requests.");
    wait(device);
  }

  start();
})();
