// Fails the build when the gzipped total of dist/**/*.js exceeds the budget.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";

const BUDGET_KB = Number(process.env.SPA_JS_BUDGET_KB ?? 350);
const dist = fileURLToPath(new URL("../dist", import.meta.url));

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

const files = walk(dist).filter((p) => p.endsWith(".js"));
let raw = 0;
let gz = 0;
for (const f of files) {
  const buf = readFileSync(f);
  const g = gzipSync(buf, { level: 9 }).length;
  raw += buf.length;
  gz += g;
  console.log(
    `  ${relative(dist, f).padEnd(40)} ${(buf.length / 1024).toFixed(1).padStart(8)} KB  gzip ${(g / 1024).toFixed(1).padStart(7)} KB`,
  );
}
const kb = gz / 1024;
console.log(
  `size-check: ${files.length} JS file(s), ${(raw / 1024).toFixed(1)} KB raw, ${kb.toFixed(1)} KB gzipped (budget ${BUDGET_KB} KB)`,
);
if (files.length === 0) {
  console.error("size-check: no JS found in dist/");
  process.exit(1);
}
if (kb > BUDGET_KB) {
  console.error(`size-check: FAIL — gzipped JS ${kb.toFixed(1)} KB exceeds ${BUDGET_KB} KB`);
  process.exit(1);
}
console.log("size-check: OK");
