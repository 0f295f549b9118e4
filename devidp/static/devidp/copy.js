// The enrolment page's "Copy key" button: a phone cannot scan a QR code on its own screen,
// and typing 32 characters is where mistakes happen. A file, not inline script, so the
// strict Content-Security-Policy stays as it is. Without script the key is still shown.
"use strict";
document.querySelectorAll("button[data-copy]").forEach((button) => {
  if (!navigator.clipboard) return; // no clipboard (e.g. plain http off loopback): no button
  const status = document.getElementById(button.dataset.copyStatus);
  button.hidden = false;
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(button.dataset.copy);
      status.textContent = "Key copied.";
    } catch {
      status.textContent = "Could not copy: select the key and copy it yourself.";
    }
  });
});
