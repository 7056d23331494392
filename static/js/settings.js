// Settings page: forms that change many numbers at once (a merge) ask first.
(() => {
  document.addEventListener("submit", (event) => {
    const button = event.submitter;
    const message = button?.dataset.confirm || event.target.dataset.confirm;
    if (message && !window.confirm(message)) event.preventDefault();
  });
})();
