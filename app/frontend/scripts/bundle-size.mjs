// Prints the gzipped size of every JavaScript file in dist/assets and fails when
// the total is over the budget the issue sets (150 KB gzipped), so a build that
// grows past it is caught by `npm run build` itself.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const BUDGET_BYTES = 150 * 1000;
const assetsDir = new URL("../dist/assets/", import.meta.url);

let files;
try {
  files = readdirSync(assetsDir).filter((name) => name.endsWith(".js"));
} catch {
  console.error("bundle-size: dist/assets not found; run `npm run build` first.");
  process.exit(1);
}
if (files.length === 0) {
  console.error("bundle-size: no JavaScript files in dist/assets.");
  process.exit(1);
}

let totalRaw = 0;
let totalGzip = 0;
for (const name of files.sort()) {
  const content = readFileSync(join(assetsDir.pathname, name));
  // Level 6 is what `gzip -c` and most servers use.
  const gzipped = gzipSync(content, { level: 6 }).length;
  totalRaw += content.length;
  totalGzip += gzipped;
  console.log(`bundle-size: ${name}: ${(content.length / 1000).toFixed(1)} KB raw, ${(gzipped / 1000).toFixed(1)} KB gzipped`);
}
console.log(
  `bundle-size: total JS ${(totalGzip / 1000).toFixed(1)} KB gzipped (budget ${BUDGET_BYTES / 1000} KB), ${(totalRaw / 1000).toFixed(1)} KB raw`,
);
if (totalGzip > BUDGET_BYTES) {
  console.error("bundle-size: over budget");
  process.exit(1);
}
