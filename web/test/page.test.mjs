// The worksheet page in a real browser (Debian's chromium through playwright-core), opened from
// file:// as a couple would: no network, wrong and right passphrase, every kind of step filled in,
// saved, decrypted here and checked against the schema, keyboard only, accessible names, a saved
// file opened again, and screenshots at desktop and phone sizes.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Decrypter } from "age-encryption";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { launch, openPage as openOn } from "./browser.mjs";
import { buildPage } from "../build.mjs";
import { makeFixture, seal } from "./make-fixture.mjs";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const PASS = "correct horse battery staple";
const STEM = "robin-jordan-weekly-check-in";
const SAVED_NAME = `${STEM}-answers.tandem-worksheet`;

const schema = JSON.parse(await readFile(here("../schema/worksheet.schema.json"), "utf8"));
const exampleText = await readFile(here("../schema/example.json"), "utf8");
const example = JSON.parse(exampleText);
const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats(ajv);
const validate = ajv.compile(schema);

function assertValid(doc) {
  const ok = validate(doc);
  assert.ok(ok, `not valid against the schema: ${ajv.errorsText(validate.errors, { separator: "\n" })}`);
}

async function unseal(bytes, passphrase = PASS) {
  const d = new Decrypter();
  d.addPassphrase(passphrase);
  return JSON.parse(await d.decrypt(new Uint8Array(bytes), "text"));
}

let browser;
let fixtureUrl;
const outDir = here("out");
const shots = here("screenshots");

before(async () => {
  await mkdir(outDir, { recursive: true });
  await mkdir(shots, { recursive: true });
  const fixture = `${outDir}/example.html`;
  await writeFile(fixture, await makeFixture(exampleText, PASS, STEM));
  fixtureUrl = pathToFileURL(fixture).href;
  browser = await launch();
});

after(async () => {
  await browser?.close();
});

/** A fresh page on the fixture (or `url`), checked by `done()` (see browser.mjs). */
function openPage(viewport = { width: 1280, height: 800 }, url = fixtureUrl) {
  return openOn(browser, url, viewport);
}

async function unlock(page, passphrase = PASS) {
  if (passphrase === "") throw new Error("use a passphrase");
  await page.getByLabel("Passphrase").fill(passphrase);
  await page.getByRole("button", { name: "Open worksheet" }).click();
}

const part = (page, step) => page.locator(`section[data-step="${step}"]`);
const group = (page, step, who) => part(page, step).locator("fieldset.group").filter({ has: page.locator("legend", { hasText: who }) });

async function saveAndCatch(page) {
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Save my answers" }).click(),
  ]);
  const file = `${outDir}/${download.suggestedFilename()}`;
  await download.saveAs(file);
  return { name: download.suggestedFilename(), file, bytes: await readFile(file) };
}

// What filling in every step of example.json below gives, in the order of the parts.
const FILLED = [
  { step: "went-well", kind: "text", who: "joint", text: "We cooked together on Sunday. And we talked." },
  { step: "appreciation", kind: "text", who: "a", text: "You made me tea when I was tired." },
  { step: "appreciation", kind: "text", who: "b", text: "You listened to the whole story." },
  { step: "mood", kind: "choice", who: "a", chosen: ["Calm"] },
  { step: "mood", kind: "choice", who: "b", chosen: ["Busy but close"] },
  { step: "topics", kind: "choice", who: "joint", chosen: ["Money", "Family"] },
  { step: "practice", kind: "checklist", who: "joint", ticked: ["Daily check-in", "A walk together"] },
  { step: "measures", kind: "rating", rater: "a", item: "trust", value: 7 },
  { step: "measures", kind: "rating", rater: "a", item: "heard", value: 3 },
  { step: "measures", kind: "rating", rater: "b", item: "trust", value: 5 },
  {
    step: "questions",
    kind: "questions",
    questions: [
      { text: "Why then?", category: "Meaning", why: "To understand what was going on." },
      { text: "Is it over?", category: "Now", why: "" },
    ],
  },
];
let savedFile; // the file the fill-in test saved, opened again by a later test

