/* The proposing clerk's forms on a nomination's page: resubmit it after a return, or withdraw it. */

import { api } from "../api.js";
import { charCounter } from "../counter.js";
import { dateInput, markInvalid, parseDate } from "../dates.js";
import { clearError, reportError, setPendingNotice, showError } from "../alerts.js";
import { findAwardForm } from "../catalogue.js";
import { el, field, options } from "../dom.js";
import { labelCodes, nomineeKindLabel } from "../labels.js";
import { criteriaFromText } from "../nomination-parts.js";
import { route } from "../router.js";

const ACHIEVEMENTS_LIMIT = 20000;

/** `returned`: the latest return ({comment, step, actor}) from the history, shown beside the form. */
export function resubmitForm(n, returned) {
  const award = findAwardForm(n.award_form);
  const kinds = award ? award.nominee_kinds : labelCodes("nominee_kinds");
  const nomineeKind = options(el("select", { name: "nominee_kind" }), kinds.map((k) => [k, nomineeKindLabel(k)]), n.nominee.kind);
  const nomineeName = el("input", { type: "text", name: "nominee_name", maxlength: "300", value: n.nominee.name });
  // The details the dossier forms ask of a person (position, date of birth) and its workplace or
  // address, to correct with the rest of the dossier.
  const position = el("input", { type: "text", name: "position", maxlength: "200", autocomplete: "off", value: n.nominee.position || "" });
  const workplace = el("input", { type: "text", name: "workplace", maxlength: "300", autocomplete: "off", value: n.nominee.workplace || "" });
  const birthDate = dateInput({ name: "date_of_birth" }, n.nominee.date_of_birth || "");
  const personal = el("div", { class: "grid-2 grid-even nominee-personal" }, field("Chức vụ", position), field("Ngày sinh", birthDate, "dd/mm/yyyy"));
  const showPersonal = () => {
    personal.hidden = nomineeKind.value !== "individual";
  };
  nomineeKind.addEventListener("change", showPersonal);
  showPersonal();
  const achievements = el("textarea", { name: "achievements", rows: "6" });
  achievements.value = n.achievements;
  const achievementsCount = charCounter(achievements, ACHIEVEMENTS_LIMIT);
  const originalCriteria = n.criteria.map((c) => c.text).join("\n");
  const criteria = el("textarea", { name: "criteria", rows: "4" });
  criteria.value = originalCriteria;
  const comment = el("textarea", { name: "comment", rows: "2", maxlength: "20000" });
  const submit = el("button", { type: "submit", class: "button button-primary" }, "Nộp lại hồ sơ");
  const form = el(
    "form",
    { class: "card form", "aria-labelledby": "resubmit-title", novalidate: true },
    el("h2", { id: "resubmit-title" }, "Chỉnh sửa và nộp lại"),
    returned
      ? el("div", { class: "return-reason", role: "note" }, el("strong", null, "Lý do trả lại"), returned.by ? el("span", { class: "muted small" }, ` (${returned.by})`) : null, ": ", returned.comment || "không ghi lý do.")
      : null,
    el("div", { class: "grid-2" }, field("Loại đối tượng", nomineeKind), field("Tên đối tượng", nomineeName)),
    personal,
    field("Nơi công tác / địa chỉ", workplace),
    field("Thành tích", achievements),
    achievementsCount.node,
    field("Tiêu chuẩn đã đạt", criteria, "Mỗi dòng một tiêu chuẩn."),
    field("Ý kiến giải trình", comment),
    el("div", { class: "actions" }, submit),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearError();
    const body = { comment: comment.value.trim() || null };
    const name = nomineeName.value.trim();
    markInvalid(nomineeName, !name);
    markInvalid(achievements, !achievements.value.trim());
    if (!name || !achievements.value.trim()) {
      showError({ message: "Tên đối tượng và thành tích không được để trống." });
      return;
    }
    const born = birthDate.value.trim() ? parseDate(birthDate.value) : null;
    markInvalid(birthDate, !personal.hidden && Boolean(birthDate.value.trim()) && !born);
    if (!personal.hidden && birthDate.value.trim() && !born) {
      showError({ message: "Ngày sinh phải nhập theo dạng dd/mm/yyyy, ví dụ 05/09/1980." });
      birthDate.focus();
      return;
    }
    if (achievementsCount.tooLong()) {
      markInvalid(achievements, true);
      showError({ message: `Thành tích vượt giới hạn ${ACHIEVEMENTS_LIMIT.toLocaleString("vi-VN")} ký tự: hãy rút gọn.` });
      achievements.focus();
      return;
    }
    const nominee = {
      ...n.nominee,
      kind: nomineeKind.value,
      name,
      position: personal.hidden ? "" : position.value.trim(),
      date_of_birth: personal.hidden ? null : born,
      workplace: workplace.value.trim(),
    };
    const before = { position: n.nominee.position || "", date_of_birth: n.nominee.date_of_birth || null, workplace: n.nominee.workplace || "" };
    if (name !== n.nominee.name || nomineeKind.value !== n.nominee.kind || ["position", "date_of_birth", "workplace"].some((k) => (nominee[k] || null) !== (before[k] || null))) {
      body.nominee = nominee;
    }
    if (achievements.value.trim() !== n.achievements) body.achievements = achievements.value.trim();
    if (criteria.value.trim() !== originalCriteria.trim()) body.criteria = criteriaFromText(criteria.value);
    submit.disabled = true;
    try {
      await api(`/nominations/${encodeURIComponent(n.id)}/resubmit`, { method: "POST", json: body });
      setPendingNotice("Đã nộp lại hồ sơ.");
      await route();
    } catch (error) {
      reportError(error);
      submit.disabled = false;
    }
  });
  return form;
}

export function withdrawForm(n) {
  const reason = el("textarea", { name: "reason", rows: "2", maxlength: "20000" });
  const submit = el("button", { type: "submit", class: "button button-danger" }, "Rút hồ sơ");
  const form = el(
    "form",
    { class: "card form", "aria-labelledby": "withdraw-title", novalidate: true },
    el("h2", { id: "withdraw-title" }, "Rút hồ sơ"),
    field("Lý do rút hồ sơ", reason, "Hồ sơ đã rút sẽ không được xét tiếp."),
    el("div", { class: "actions" }, submit),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearError();
    if (!window.confirm("Rút hồ sơ này? Hồ sơ đã rút sẽ không được xét tiếp.")) return;
    submit.disabled = true;
    try {
      await api(`/nominations/${encodeURIComponent(n.id)}/withdraw`, { method: "POST", json: { reason: reason.value.trim() || null } });
      setPendingNotice("Đã rút hồ sơ.");
      await route();
    } catch (error) {
      reportError(error);
      submit.disabled = false;
    }
  });
  return form;
}
