// Builds dist/worksheet.html: one self-contained page with the minified script and style inline,
// a Content-Security-Policy allowing exactly those two (by hash) and nothing else, and the two
// markers Tandem replaces. Deterministic: the same sources give the same bytes.
//
//   node build.mjs          write dist/worksheet.html
//   node build.mjs --check  fail if dist/worksheet.html is not what the sources build to
import { build, transform } from "esbuild";
import { createHash } from "node:crypto";
import { readFile, writeFile, mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
export const OUT = here("dist/worksheet.html");
export const MARKERS = ["__TANDEM_WORKSHEET__", "__TANDEM_FILE__"];

// The page opens passphrase (scrypt) files only. age-encryption also links the curves for key
// recipients (X25519, P-256, ML-KEM), used only inside functions for those recipients; leaving
// them out keeps the page small. Should anything reach them, the stub throws.
const passphraseOnly = {
  name: "passphrase-only",
  setup(b) {
    b.onResolve({ filter: /^@noble\/(post-quantum\/hybrid|curves\/(nist|ed25519))\.js$/ }, () => ({
      path: here("src/no-key-recipients.js"),
    }));
  },
};

const sha256 = (text) => `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;

export async function buildPage() {
  const js = await build({
    entryPoints: [here("src/main.ts")],
    bundle: true,
    minify: true,
    format: "iife",
    target: "es2020",
    platform: "browser",
    legalComments: "none",
    charset: "utf8",
    write: false,
    plugins: [passphraseOnly],
    logLevel: "warning",
  });
  const script = js.outputFiles[0].text.trim();
  const css = await transform(await readFile(here("src/style.css"), "utf8"), { loader: "css", minify: true });
  const style = css.code.trim();

  for (const [what, text, end] of [["script", script, "</script"], ["style", style, "</style"]]) {
    if (text.toLowerCase().includes(end)) throw new Error(`the ${what} contains ${end}`);
    for (const m of MARKERS) if (text.includes(m)) throw new Error(`the ${what} contains the marker ${m}`);
  }

  const csp = [
    "default-src 'none'",
    `script-src ${sha256(script)}`,
    `style-src ${sha256(style)}`,
    "img-src data:",
    "form-action 'none'",
    "base-uri 'none'",
  ].join("; ");

  const template = await readFile(here("src/page.html"), "utf8");
  const slots = { CSP: csp, STYLE: style, SCRIPT: script };
  const html = template.replace(/\{\{(CSP|STYLE|SCRIPT)\}\}/g, (_, k) => slots[k]);
  for (const m of MARKERS) {
    if (html.split(m).length !== 2) throw new Error(`the page must hold ${m} exactly once`);
  }
  return html;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const html = await buildPage();
  if (process.argv.includes("--check")) {
    const existing = await readFile(OUT, "utf8").catch(() => "");
    if (existing !== html) {
      console.error("dist/worksheet.html is not up to date: run npm run build and commit it");
      process.exit(1);
    }
    console.log("dist/worksheet.html is up to date");
  } else {
    await mkdir(here("dist"), { recursive: true });
    await writeFile(OUT, html);
    console.log(`dist/worksheet.html: ${Buffer.byteLength(html)} bytes`);
  }
}
