/* DOM helpers.
 *
 * Security rule: user-provided text is only ever inserted with textContent / text nodes (through
 * el() below); no module of this page assigns innerHTML.
 */

export const $ = (id) => document.getElementById(id);

/** Create an element. Strings among the children become text nodes, never markup. */
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  if (attrs) {
    for (const [key, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = String(value);
      else if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
      else if (key === "value") node.value = value;
      else if (key === "checked" || key === "selected" || key === "disabled" || key === "hidden" || key === "required") node[key] = Boolean(value);
      else if (value === true) node.setAttribute(key, "");
      else node.setAttribute(key, String(value));
    }
  }
  appendChildren(node, children);
  return node;
}

export function appendChildren(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
}

let idCounter = 0;
export function uid(prefix) {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

/** A labelled form field; `control` is an input, select or textarea element. */
export function field(label, control, hint) {
  if (!control.id) control.id = uid("f");
  const children = [el("label", { for: control.id }, label)];
  if (hint) {
    const hintId = uid("hint");
    const previous = control.getAttribute("aria-describedby");
    control.setAttribute("aria-describedby", previous ? `${hintId} ${previous}` : hintId);
    children.push(el("p", { class: "hint", id: hintId }, hint));
  }
  children.push(control);
  return el("div", { class: "field" }, children);
}

/** Append [value, label] options to a select, selecting `selected`. */
export function options(select, entries, selected) {
  for (const [value, label] of entries) {
    select.append(el("option", { value, selected: value === selected }, label));
  }
  return select;
}
