/* Công khai: the nominee lists under public disclosure, where any user may comment before the council. */

import { api } from "../api.js";
import { clearError, reportError, setPendingNotice, showError } from "../alerts.js";
import { awardFormName, loadAwardForms } from "../catalogue.js";
import { el, field, uid } from "../dom.js";
import { timeElement } from "../format.js";
import { route } from "../router.js";
import { unitName } from "../session.js";

export async function renderDisclosures(stale) {
  const [items] = await Promise.all([api("/disclosures"), loadAwardForms()]);
  if (stale()) return null;
  const head = el("div", { class: "page-head" }, el("h1", null, "Công khai danh sách đề nghị khen thưởng"), el("p", { class: "muted count" }, `${items.length} hồ sơ đang công khai`));
  const intro = el("p", { class: "muted" }, "Danh sách được công khai trước khi Hội đồng xét. Mọi người dùng đều có thể gửi ý kiến về từng trường hợp trong thời hạn công khai.");
  if (!items.length) return [head, intro, el("p", { class: "empty card" }, "Hiện không có danh sách nào đang công khai.")];
  return [head, intro, el("ul", { class: "task-list" }, items.map((d) => disclosureCard(d)))];
}

function disclosureCard(d) {
  const titleId = uid("disc");
  const text = el("textarea", { name: "text", rows: "3", maxlength: "5000" });
  const submit = el("button", { type: "submit", class: "button button-primary" }, "Gửi ý kiến");
  const form = el(
    "form",
    { class: "task-actions", novalidate: true },
    field("Ý kiến của bạn", text, "Ý kiến được ghi kèm họ tên của bạn và chuyển tới Hội đồng."),
    el("div", { class: "actions" }, submit),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearError();
    if (!text.value.trim()) {
      showError({ message: "Vui lòng nhập nội dung ý kiến." });
      text.focus();
      return;
    }
    submit.disabled = true;
    try {
      await api(`/nominations/${encodeURIComponent(d.id)}/comments`, { method: "POST", json: { text: text.value.trim() } });
      setPendingNotice(`Đã gửi ý kiến về trường hợp ${d.nominee_name}.`);
      await route();
    } catch (error) {
      reportError(error);
      submit.disabled = false;
    }
  });
  return el(
    "li",
    { class: "card task task-disclosure", "aria-labelledby": titleId },
    el("h2", { id: titleId, class: "task-title" }, d.nominee_name),
    el(
      "dl",
      { class: "meta" },
      el("div", null, el("dt", null, "Hình thức"), el("dd", null, awardFormName(d.award_form))),
      el("div", null, el("dt", null, "Đơn vị đề nghị"), el("dd", null, unitName(d.proposing_unit_id))),
      el("div", null, el("dt", null, "Công khai đến"), el("dd", { class: "due" }, timeElement(d.disclosure_until))),
    ),
    form,
  );
}