test("example.json is valid against the schema", () => {
  assertValid(example);
});

test("the built page: up to date, deterministic, markers once, CSP hashes match, under budget", async () => {
  const first = await buildPage();
  const second = await buildPage();
  assert.equal(first, second, "two builds differ");
  const dist = await readFile(here("../dist/worksheet.html"), "utf8");
  assert.equal(dist, first, "dist/worksheet.html is not what the sources build to: run npm run build");
  assert.ok(Buffer.byteLength(dist) <= 153600, "over 150 KB");
  for (const m of ["__TANDEM_WORKSHEET__", "__TANDEM_FILE__"]) assert.equal(dist.split(m).length, 2, m);
  assert.match(dist, /<script id="tandem-worksheet" type="application\/octet-stream" data-file="__TANDEM_FILE__">__TANDEM_WORKSHEET__<\/script>/);
  const csp = dist.match(/<meta http-equiv="Content-Security-Policy" content="([^"]+)">/)[1];
  const hash = (t) => `'sha256-${createHash("sha256").update(t).digest("base64")}'`;
  const script = dist.match(/<script>([\s\S]*?)<\/script>/)[1];
  const style = dist.match(/<style>([\s\S]*?)<\/style>/)[1];
  assert.equal(
    csp,
    `default-src 'none'; script-src ${hash(script)}; style-src ${hash(style)}; img-src data:; form-action 'none'; base-uri 'none'`,
  );
  assert.doesNotMatch(dist, /https?:\/\//, "the page names an external address");
  assert.doesNotMatch(dist, /localStorage|sessionStorage|indexedDB|document\.cookie/);
});

test("a wrong passphrase is said plainly beside the field", async () => {
  const { page, done } = await openPage();
  await page.screenshot({ path: `${shots}/lock-1280x800.png` });
  await unlock(page, "not the passphrase");
  const error = page.locator("#passphrase-error");
  await error.filter({ hasText: "That is not this worksheet's passphrase." }).waitFor();
  assert.equal(await page.getByLabel("Passphrase").getAttribute("aria-invalid"), "true");
  assert.ok(await page.locator("#sheet").isHidden());
  await page.screenshot({ path: `${shots}/wrong-passphrase-1280x800.png` });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: `${shots}/wrong-passphrase-390x844.png` });
  await done();
});

