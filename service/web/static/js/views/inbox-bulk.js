/* Several tasks at once: a checkbox on each card and "Chọn tất cả trên trang", the bulk bar that
 * approves or returns the selection with one comment (POST /api/v1/tasks/bulk: each task still gets
 * its own checks and Update), and the result panel that lists, per nominee, what was done and what
 * was refused with the server's reason. */

import { api } from "../api.js";
import { clearError, reportError } from "../alerts.js";
import { el, field, uid } from "../dom.js";
import { statusLabel } from "../labels.js";
import { route } from "../router.js";

// The last bulk answer, shown once above the refreshed inbox.
let pending = null;

/** The result panel of the last bulk action (once), or null. */
export function takeBulkResult() {
  const result = pending;
  pending = null;
  return result ? resultPanel(result) : null;
}

/** A task card with its selection checkbox. */
export function selectableCard(task, item) {
  const box = el("input", { type: "checkbox", class: "task-check", value: task.id, "aria-label": `Chọn hồ sơ ${task.nominee_name || ""}`.trim() });
  item.prepend(el("label", { class: "task-select" }, box, el("span", { "aria-hidden": "true" }, "Chọn")));
  return { task, item, box };
}

/** "Chọn tất cả trên trang", the count chosen, one comment and the two actions. */
export function bulkBar(cards) {
  const all = el("input", { type: "checkbox", id: uid("select-all") });
  const counter = el("span", { class: "bulk-count", role: "status" });
  const comment = el("textarea", { rows: "2", maxlength: "20000", name: "bulk_comment" });
  const approve = el("button", { type: "button", class: "button button-primary" }, "Duyệt các hồ sơ đã chọn");
  const giveBack = el("button", { type: "button", class: "button button-secondary" }, "Trả lại các hồ sơ đã chọn");
  const chosen = () => cards.filter((c) => c.box.checked);
  const refresh = () => {
    const n = chosen().length;
    counter.textContent = n ? `Đã chọn ${n} hồ sơ` : "Chưa chọn hồ sơ nào";
    all.checked = n > 0 && n === cards.length;
    all.indeterminate = n > 0 && n < cards.length;
    approve.disabled = n === 0;
    giveBack.disabled = n === 0;
  };
  all.addEventListener("change", () => {
    for (const c of cards) c.box.checked = all.checked;
    refresh();
  });
  for (const c of cards) c.box.addEventListener("change", refresh);

  async function act(outcome) {
    clearError();
    const picked = chosen();
    const text = comment.value.trim();
    if (outcome === "return" && !text) {
      reportError(new Error("Hãy ghi lý do trả lại vào ô «Ý kiến chung»."));
      comment.focus();
      return;
    }
    const question = outcome === "approve" ? `Duyệt ${picked.length} hồ sơ đã chọn?` : `Trả lại ${picked.length} hồ sơ đã chọn cho đơn vị đề nghị?`;
    if (!window.confirm(question)) return;
    approve.disabled = true;
    giveBack.disabled = true;
    try {
      const answer = await api("/tasks/bulk", { method: "POST", json: { task_ids: picked.map((c) => c.task.id), outcome, comment: text || null } });
      pending = answer;
      await route();
    } catch (error) {
      reportError(error);
      refresh();
    }
  }
  approve.addEventListener("click", () => act("approve"));
  giveBack.addEventListener("click", () => act("return"));
  refresh();
  return el(
    "section",
    { class: "card bulk-bar", "aria-label": "Xử lý nhiều hồ sơ" },
    el("div", { class: "bulk-select" }, el("label", { for: all.id, class: "select-all" }, all, " Chọn tất cả trên trang"), counter),
    field("Ý kiến chung", comment, "Bắt buộc khi trả lại; ghi cho tất cả hồ sơ đã chọn."),
    el("div", { class: "actions" }, approve, giveBack),
  );
}

function doneText(d) {
  // Accepted by the workflow but still being recorded: it will take effect.
  if (d.status === "accepted") return "đã tiếp nhận, đang được ghi nhận";
  return `${statusLabel(d.status)}${d.next_task_id ? ", đã chuyển bước tiếp theo" : ""}`;
}

function resultPanel(r) {
  const titleId = uid("bulk-result");
  const verb = r.outcome === "approve" ? "duyệt" : r.outcome === "return" ? "trả lại" : "xử lý";
  const nominee = (x) => (x.nomination_id ? el("a", { href: `#/nominations/${x.nomination_id}` }, x.nominee_name || "(không rõ tên)") : el("span", null, "Nhiệm vụ không tìm thấy"));
  return el(
    "section",
    { class: "card bulk-result", "aria-labelledby": titleId },
    el("h2", { id: titleId }, "Kết quả xử lý nhiều hồ sơ"),
    el("p", { role: "status" }, `Đã ${verb} ${r.done.length} hồ sơ`, r.refused.length ? `; ${r.refused.length} hồ sơ không xử lý được.` : "."),
    r.done.length
      ? [el("h3", null, "Đã xử lý"), el("ul", { class: "bulk-done" }, r.done.map((d) => el("li", null, nominee(d), ": ", doneText(d))))]
      : null,
    r.refused.length
      ? [el("h3", null, "Không xử lý được"), el("ul", { class: "bulk-refused" }, r.refused.map((x) => el("li", null, nominee(x), ": ", x.detail)))]
      : null,
  );
}
