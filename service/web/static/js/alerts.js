/* The page's two message boxes: #alert for errors (role=alert) and #notice for what was just done. */

import { $, clear, el } from "./dom.js";
import { fieldLabel } from "./fields.js";
import { state } from "./state.js";

export function showError(error) {
  const box = $("alert");
  clear(box);
  const problem = error && error.problem ? error.problem : null;
  const detail =
    (problem && (problem.detail || problem.title)) ||
    (error && error.message) ||
    "Đã có lỗi xảy ra. Vui lòng thử lại.";
  box.append(el("p", { class: "alert-detail" }, detail));
  if (problem && Array.isArray(problem.errors) && problem.errors.length) {
    box.append(
      el(
        "ul",
        { class: "alert-errors" },
        problem.errors.map((e) => el("li", null, `${fieldLabel(e.field) || e.field || "Nội dung"}: ${e.message}`)),
      ),
    );
  }
  box.hidden = false;
  box.scrollIntoView({ block: "nearest" });
}

export function clearError() {
  const box = $("alert");
  clear(box);
  box.hidden = true;
}

/** An error from an API call, unless the call already dealt with it (a 401 shows the login page). */
export function reportError(error) {
  if (error && error.handled) return;
  showError(error);
}

/** A status message; tone "warn" for an outcome the user must not miss (a rejected nomination). */
export function showNotice(text, tone) {
  const box = $("notice");
  box.textContent = text || "";
  box.className = tone === "warn" ? "notice notice-warn" : "notice";
  box.hidden = !text;
}

/** A notice for the next rendered page: text, or {text, tone}. */
export function setPendingNotice(text, tone) {
  state.pendingNotice = { text, tone };
}
