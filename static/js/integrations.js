// Integrations page: generic dialog / copy / confirm behaviour that every card uses through
// data attributes, and the Deployments API token flow (generate and regenerate by fetch()
// so the plaintext exists only in that one response and in this page's memory).
(() => {
  // Guard against the script being included twice (each card may ask for it).
  if (window.shiplogIntegrations) return;
  window.shiplogIntegrations = true;

  const COPIED_FOR_MS = 2500;

  async function copyText(text, source) {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return;
    }
    // Plain-HTTP deployments have no Clipboard API: fall back to selecting the field.
    if (source.select) source.select();
    if (!document.execCommand("copy")) throw new Error("copy refused");
  }

  async function copyFrom(button) {
    const source = document.getElementById(button.dataset.copyFrom);
    if (!source) return;
    const text = "value" in source ? source.value : source.textContent;
    const label = button.dataset.label || button.textContent;
    button.dataset.label = label;
    try {
      await copyText(text, source);
      button.textContent = button.dataset.copiedLabel || "Copied";
      button.classList.add("copied");
    } catch {
      button.textContent = "Press Ctrl+C to copy";
      if (source.select) source.select();
    }
    window.clearTimeout(Number(button.dataset.timer));
    button.dataset.timer = String(window.setTimeout(() => {
      button.textContent = label;
      button.classList.remove("copied");
    }, COPIED_FOR_MS));
  }

  function showError(dialog, message) {
    const error = dialog.querySelector("[data-token-error]");
    if (!error) return;
    error.textContent = message;
    error.hidden = false;
  }

  async function submitTokenForm(form) {
    const dialog = form.closest("dialog");
    const buttons = dialog.querySelectorAll("button[type=submit]");
    buttons.forEach((button) => { button.disabled = true; });
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { "X-Requested-With": "fetch" },
        credentials: "same-origin",
        cache: "no-store",
      });
      const isPlainText = (response.headers.get("Content-Type") || "").startsWith("text/plain");
      if (!response.ok) {
        showError(dialog, isPlainText ? await response.text()
          : `The request failed (HTTP ${response.status}). Reload the page and try again.`);
        return;
      }
      const reveal = dialog.querySelector("[data-token-reveal]");
      reveal.innerHTML = await response.text();
      dialog.querySelector("[data-token-step]").hidden = true;
      reveal.hidden = false;
      dialog.dataset.revealed = "true";
      reveal.querySelector("input[readonly]")?.select();
    } catch {
      showError(dialog, "Shiplog could not be reached. Check your connection and try again.");
    } finally {
      buttons.forEach((button) => { button.disabled = false; });
    }
  }

  document.addEventListener("click", (event) => {
    const opener = event.target.closest("[data-open-dialog]");
    if (opener) {
      document.getElementById(opener.dataset.openDialog)?.showModal();
      return;
    }
    const closer = event.target.closest("[data-close-dialog]");
    if (closer) {
      closer.closest("dialog")?.close();
      return;
    }
    const copier = event.target.closest("[data-copy-from]");
    if (copier) copyFrom(copier);
  });

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      return;
    }
    if (form.hasAttribute("data-token-form")) {
      event.preventDefault();
      submitTokenForm(form);
    }
  });

  // Once a token was shown, closing the dialog forgets it and reloads the card's new state.
  document.querySelectorAll("dialog[data-reload-on-close-if-revealed]").forEach((dialog) => {
    dialog.addEventListener("close", () => {
      if (dialog.dataset.revealed !== "true") return;
      dialog.querySelector("[data-token-reveal]").replaceChildren();
      window.location.reload();
    });
  });

  // The token field selects itself on focus, so a manual copy is one keystroke.
  document.addEventListener("focusin", (event) => {
    if (event.target.matches(".token-field input[readonly]")) {
      event.target.select();
    }
  });
})();
