// Add app: the image archive goes up in pieces (one request takes at most 256 KiB), then the
// package that names the upload is installed; the page shows the owner's sentence if refused.
// The page loads this before the form and it listens on the document, so an Install pressed the
// moment the page shows is handled too.
(() => {
  const piece = 256 * 1024;

  async function send(url, options) {
    const answer = await fetch(url, { credentials: "same-origin", ...options });
    if (!answer.ok) {
      const body = await answer.json().catch(() => ({}));
      throw new Error(body.detail || `${answer.status} ${answer.statusText}`);
    }
    return answer.json();
  }

  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || form.id !== "add-app") return;
    event.preventDefault();
    const progress = document.getElementById("add-app-progress");
    const headers = { "X-CSRF-Token": form.dataset.csrf };
    const image = document.getElementById("add-app-image").files[0];
    const packageFile = document.getElementById("add-app-package").files[0];
    const uploadId = `web-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
    try {
      const signed = JSON.parse(await packageFile.text());
      for (let offset = 0; offset < image.size; offset += piece) {
        progress.textContent = `Uploading ${Math.floor((100 * offset) / image.size)} %`;
        await send(`/api/v1/apps/upload?upload_id=${uploadId}&offset=${offset}`, {
          method: "PUT",
          headers: { ...headers, "Content-Type": "application/octet-stream" },
          body: image.slice(offset, offset + piece),
        });
      }
      progress.textContent = "Installing";
      const body = { manifest: signed.manifest, signature: signed.signature, upload_id: uploadId };
      const installed = await send("/api/v1/apps", {
        method: "POST",
        headers: { ...headers, "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      window.location.assign(`/apps?installed=${installed.app.name}`);
    } catch (error) {
      progress.textContent = `Not installed: ${error.message}`;
    }
  });
})();
