// MQTT client: a new protocol brings the manual's default port for it, unless the installer
// typed a port of their own (one that is not the previous protocol's default). The page loads
// this before its forms and it listens on the document, so a protocol chosen the moment the
// page shows is followed too.
document.addEventListener("change", (event) => {
  const protocol = event.target;
  if (!(protocol instanceof HTMLSelectElement) || protocol.id !== "client-transport") return;
  const port = document.getElementById("client-port");
  const defaults = document.getElementById("mqtt-default-ports");
  if (!port || !defaults) return;
  const ports = JSON.parse(defaults.textContent);
  const shown = [...protocol.options].find((option) => option.defaultSelected) || protocol.options[0];
  const previous = protocol.dataset.previous || shown.value;
  const typed = port.value.trim();
  if (typed === "" || typed === String(ports[previous])) port.value = String(ports[protocol.value]);
  protocol.dataset.previous = protocol.value;
});
