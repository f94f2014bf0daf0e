/* One open task in the inbox: what it is about, its deadline and notifications, and the form that
 * suits its step (a decision, a council's vote, a supplement, the clerk's revision). */

import { awardFormName } from "../catalogue.js";
import { el, uid } from "../dom.js";
import { timeElement } from "../format.js";
import { actionLabel } from "../labels.js";
import { unitName } from "../session.js";
import { REVISION_STEP, SUPPLEMENT_STEP } from "../steps.js";
import { councilActions } from "./council.js";
import { decisionForm } from "./decision.js";
import { supplementAnswerForm, supplementRequestForm } from "./supplement.js";

export function taskCard(task, ballots) {
  const titleId = uid("task");
  const nominee = task.nominee_name || "(không rõ tên)";
  const meta = el(
    "dl",
    { class: "meta" },
    el("div", null, el("dt", null, "Hình thức"), el("dd", null, awardFormName(task.award_form))),
    el("div", null, el("dt", null, "Bước"), el("dd", null, task.step_name)),
    el("div", null, el("dt", null, "Đơn vị xử lý"), el("dd", null, unitName(task.unit_id))),
    el("div", null, el("dt", null, "Nhận lúc"), el("dd", null, timeElement(task.created_at))),
    el(
      "div",
      null,
      el("dt", null, "Hạn xử lý"),
      el("dd", { class: task.overdue ? "due overdue-text" : "due" }, timeElement(task.due_at), task.overdue ? el("span", { class: "badge badge-overdue" }, "Quá hạn") : null),
    ),
  );
  const notes = (task.notifications || []).length
    ? el(
        "ul",
        { class: "notes", "aria-label": "Thông báo" },
        task.notifications.map((n) =>
          el("li", { class: `note note-${n.kind}` }, el("strong", null, actionLabel(n.kind)), " · ", timeElement(n.created_at), ": ", n.message),
        ),
      )
    : null;

  let actions;
  if (task.step === REVISION_STEP) {
    actions = el(
      "div",
      { class: "task-actions" },
      el("p", { class: "muted" }, "Hồ sơ bị trả lại: hãy chỉnh sửa, bổ sung và nộp lại."),
      task.return_reason || task.returned_by_step
        ? el("div", { class: "return-reason", role: "note" }, el("strong", null, "Lý do trả lại"), task.returned_by_step ? el("span", { class: "muted small" }, ` (${task.returned_by_step})`) : null, ": ", task.return_reason || "không ghi lý do.")
        : null,
      el("a", { class: "button button-primary", href: `#/nominations/${task.nomination_id}` }, "Chỉnh sửa và nộp lại hồ sơ"),
    );
  } else if (task.step === SUPPLEMENT_STEP) {
    actions = supplementAnswerForm(task);
  } else if (task.decided_by_ballot) {
    actions = councilActions(task, ballots);
  } else {
    actions = el("div", { class: "task-actions" }, decisionForm(task, ["approve", "return", "reject"]));
    if (String(task.step).startsWith("appraisal:")) actions.append(supplementRequestForm(task));
  }
  const kind = task.decided_by_ballot ? " task-council" : "";
  return el(
    "li",
    { class: `${task.overdue ? "card task overdue" : "card task"}${kind}`, "aria-labelledby": titleId },
    el("h2", { id: titleId, class: "task-title" }, el("a", { href: `#/nominations/${task.nomination_id}` }, nominee)),
    meta,
    notes,
    actions,
  );
}
