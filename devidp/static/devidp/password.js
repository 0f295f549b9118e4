// "Show password" beside each password field: a long passphrase is easier to get right when
// it can be read back. A file, not inline script, so the Content-Security-Policy stays
// strict; without script the field simply stays masked.
"use strict";
document.querySelectorAll("input[type=password]").forEach((input) => {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "idp-reveal";
  button.textContent = "Show password";
  button.setAttribute("aria-pressed", "false");
  button.setAttribute("aria-controls", input.id);
  button.addEventListener("click", () => {
    const shown = input.type === "password";
    input.type = shown ? "text" : "password";
    button.setAttribute("aria-pressed", String(shown));
    input.focus();
  });
  input.insertAdjacentElement("afterend", button);
});
