// Does what Tandem does when it writes NAME.html: seals a worksheet's JSON with the passphrase
// (age, scrypt work factor 16), base64s it, and puts it and the file name stem into the built page.
//
//   node test/make-fixture.mjs WORKSHEET.json PASSPHRASE OUT.html [STEM]
import { Encrypter } from "age-encryption";
import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

const DIST = fileURLToPath(new URL("../dist/worksheet.html", import.meta.url));

export async function seal(json, passphrase) {
  const e = new Encrypter();
  e.setPassphrase(passphrase);
  e.setScryptWorkFactor(16);
  return await e.encrypt(json);
}

/** The page with this worksheet inside it (as a string). */
export async function makeFixture(json, passphrase, stem = "worksheet") {
  const sealed = await seal(json, passphrase);
  const page = await readFile(DIST, "utf8");
  const escaped = stem.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
  return page
    .replace("__TANDEM_WORKSHEET__", () => Buffer.from(sealed).toString("base64"))
    .replace("__TANDEM_FILE__", () => escaped);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [input, passphrase, out, stem] = process.argv.slice(2);
  if (!input || !passphrase || !out) {
    console.error("usage: node test/make-fixture.mjs WORKSHEET.json PASSPHRASE OUT.html [STEM]");
    process.exit(2);
  }
  await writeFile(out, await makeFixture(await readFile(input, "utf8"), passphrase, stem));
  console.log(`wrote ${out}`);
}
