/* A character counter under a long text field. The field has no maxlength (a paste is never cut
 * silently); past the limit the counter turns red, the field is marked and the form refuses it. */

import { el, uid } from "./dom.js";

const number = new Intl.NumberFormat("vi-VN");

/** Attach a live counter to `textarea`; returns { node, tooLong() } (node goes under the field). */
export function charCounter(textarea, limit) {
  const node = el("p", { class: "char-counter small", id: uid("count"), "aria-live": "polite" });
  const describedBy = textarea.getAttribute("aria-describedby");
  textarea.setAttribute("aria-describedby", describedBy ? `${describedBy} ${node.id}` : node.id);
  textarea.removeAttribute("maxlength");
  const update = () => {
    const n = textarea.value.length;
    const over = n > limit;
    node.textContent = over
      ? `${number.format(n)}/${number.format(limit)} ký tự – vượt ${number.format(n - limit)} ký tự, hãy rút gọn trước khi nộp.`
      : `${number.format(n)}/${number.format(limit)} ký tự`;
    node.classList.toggle("over", over);
    if (over) textarea.setAttribute("aria-invalid", "true");
    else if (textarea.getAttribute("aria-invalid") === "true" && textarea.value.trim()) textarea.removeAttribute("aria-invalid");
  };
  textarea.addEventListener("input", update);
  update();
  return { node, tooLong: () => textarea.value.length > limit, update };
}