test("every kind of step filled in, saved, decrypted and valid against the schema", async () => {
  const { page, done } = await openPage();
  await unlock(page);
  await page.getByRole("heading", { level: 1, name: "Weekly check-in" }).waitFor();
  const header = await page.locator("header").innerText();
  for (const s of ["From Harbour Couples Therapy", "For Robin and Jordan", "Take twenty quiet minutes together."]) {
    assert.ok(header.includes(s), `header lacks ${s}`);
  }
  // In order, with the read step's prompts and the private mark.
  assert.deepEqual(await page.locator("section.part h2").allInnerTexts(), example.form.parts.map((p) => p.title));
  assert.ok((await part(page, "welcome").innerText()).includes("Robin reads first this week."));
  assert.equal(await part(page, "welcome").locator("input, textarea, select").count(), 0);
  assert.ok((await part(page, "questions").innerText()).includes("Only you and your therapist will see this"));
  assert.equal(await page.locator(".private").count(), 1);
  // Prefilled from the answers, stems as hints, the list so far read-only.
  const wentWell = part(page, "went-well").getByLabel("Both of you (Robin and Jordan)");
  assert.equal(await wentWell.inputValue(), "We cooked together on Sunday.");
  assert.ok((await part(page, "went-well").innerText()).includes("This week I noticed…"));
  assert.ok((await part(page, "questions").innerText()).includes("When did it start?"));

  await wentWell.fill("We cooked together on Sunday. And we talked.");
  await part(page, "appreciation").getByLabel("Robin").fill("You made me tea when I was tired.");
  await part(page, "appreciation").getByLabel("Jordan").fill("You listened to the whole story.");
  await group(page, "mood", "Robin").getByLabel("Distant").check();
  await group(page, "mood", "Robin").getByLabel("Calm").check(); // a radio group keeps one
  await group(page, "mood", "Jordan").getByLabel("Busy but close").check();
  assert.equal(await group(page, "topics", "Both of you").locator('input[type="checkbox"]').count(), 3);
  await group(page, "topics", "Both of you").getByLabel("Money").check();
  await group(page, "topics", "Both of you").getByLabel("Family").check();
  await group(page, "practice", "Both of you").getByLabel("Daily check-in").check();
  await group(page, "practice", "Both of you").getByLabel("A walk together").check();
  const rater = (who) => part(page, "measures").locator("fieldset.rater").filter({ has: page.locator("legend", { hasText: who }) });
  const item = (who, label) => rater(who).locator("fieldset.item").filter({ hasText: label });
  assert.equal(await item("Robin", "trust").locator('input[type="radio"]').count(), 11);
  assert.equal(await item("Robin", "heard").locator('input[type="radio"]').count(), 5);
  assert.ok((await item("Robin", "trust").innerText()).includes("not at all"));
  assert.ok((await item("Robin", "heard").innerText()).includes("mostly"));
  await item("Robin", "trust").getByLabel("7", { exact: true }).check();
  await item("Robin", "heard").getByLabel("3 mostly").check();
  await item("Jordan", "trust").getByLabel("5", { exact: true }).check();
  await item("Jordan", "heard").getByLabel("2 somewhat").check();
  await item("Jordan", "heard").getByRole("button", { name: /^Clear/ }).click(); // and changed their mind
  const questions = part(page, "questions");
  await questions.getByLabel("Your question").fill("Why then?");
  await questions.getByLabel("Category").selectOption("Meaning");
  await questions.getByLabel("Why you want to know").fill("To understand what was going on.");
  await questions.getByRole("button", { name: "Add a question" }).click();
  await questions.getByRole("button", { name: "Add a question" }).click();
  const q2 = questions.locator("fieldset.question").nth(1);
  await q2.getByLabel("Your question").fill("Is it over?");
  await q2.getByLabel("Category").selectOption("Now");
  await questions.getByRole("button", { name: "Remove question 3" }).click(); // an empty row, removed
  assert.equal(await questions.locator("fieldset.question").count(), 2);

  await page.screenshot({ path: `${shots}/filled-1280x800.png`, fullPage: true });
  const saved = await saveAndCatch(page);
  assert.equal(saved.name, SAVED_NAME);
  assert.ok((await page.locator(".save").innerText()).includes("Send this file to your therapist"));
  await page.locator(".save").screenshot({ path: `${shots}/saved-1280x800.png` });

  const out = await unseal(saved.bytes);
  assertValid(out);
  assert.deepEqual(out.answers, FILLED);
  const filledAt = Date.parse(out.worksheet.filled_at);
  assert.ok(Math.abs(Date.now() - filledAt) < 5 * 60_000, "filled_at is not now");
  // Everything else comes back unchanged.
  assert.deepEqual({ ...out, answers: example.answers, worksheet: { ...out.worksheet, filled_at: null } }, example);
  savedFile = saved.file;

  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: `${shots}/filled-390x844.png`, fullPage: true });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${shots}/top-390x844.png` });
  await done();
});

test("a saved file opened again shows its answers, and saving again keeps them", async () => {
  assert.ok(savedFile, "needs the file the previous test saved");
  const { page, done } = await openPage({ width: 390, height: 844 });
  await page.screenshot({ path: `${shots}/lock-390x844.png` });
  await unlock(page);
  await page.getByRole("heading", { level: 1, name: "Weekly check-in" }).waitFor();
  assert.equal(await part(page, "appreciation").getByLabel("Robin").inputValue(), "");
  await page.getByLabel("Open a saved file").setInputFiles(savedFile);
  await page.getByText(`Your saved answers from ${SAVED_NAME} are filled in below.`).waitFor();
  assert.equal(await part(page, "appreciation").getByLabel("Robin").inputValue(), "You made me tea when I was tired.");
  assert.ok(await group(page, "mood", "Robin").getByLabel("Calm").isChecked());
  assert.ok(await group(page, "topics", "Both of you").getByLabel("Family").isChecked());
  assert.ok(!(await group(page, "topics", "Both of you").getByLabel("Time together").isChecked()));
  assert.ok(await group(page, "practice", "Both of you").getByLabel("A walk together").isChecked());
  const robin = part(page, "measures").locator("fieldset.rater").first();
  assert.ok(await robin.locator("fieldset.item").first().getByLabel("7", { exact: true }).isChecked());
  assert.equal(await part(page, "questions").locator("fieldset.question").count(), 2);
  assert.equal(await part(page, "questions").getByLabel("Category").first().inputValue(), "Meaning");
  const again = await unseal((await saveAndCatch(page)).bytes);
  assertValid(again);
  assert.deepEqual(again.answers, FILLED);

  // A file that is not a saved worksheet is refused plainly, the form left as it was.
  const bogus = `${outDir}/not-a-worksheet.tandem-worksheet`;
  await writeFile(bogus, "hello");
  await page.getByLabel("Open a saved file").setInputFiles(bogus);
  await page.getByText("not-a-worksheet.tandem-worksheet could not be opened").waitFor();
  assert.equal(await part(page, "appreciation").getByLabel("Robin").inputValue(), "You made me tea when I was tired.");
  await done();
});

test("keyboard only: passphrase, a text and a choice with Tab, Space and typing, then save", async () => {
  const { page, done } = await openPage();
  const active = () =>
    page.evaluate(() => {
      const el = document.activeElement;
      const style = el ? getComputedStyle(el) : null;
      return {
        id: el?.id ?? "",
        tag: el?.tagName ?? "",
        type: el?.getAttribute("type") ?? "",
        step: el?.closest("[data-step]")?.getAttribute("data-step") ?? "",
        text: el?.textContent ?? "",
        outline: style ? `${style.outlineStyle} ${style.outlineWidth}` : "",
      };
    });
  async function tabTo(what, wanted) {
    for (let i = 0; i < 200; i++) {
      await page.keyboard.press("Tab");
      const a = await active();
      if (wanted(a)) return a;
    }
    assert.fail(`Tab never reached ${what}`);
  }
  await tabTo("the passphrase", (a) => a.id === "passphrase");
  await page.keyboard.type(PASS);
  const button = await tabTo("Open worksheet", (a) => a.id === "open");
  assert.notEqual(button.outline.split(" ")[0], "none", "no visible focus on the button");
  await page.keyboard.press("Space");
  await page.getByRole("heading", { level: 1, name: "Weekly check-in" }).waitFor();

  const area = await tabTo("the joint text", (a) => a.tag === "TEXTAREA" && a.step === "went-well");
  assert.notEqual(area.outline.split(" ")[0], "none", "no visible focus on the text field");
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.type("Typed with the keyboard.");
  const radio = await tabTo("the first mood choice", (a) => a.type === "radio" && a.step === "mood");
  assert.notEqual(radio.outline.split(" ")[0], "none", "no visible focus on the radio button");
  await page.keyboard.press("Space");
  await page.screenshot({ path: `${shots}/keyboard-focus-1280x800.png` });
  await tabTo("Save my answers", (a) => a.id === "save");
  const [download] = await Promise.all([page.waitForEvent("download"), page.keyboard.press("Space")]);
  const out = await unseal(await readFile(await download.path()));
  assertValid(out);
  assert.deepEqual(out.answers, [
    { step: "went-well", kind: "text", who: "joint", text: "Typed with the keyboard." },
    { step: "mood", kind: "choice", who: "a", chosen: ["Calm"] },
  ]);
  await done();
});

test("every field has a name a screen reader reads", async () => {
  const { page, context, done } = await openPage();
  await unlock(page);
  await page.getByRole("heading", { level: 1, name: "Weekly check-in" }).waitFor();
  const cdp = await context.newCDPSession(page);
  const { nodes } = await cdp.send("Accessibility.getFullAXTree");
  const roles = new Set(["textbox", "radio", "checkbox", "combobox", "button"]);
  const controls = nodes.filter((n) => !n.ignored && roles.has(n.role?.value));
  const unnamed = controls.filter((n) => !(n.name?.value ?? "").trim()).map((n) => n.role.value);
  assert.deepEqual(unnamed, [], "controls without an accessible name");
  const domCount = await page.locator("#sheet input, #sheet textarea, #sheet select, #sheet button").count();
  assert.equal(controls.length, domCount, "every control is in the accessibility tree");
  // Radio buttons and checkboxes sit in a group named by its legend.
  const groups = nodes.filter((n) => !n.ignored && n.role?.value === "group" && (n.name?.value ?? "").trim());
  assert.ok(groups.some((g) => g.name.value === "Robin — Pick one."), "the mood group for Robin is named");
  // A few by the names people hear.
  for (const label of ["Both of you (Robin and Jordan)", "Your question", "Category", "Why you want to know", "Open a saved file"]) {
    assert.ok((await page.getByLabel(label, { exact: true }).count()) >= 1, `nothing labelled ${label}`);
  }
  await done();
});

test("the page as built, before Tandem fills it in, says it has no worksheet", async () => {
  const { page, done } = await openPage(undefined, pathToFileURL(here("../dist/worksheet.html")).href);
  await unlock(page, "anything");
  await page.locator("#passphrase-error").filter({ hasText: "This page has no worksheet inside it." }).waitFor();
  await done();
});

test("one partner's worksheet: markup in names shown as text, a passphrase beyond ASCII, other files refused", async () => {
  const pass = "pässwörd ☂ 海 🌊";
  const other = structuredClone(example);
  other.worksheet.id = "11111111-2222-4333-8444-555555555555";
  other.worksheet.for_whom = "partner-b";
  other.worksheet.name_b = 'Jo <img src="x"> & <b>co</b>';
  other.form.title = "Just for you";
  other.form.parts = [
    { step: "alone", title: "Only for you", prompts: ["Write freely."], private: true, kind: "text", respondents: ["b"], stems: [] },
  ];
  other.answers = [];
  other.list_so_far = [];
  assertValid(other);
  const file = `${outDir}/partner-b.html`;
  await writeFile(file, await makeFixture(JSON.stringify(other), pass, "jo-only"));
  const { page, done } = await openPage({ width: 390, height: 844 }, pathToFileURL(file).href);
  await unlock(page, pass);
  await page.getByRole("heading", { level: 1, name: "Just for you" }).waitFor();
  assert.ok((await page.locator("header").innerText()).includes('For Jo <img src="x"> & <b>co</b>'));
  assert.equal(await page.locator("#sheet img, #sheet b").count(), 0, "a name was read as markup");
  assert.ok((await part(page, "alone").innerText()).includes("Only you and your therapist will see this"));
  await part(page, "alone").getByLabel('Jo <img src="x"> & <b>co</b>').fill("Private words.");

  // A file sealed with another passphrase, and another worksheet's file with this one, are refused.
  await page.getByLabel("Open a saved file").setInputFiles(savedFile);
  await page.getByText(`${SAVED_NAME} is not sealed with this worksheet's passphrase.`).waitFor();
  const elsewhere = `${outDir}/elsewhere.tandem-worksheet`;
  await writeFile(elsewhere, await seal(exampleText, pass));
  await page.getByLabel("Open a saved file").setInputFiles(elsewhere);
  await page.getByText("holds answers to a different worksheet").waitFor();
  assert.equal(await part(page, "alone").getByRole("textbox").inputValue(), "Private words.");

  const saved = await saveAndCatch(page);
  assert.equal(saved.name, "jo-only-answers.tandem-worksheet");
  const out = await unseal(saved.bytes, pass);
  assertValid(out);
  assert.deepEqual(out.answers, [{ step: "alone", kind: "text", who: "b", text: "Private words." }]);
  await done();
});
