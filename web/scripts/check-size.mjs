// Fails if the built page is over the budget (150 KB): Tandem embeds it in every worksheet it writes.
import { statSync } from "node:fs";
import { fileURLToPath } from "node:url";

const LIMIT = 153600;
const file = fileURLToPath(new URL("../dist/worksheet.html", import.meta.url));
const size = statSync(file).size;
const verdict = size <= LIMIT ? "ok" : "TOO BIG";
console.log(`dist/worksheet.html: ${size} bytes (limit ${LIMIT}): ${verdict}`);
if (size > LIMIT) process.exit(1);
