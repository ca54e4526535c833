// Parse an AsyncAPI document with the official parser and print its diagnostics as JSON lines:
// {"severity": "error" | "warning" | "information" | "hint", "code", "message", "path"}.
// Exits 1 when any is an error (or the document could not be parsed at all), else 0.
import { Parser, fromFile } from "@asyncapi/parser";

const SEVERITIES = ["error", "warning", "information", "hint"];
const [file] = process.argv.slice(2);
if (!file) {
  console.error("usage: node check.mjs <asyncapi.yaml>");
  process.exit(2);
}
const { document, diagnostics } = await fromFile(new Parser(), file).parse();
let errors = 0;
for (const { severity, code, message, path } of diagnostics) {
  const level = SEVERITIES[severity] ?? String(severity);
  if (level === "error") errors += 1;
  console.log(JSON.stringify({ severity: level, code, message, path: path.join("/") }));
}
process.exit(errors > 0 || document === undefined ? 1 : 0);
