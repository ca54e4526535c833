// MQTT client: a new protocol brings the manual's default port for it, unless the installer
// typed a port of their own (one that is not the previous protocol's default).
document.addEventListener("DOMContentLoaded", () => {
  const protocol = document.getElementById("client-transport");
  const port = document.getElementById("client-port");
  const defaults = document.getElementById("mqtt-default-ports");
  if (!protocol || !port || !defaults) return;
  const ports = JSON.parse(defaults.textContent);
  let previous = protocol.value;
  protocol.addEventListener("change", () => {
    const typed = port.value.trim();
    if (typed === "" || typed === String(ports[previous])) port.value = String(ports[protocol.value]);
    previous = protocol.value;
  });
});
