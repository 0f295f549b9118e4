// The push page moves on by itself: it asks the IdP every two seconds whether the phone
// answered, and then submits the page's own "continue" form, as a person without
// JavaScript does by pressing its button. The server decides everything.
"use strict";

(function () {
  const form = document.querySelector("[data-push-continue]");
  if (!form) {
    return;
  }
  const status = document.querySelector("[data-push-status]");
  const words = {
    approved: "Approved on your phone. Continuing…",
    declined: "You declined on your phone.",
    mismatched: "The number picked on your phone did not match.",
    expired: "The request has expired.",
  };

  async function check() {
    try {
      const response = await fetch(form.dataset.statusUrl, { cache: "no-store", credentials: "same-origin" });
      const { state } = await response.json();
      if (state !== "pending") {
        status.textContent = words[state] || "";
        form.submit();
        return;
      }
    } catch (exc) {
      // A failed poll is not an answer: try again.
    }
    setTimeout(check, 2000);
  }

  setTimeout(check, 2000);
})();
