// Renders a worksheet's parts as a form, prefilled from its answers, and reads the answers back.
// Each part's renderer returns a function that collects that part's answers from its fields.
import { h, uid } from "./dom";
import type { Answer, Part, Partner, Question, RatingItem, Who, Worksheet } from "./types";

type Collect = () => Answer[];

export interface Names {
  a: string;
  b: string;
}

export function namesOf(ws: Worksheet): Names {
  return {
    a: ws.worksheet.name_a.trim() || "Partner A",
    b: ws.worksheet.name_b.trim() || "Partner B",
  };
}

export function whoLabel(who: Who, names: Names): string {
  if (who === "joint") return `Both of you (${names.a} and ${names.b})`;
  return who === "a" ? names.a : names.b;
}

/** Builds every part in order; returns the elements and a function collecting all answers. */
export function renderParts(ws: Worksheet): { nodes: HTMLElement[]; collect: Collect } {
  const names = namesOf(ws);
  const nodes: HTMLElement[] = [];
  const collectors: Collect[] = [];
  for (const part of ws.form.parts) {
    const headingId = uid("part");
    const section = h(
      "section",
      { class: "part", "data-step": part.step, "data-kind": part.kind, "aria-labelledby": headingId },
      h("h2", { id: headingId }, part.title),
      part.private ? h("p", { class: "private" }, "Only you and your therapist will see this.") : null,
      part.prompts.map((p) => h("p", { class: "prompt" }, p)),
    );
    const mine = ws.answers.filter((a) => a.step === part.step);
    const collect = renderKind(section, part, mine, ws, names);
    if (collect) collectors.push(collect);
    nodes.push(section);
  }
  return { nodes, collect: () => collectors.flatMap((c) => c()) };
}

function renderKind(section: HTMLElement, part: Part, mine: Answer[], ws: Worksheet, names: Names): Collect | null {
  switch (part.kind) {
    case "read":
      return null;
    case "text":
      return renderText(section, part, mine, names);
    case "choice":
      return renderChoices(section, part, mine, names, "choice");
    case "checklist":
      return renderChoices(section, part, mine, names, "checklist");
    case "rating":
      return renderRating(section, part, mine, names);
    case "questions":
      return renderQuestions(section, part, mine, ws.list_so_far);
    default:
      section.append(h("p", { class: "hint" }, "This step cannot be filled in on this page."));
      return null;
  }
}

function renderText(section: HTMLElement, part: Part, mine: Answer[], names: Names): Collect {
  const stems = part.stems ?? [];
  const fields: [Who, HTMLTextAreaElement][] = [];
  for (const who of part.respondents ?? []) {
    const id = uid("text");
    const hintId = stems.length ? uid("hint") : undefined;
    const area = h("textarea", { id, rows: "5", autocomplete: "off", "aria-describedby": hintId });
    const prior = mine.find((a) => a.kind === "text" && a.who === who);
    if (prior && prior.kind === "text") area.value = prior.text;
    section.append(
      h(
        "div",
        { class: "field" },
        h("label", { for: id }, whoLabel(who, names)),
        hintId ? h("p", { class: "hint", id: hintId }, "You could start with: ", stems.join(" / ")) : null,
        area,
      ),
    );
    fields.push([who, area]);
  }
  return () =>
    fields
      .filter(([, area]) => area.value.trim() !== "")
      .map(([who, area]) => ({ step: part.step, kind: "text" as const, who, text: area.value }));
}

/** choice (radio buttons, or checkboxes when multiple) and checklist (checkboxes): one group per respondent. */
function renderChoices(
  section: HTMLElement,
  part: Part,
  mine: Answer[],
  names: Names,
  kind: "choice" | "checklist",
): Collect {
  const options = (kind === "choice" ? part.options : part.items) ?? [];
  const type = kind === "choice" && !part.multiple ? "radio" : "checkbox";
  const groups: [Who, HTMLInputElement[]][] = [];
  for (const who of part.respondents ?? []) {
    const prior = mine.find((a) => a.kind === kind && a.who === who);
    const picked = prior?.kind === "choice" ? prior.chosen : prior?.kind === "checklist" ? prior.ticked : [];
    const name = uid("group");
    const inputs = options.map((option) => {
      const input = h("input", { type, name, id: uid("opt"), value: option });
      input.checked = picked.includes(option);
      return input;
    });
    const hint = type === "checkbox" ? "Tick any that apply." : "Pick one.";
    section.append(
      h(
        "fieldset",
        { class: "group" },
        h("legend", {}, whoLabel(who, names), h("span", { class: "legend-hint" }, ` — ${hint}`)),
        inputs.map((input) => h("div", { class: "option" }, input, h("label", { for: input.id }, input.value))),
        type === "radio" ? clearButton(inputs, `the choice for ${whoLabel(who, names)}`) : null,
      ),
    );
    groups.push([who, inputs]);
  }
  return () =>
    groups.flatMap(([who, inputs]): Answer[] => {
      const values = inputs.filter((i) => i.checked).map((i) => i.value);
      if (values.length === 0) return [];
      return kind === "choice"
        ? [{ step: part.step, kind, who, chosen: values }]
        : [{ step: part.step, kind, who, ticked: values }];
    });
}

/** Radio buttons cannot be unticked by hand: a small button clears the group. */
function clearButton(inputs: HTMLInputElement[], what: string): HTMLButtonElement {
  const button = h("button", { type: "button", class: "link", "aria-label": `Clear ${what}` }, "Clear");
  button.addEventListener("click", () => {
    for (const i of inputs) i.checked = false;
    button.dispatchEvent(new Event("input", { bubbles: true }));
  });
  return button;
}

