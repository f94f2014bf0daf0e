/* Dates as people type them: dd/mm/yyyy, in text fields (native date inputs follow the browser's
 * locale and showed 12/01/2026 for 1 December). */

import { el } from "./dom.js";
import { formatDate } from "./format.js";

/** "1/12/2026" or "01/12/2026" (also "-" or "." between) → "2026-12-01"; null if not a real date. */
export function parseDate(text) {
  const m = /^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*$/.exec(String(text || ""));
  if (!m) return null;
  const [day, month, year] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const d = new Date(Date.UTC(year, month - 1, day));
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return null;
  return `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

/** A text field for a date shown and typed as dd/mm/yyyy; `isoValue` "YYYY-MM-DD" fills it. */
export function dateInput(attrs = {}, isoValue = "") {
  const { value: _ignored, ...rest } = attrs;
  return el("input", {
    type: "text",
    inputmode: "numeric",
    autocomplete: "off",
    placeholder: "dd/mm/yyyy",
    maxlength: "10",
    class: "date-input",
    value: isoValue ? formatDate(isoValue) : "",
    ...rest,
  });
}

/** Mark a field as wrong (highlighted, announced) or right again. */
export function markInvalid(input, invalid) {
  if (invalid) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
}
