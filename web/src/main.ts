// The worksheet page: asks for the passphrase, opens the sealed worksheet embedded in this file,
// shows it as a form, and saves the answers as a new sealed file to send back to the practice.
// Nothing unsealed is ever stored: no localStorage, sessionStorage, IndexedDB or cookies.
import { h } from "./dom";
import { namesOf, renderParts } from "./form";
import { fromBase64, open, seal, WrongPassphrase } from "./seal";
import { FORMAT, MAGIC, type Worksheet } from "./types";

const WRONG_PASSPHRASE = "That is not this worksheet's passphrase.";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

const payload = $<HTMLScriptElement>("tandem-worksheet");
const lock = $<HTMLElement>("lock");
const unlock = $<HTMLFormElement>("unlock");
const passField = $<HTMLInputElement>("passphrase");
const passError = $<HTMLElement>("passphrase-error");
const openButton = $<HTMLButtonElement>("open");
const sheet = $<HTMLElement>("sheet");

// Tandem replaces the markers in the page with the sealed worksheet and its file name stem.
const unfilled = (s: string) => s.startsWith("__TANDEM_");
const stem = (() => {
  const raw = payload.dataset.file ?? "";
  const clean = raw.replace(/[\\/:*?"<>|\u0000-\u001f]/g, "").trim();
  return unfilled(raw) || clean === "" ? "worksheet" : clean;
})();
const saveName = `${stem}-answers.tandem-worksheet`;

let passphrase = "";
let current: Worksheet | null = null;
let dirty = false;

/** Lets the browser draw "Opening…" before scrypt keeps it busy for a moment. */
const nextPaint = () => new Promise<void>((done) => requestAnimationFrame(() => setTimeout(done, 0)));

function parse(text: string): Worksheet {
  const ws = JSON.parse(text) as Worksheet;
  if (ws?.magic !== MAGIC || ws.format !== FORMAT || !ws.form || !Array.isArray(ws.answers)) {
    throw new Error("not a worksheet this page can read");
  }
  return ws;
}

function sealedPayload(): Uint8Array | null {
  const text = (payload.textContent ?? "").trim();
  if (text === "" || unfilled(text)) return null;
  return fromBase64(text);
}

function showLockError(message: string) {
  passError.textContent = message;
  passField.setAttribute("aria-invalid", "true");
}

unlock.addEventListener("submit", async (event) => {
  event.preventDefault();
  passError.textContent = "";
  passField.removeAttribute("aria-invalid");
  let sealed: Uint8Array | null;
  try {
    sealed = sealedPayload();
  } catch {
    sealed = null;
  }
  if (!sealed) {
    showLockError("This page has no worksheet inside it. Ask your therapist for the file again.");
    return;
  }
  if (passField.value === "") {
    showLockError("Type the passphrase your therapist gave you.");
    passField.focus();
    return;
  }
  openButton.disabled = true;
  openButton.textContent = "Opening…";
  await nextPaint();
  try {
    const ws = parse(await open(sealed, passField.value));
    passphrase = passField.value;
    passField.value = "";
    lock.hidden = true;
    show(ws);
  } catch (e) {
    showLockError(
      e instanceof WrongPassphrase
        ? WRONG_PASSPHRASE
        : "This worksheet could not be opened: the file may be damaged. Ask your therapist for it again.",
    );
    passField.focus();
    passField.select();
  } finally {
    openButton.disabled = false;
    openButton.textContent = "Open worksheet";
  }
});

function forWhom(ws: Worksheet): string {
  const names = namesOf(ws);
  if (ws.worksheet.for_whom === "partner-a") return `For ${names.a}`;
  if (ws.worksheet.for_whom === "partner-b") return `For ${names.b}`;
  return `For ${names.a} and ${names.b}`;
}

/** Shows a worksheet as a form (replacing whatever was shown), prefilled from its answers. */
function show(ws: Worksheet, note = "") {
  current = ws;
  const { nodes, collect } = renderParts(ws);
  const title = h("h1", { tabindex: "-1" }, ws.form.title);

  const savedInput = h("input", { type: "file", id: "open-saved", accept: ".tandem-worksheet" });
  const savedStatus = h("p", { class: "status", "aria-live": "polite" }, note);
  savedInput.addEventListener("change", () => loadSaved(savedInput, savedStatus));

  const form = h("form", { id: "answers", autocomplete: "off", novalidate: true }, nodes);
  form.addEventListener("submit", (e) => e.preventDefault());
  form.addEventListener("input", () => (dirty = true));
  form.addEventListener("change", () => (dirty = true));

  const saveButton = h("button", { type: "button", id: "save", class: "primary" }, "Save my answers");
  const saveStatus = h("div", { class: "status", "aria-live": "polite" });
  saveButton.addEventListener("click", () => save(ws, collect, saveButton, saveStatus));

  sheet.replaceChildren(
    h(
      "header",
      {},
      ws.worksheet.practice ? h("p", { class: "from" }, `From ${ws.worksheet.practice}`) : null,
      title,
      h("p", { class: "for" }, forWhom(ws)),
      ws.form.introduction ? h("p", { class: "intro" }, ws.form.introduction) : null,
    ),
    h(
      "section",
      { class: "box continue", "aria-labelledby": "continue-h" },
      h("h2", { id: "continue-h" }, "Carry on where you left off"),
      h("p", {}, "If you saved some answers before, open that file here (you do not need to type the passphrase again)."),
      h("label", { for: "open-saved" }, "Open a saved file"),
      savedInput,
      savedStatus,
    ),
    form,
    h(
      "section",
      { class: "box save", "aria-labelledby": "save-h" },
      h("h2", { id: "save-h" }, "When you are done"),
      h(
        "p",
        {},
        "Your answers are kept only when you save them. Saving makes a sealed file, locked with the same passphrase; this page keeps nothing.",
      ),
      saveButton,
      saveStatus,
    ),
  );
  sheet.hidden = false;
  dirty = false;
  title.focus();
}

async function loadSaved(input: HTMLInputElement, status: HTMLElement) {
  const file = input.files?.[0];
  if (!file || !current) return;
  status.textContent = "Opening…";
  await nextPaint();
  let ws: Worksheet;
  try {
    ws = parse(await open(new Uint8Array(await file.arrayBuffer()), passphrase));
  } catch (e) {
    status.textContent =
      e instanceof WrongPassphrase
        ? `${file.name} is not sealed with this worksheet's passphrase.`
        : `${file.name} could not be opened: it is not a saved worksheet, or it is damaged.`;
    input.value = "";
    return;
  }
  if (ws.worksheet.id !== current.worksheet.id) {
    status.textContent = `${file.name} holds answers to a different worksheet (“${ws.form.title}”). Open it with its own page.`;
    input.value = "";
    return;
  }
  show(ws, `Your saved answers from ${file.name} are filled in below.`);
}

async function save(
  ws: Worksheet,
  collect: () => Worksheet["answers"],
  button: HTMLButtonElement,
  status: HTMLElement,
) {
  button.disabled = true;
  button.textContent = "Sealing your answers…";
  status.replaceChildren();
  await nextPaint();
  try {
    const out: Worksheet = {
      ...ws,
      worksheet: { ...ws.worksheet, filled_at: new Date().toISOString() },
      answers: collect(),
    };
    const sealed = await seal(JSON.stringify(out, null, 2), passphrase);
    download(sealed, saveName);
    current = out;
    dirty = false;
    status.replaceChildren(
      h("p", { class: "done" }, "Saved as ", h("strong", {}, saveName), " (look in your Downloads folder)."),
      h(
        "p",
        {},
        "Send this file to your therapist, by email or however you agreed. It is sealed with your passphrase, so it is safe to send.",
      ),
      h(
        "p",
        {},
        "To change or finish your answers later, open this page again, type the passphrase and choose “Open a saved file”. Then save again and send the newest file.",
      ),
    );
  } catch {
    status.replaceChildren(h("p", { class: "error" }, "Your answers could not be saved. Please try again."));
  } finally {
    button.disabled = false;
    button.textContent = "Save my answers";
  }
}

function download(bytes: Uint8Array, name: string) {
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: "application/octet-stream" }));
  const a = h("a", { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

// Unsaved answers live only in this page: warn before it is closed.
window.addEventListener("beforeunload", (event) => {
  if (dirty) event.preventDefault();
});