function scaleLabel(item: RatingItem, value: number): string {
  const anchor = item.anchors[value - item.min];
  if (anchor) return anchor;
  if (value === item.min && item.low) return item.low;
  if (value === item.max && item.high) return item.high;
  return "";
}

function renderRating(section: HTMLElement, part: Part, mine: Answer[], names: Names): Collect {
  const fields: [Partner, RatingItem, HTMLInputElement[]][] = [];
  for (const rater of part.raters ?? []) {
    const outer = h("fieldset", { class: "group rater" }, h("legend", {}, whoLabel(rater, names)));
    for (const item of part.scale ?? []) {
      const prior = mine.find((a) => a.kind === "rating" && a.rater === rater && a.item === item.id);
      const name = uid("rate");
      const inputs: HTMLInputElement[] = [];
      const row = h("div", { class: "scale" });
      for (let v = item.min; v <= item.max; v++) {
        const input = h("input", { type: "radio", name, id: uid("val"), value: String(v) });
        input.checked = prior?.kind === "rating" && prior.value === v;
        const words = scaleLabel(item, v);
        row.append(
          h(
            "div",
            { class: "point" },
            input,
            h("label", { for: input.id }, h("span", { class: "num" }, String(v)), words ? [" ", h("span", { class: "words" }, words)] : null),
          ),
        );
        inputs.push(input);
      }
      outer.append(
        h(
          "fieldset",
          { class: "item" },
          h("legend", {}, item.label),
          row,
          clearButton(inputs, `the rating for ${whoLabel(rater, names)}: ${item.label}`),
        ),
      );
      fields.push([rater, item, inputs]);
    }
    section.append(outer);
  }
  return () =>
    fields.flatMap(([rater, item, inputs]): Answer[] => {
      const picked = inputs.find((i) => i.checked);
      return picked ? [{ step: part.step, kind: "rating", rater, item: item.id, value: Number(picked.value) }] : [];
    });
}

function renderQuestions(section: HTMLElement, part: Part, mine: Answer[], soFar: Question[]): Collect {
  const categories = part.categories ?? [];
  if (soFar.length) {
    section.append(
      h("h3", {}, "Your list so far"),
      h(
        "ul",
        { class: "so-far" },
        soFar.map((q) =>
          h(
            "li",
            {},
            h("span", { class: "q" }, q.text),
            q.category ? h("span", { class: "tag" }, q.category) : null,
            q.why ? h("span", { class: "why" }, q.why) : null,
          ),
        ),
      ),
    );
  }
  section.append(h("h3", {}, "Questions to add"));
  const list = h("div", { class: "rows" });
  const add = h("button", { type: "button", class: "secondary" }, "Add a question");
  section.append(list, add);
  // kept: a category from an earlier answer when this step offers none to choose from.
  type Row = { box: HTMLFieldSetElement; text: HTMLTextAreaElement; category: HTMLSelectElement | null; kept: string; why: HTMLTextAreaElement };
  const rows: Row[] = [];

  const renumber = () =>
    rows.forEach((r, i) => {
      r.box.querySelector("legend")!.textContent = `Question ${i + 1}`;
      r.box.querySelector(".remove")!.setAttribute("aria-label", `Remove question ${i + 1}`);
    });

  const addRow = (q: Question | null) => {
    const textId = uid("q");
    const whyId = uid("why");
    const text = h("textarea", { id: textId, rows: "3", autocomplete: "off" });
    const why = h("textarea", { id: whyId, rows: "2", autocomplete: "off" });
    text.value = q?.text ?? "";
    why.value = q?.why ?? "";
    let category: HTMLSelectElement | null = null;
    let categoryField: HTMLElement | null = null;
    if (categories.length) {
      const catId = uid("cat");
      const choices = [...categories];
      if (q?.category && !choices.includes(q.category)) choices.push(q.category);
      category = h("select", { id: catId }, h("option", { value: "" }, "(none)"), choices.map((c) => h("option", { value: c }, c)));
      category.value = q?.category ?? "";
      categoryField = h("div", { class: "field" }, h("label", { for: catId }, "Category"), category);
    }
    const remove = h("button", { type: "button", class: "link remove" }, "Remove");
    const box = h(
      "fieldset",
      { class: "group question" },
      h("legend", {}),
      h("div", { class: "field" }, h("label", { for: textId }, "Your question"), text),
      categoryField,
      h("div", { class: "field" }, h("label", { for: whyId }, "Why you want to know"), why),
      remove,
    );
    const row: Row = { box, text, category, kept: q?.category ?? "", why };
    remove.addEventListener("click", () => {
      rows.splice(rows.indexOf(row), 1);
      box.remove();
      renumber();
      add.focus();
      add.dispatchEvent(new Event("input", { bubbles: true }));
    });
    rows.push(row);
    list.append(box);
    renumber();
    return row;
  };

  const prior = mine.find((a) => a.kind === "questions");
  const priorQuestions = prior?.kind === "questions" ? prior.questions : [];
  for (const q of priorQuestions) addRow(q);
  if (rows.length === 0) addRow(null);
  add.addEventListener("click", () => addRow(null).text.focus());

  return () => {
    const questions = rows
      .map((r) => ({ text: r.text.value, category: r.category ? r.category.value : r.kept, why: r.why.value }))
      .filter((q) => q.text.trim() !== "" || q.why.trim() !== "");
    return questions.length ? [{ step: part.step, kind: "questions", questions }] : [];
  };
}
