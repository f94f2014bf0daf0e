/* The decision on a task: a comment and the outcome buttons (approve / return / reject). */

import { api } from "../api.js";
import { clearError, reportError, setPendingNotice } from "../alerts.js";
import { el, field } from "../dom.js";
import { outcomeLabel } from "../labels.js";
import { route } from "../router.js";

export function decisionForm(task, outcomes, hint) {
  const nominee = task.nominee_name || "(không rõ tên)";
  const comment = el("textarea", { rows: "2", maxlength: "20000", name: "comment" });
  const classes = { approve: "button-primary", return: "button-secondary", reject: "button-danger" };
  const buttons = outcomes.map((outcome) =>
    el("button", { type: "button", class: `button ${classes[outcome]}`, "data-outcome": outcome }, outcomeLabel(outcome)),
  );
  for (const button of buttons) {
    button.addEventListener("click", () => completeTask(task, button.dataset.outcome, comment, buttons));
  }
  return el(
    "div",
    { class: "decision" },
    field("Ý kiến", comment, hint || "Không bắt buộc. Nên ghi rõ lý do khi trả lại hoặc không đồng ý."),
    el("div", { class: "actions", role: "group", "aria-label": `Xử lý hồ sơ ${nominee}` }, buttons),
  );
}

async function completeTask(task, outcome, commentBox, buttons) {
  clearError();
  const comment = commentBox.value.trim();
  if (outcome === "reject" && !window.confirm("Không đồng ý sẽ kết thúc hồ sơ này. Bạn chắc chắn?")) return;
  for (const b of buttons) b.disabled = true;
  try {
    await api(`/tasks/${encodeURIComponent(task.id)}/complete`, {
      method: "POST",
      json: { outcome, comment: comment || null },
    });
    setPendingNotice(`Đã ghi nhận ý kiến «${outcomeLabel(outcome)}» cho hồ sơ ${task.nominee_name || ""}.`.replace(" .", "."));
    await route();
  } catch (error) {
    reportError(error);
    for (const b of buttons) b.disabled = false;
  }
}
