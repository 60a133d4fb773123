// A tiny element builder: h("p", { class: "hint" }, "text", child).
// Text is always set as text (never parsed as HTML), so names and answers cannot inject markup.

type Attrs = Record<string, string | boolean | undefined>;
type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    el.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child);
  }
  return el;
}

let counter = 0;
/** A fresh id for pairing labels and hints with their fields. */
export function uid(prefix: string): string {
  counter += 1;
  return `${prefix}-${counter}`;
}
