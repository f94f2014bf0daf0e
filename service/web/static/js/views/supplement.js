/* Supplement requests: the appraiser asks the proposing unit for more (a list of items), and the
 * proposing clerk answers each item. */

import { api } from "../api.js";
import { clearError, reportError, setPendingNotice, showError } from "../alerts.js";
import { el, field } from "../dom.js";
import { route } from "../router.js";

export function supplementRequestForm(task) {
  const items = el("textarea", { name: "items", rows: "4", maxlength: "15000" });
  const comment = el("textarea", { name: "supplement_comment", rows: "2", maxlength: "5000" });
  const submit = el("button", { type: "submit", class: "button button-secondary" }, "Gửi yêu cầu bổ sung");
  const form = el(
    "form",
    { class: "supplement-request", novalidate: true },
    field("Nội dung cần bổ sung", items, "Mỗi dòng một mục (tối đa 30 mục)."),
    field("Ghi chú gửi đơn vị", comment),
    el("div", { class: "actions" }, submit),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearError();
    const list = items.value
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter(Boolean);
    if (!list.length) {
      showError({ message: "Vui lòng ghi ít nhất một nội dung cần bổ sung (mỗi dòng một mục)." });
      items.focus();
      return;
    }
    if (list.length > 30 || list.some((line) => line.length > 500)) {
      showError({ message: "Tối đa 30 mục, mỗi mục không quá 500 ký tự." });
      return;
    }
    submit.disabled = true;
    try {
      await api(`/tasks/${encodeURIComponent(task.id)}/supplement`, {
        method: "POST",
        json: { items: list, comment: comment.value.trim() || null },
      });
      setPendingNotice(`Đã gửi yêu cầu bổ sung hồ sơ ${task.nominee_name || ""} tới đơn vị đề nghị.`);
      await route();
    } catch (error) {
      reportError(error);
      submit.disabled = false;
    }
  });
  return el("details", { class: "subform" }, el("summary", null, "Yêu cầu bổ sung"), form);
}

export function supplementAnswerForm(task) {
  const asked = Array.isArray(task.details && task.details.items) ? task.details.items.filter((i) => typeof i === "string" && i) : [];
  const items = asked.length ? asked : ["Nội dung bổ sung"];
  const answers = items.map((item) => [item, el("textarea", { rows: "2", maxlength: "5000" })]);
  const comment = el("textarea", { name: "comment", rows: "2", maxlength: "5000" });
  const submit = el("button", { type: "submit", class: "button button-primary" }, "Gửi nội dung bổ sung");
  const form = el(
    "form",
    { class: "supplement-answer", novalidate: true, "aria-label": `Bổ sung hồ sơ ${task.nominee_name || ""}` },
    el("p", null, asked.length ? `Cơ quan thẩm định yêu cầu bổ sung ${asked.length} nội dung; hãy trả lời từng mục:` : "Cơ quan thẩm định yêu cầu bổ sung hồ sơ:"),
    el("fieldset", null, el("legend", null, "Nội dung bổ sung"), answers.map(([item, box]) => field(item, box))),
    field("Ý kiến giải trình", comment),
    el("div", { class: "actions" }, submit, el("a", { class: "button button-secondary", href: `#/nominations/${task.nomination_id}` }, "Xem hồ sơ")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearError();
    const missing = answers.filter(([, box]) => !box.value.trim()).map(([item]) => item);
    if (missing.length) {
      showError({ message: `Vui lòng trả lời đủ các mục cần bổ sung: ${missing.join("; ")}.` });
      return;
    }
    submit.disabled = true;
    try {
      await api(`/nominations/${encodeURIComponent(task.nomination_id)}/supplement`, {
        method: "POST",
        json: { answers: Object.fromEntries(answers.map(([item, box]) => [item, box.value.trim()])), comment: comment.value.trim() || null },
      });
      setPendingNotice(`Đã gửi nội dung bổ sung hồ sơ ${task.nominee_name || ""}; hồ sơ trở lại bước thẩm định.`);
      await route();
    } catch (error) {
      reportError(error);
      submit.disabled = false;
    }
  });
  return el("div", { class: "task-actions" }, form);
}
