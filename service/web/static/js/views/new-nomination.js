/* Tạo đề nghị: a clerk's new nomination, with a preview of its route. */

import { charCounter } from "../counter.js";
import { dateInput, markInvalid, parseDate } from "../dates.js";
import { api } from "../api.js";
import { clearError, reportError, setPendingNotice, showError } from "../alerts.js";
import { loadAwardForms } from "../catalogue.js";
import { clear, el, field, options } from "../dom.js";
import { currentYear } from "../format.js";
import { labelCodes, nomineeKindLabel, periodKindLabel } from "../labels.js";
import { criteriaFromText, routeList } from "../nomination-parts.js";
import { clerkUnitIds, unitName } from "../session.js";

/** crypto.randomUUID() where the page is a secure context; the same v4 UUID from getRandomValues elsewhere. */
export function newIdempotencyKey() {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const ACHIEVEMENTS_LIMIT = 20000;

function nomineeDetails(kind, name, extra) {
  const nominee = { kind, name };
  for (const [key, value] of Object.entries(extra)) {
    const v = typeof value === "string" ? value.trim() : value;
    if (v) nominee[key] = v;
  }
  return nominee;
}

export async function renderCreate(stale) {
  const forms = await loadAwardForms();
  if (stale()) return null;
  const units = clerkUnitIds();
  if (!units.length) {
    return [el("h1", null, "Tạo đề nghị"), el("p", { class: "card empty" }, "Chỉ cán bộ thi đua của đơn vị mới được tạo hồ sơ đề nghị khen thưởng.")];
  }
  // One Idempotency-Key per form fill: a retry of the same submission reuses it.
  let idempotencyKey = newIdempotencyKey();

  const unit = options(el("select", { name: "proposing_unit_id", required: true }), units.map((id) => [String(id), unitName(id)]), String(units[0]));
  const award = options(el("select", { name: "award_form", required: true }), forms.map((f) => [f.code, f.name]), forms[0] ? forms[0].code : "");
  const nomineeKind = el("select", { name: "nominee_kind", required: true });
  const nomineeName = el("input", { type: "text", name: "nominee_name", required: true, maxlength: "300", autocomplete: "off" });
  // The details the dossier forms in force ask of a person (Mẫu báo cáo thành tích): position,
  // workplace, date of birth; a collective gives its address. Sent as the nominee's extra fields.
  const position = el("input", { type: "text", name: "position", maxlength: "200", autocomplete: "off" });
  const workplace = el("input", { type: "text", name: "workplace", maxlength: "300", autocomplete: "off" });
  const birthDate = dateInput({ name: "date_of_birth" });
  const personal = el("div", { class: "grid-2 nominee-personal" }, field("Chức vụ", position), field("Ngày sinh", birthDate, "dd/mm/yyyy"));
  const workplaceField = field("Nơi công tác / địa chỉ", workplace);
  const showPersonal = () => {
    personal.hidden = nomineeKind.value !== "individual";
  };
  nomineeKind.addEventListener("change", showPersonal);
  const periodKind = el("select", { name: "period_kind", required: true });
  const year = el("input", { type: "number", name: "year", required: true, min: "2000", max: "2100", inputmode: "numeric", value: String(currentYear()) });
  const achievements = el("textarea", { name: "achievements", rows: "6", required: true });
  const achievementsCount = charCounter(achievements, ACHIEVEMENTS_LIMIT);
  const criteria = el("textarea", { name: "criteria", rows: "4" });
  const routeBox = el("div", { class: "route-preview", "aria-live": "polite" });
  const submit = el("button", { type: "submit", class: "button button-primary" }, "Nộp hồ sơ");

  function fillKinds() {
    const form = forms.find((f) => f.code === award.value);
    const previousKind = nomineeKind.value;
    const previousPeriod = periodKind.value;
    clear(nomineeKind);
    clear(periodKind);
    const kinds = (form ? form.nominee_kinds : labelCodes("nominee_kinds")).map((k) => [k, nomineeKindLabel(k)]);
    const periods = (form ? form.periods : labelCodes("period_kinds")).map((k) => [k, periodKindLabel(k)]);
    options(nomineeKind, kinds, previousKind);
    options(periodKind, periods, previousPeriod);
  }

  let routeSeq = 0;
  async function loadRoute() {
    const seq = ++routeSeq;
    clear(routeBox);
    if (!award.value) return;
    routeBox.append(el("p", { class: "muted" }, "Đang tải quy trình…"));
    try {
      const steps = await api(`/award-forms/${encodeURIComponent(award.value)}/route?unit_id=${encodeURIComponent(unit.value)}`);
      if (seq !== routeSeq) return;
      clear(routeBox);
      routeBox.append(el("h2", null, "Quy trình xét duyệt"), routeList(steps, null, null));
      const days = steps.reduce((sum, s) => sum + (s.working_days || 0), 0);
      routeBox.append(el("p", { class: "muted small" }, `Tổng thời hạn dự kiến: ${days} ngày làm việc.`));
    } catch (error) {
      if (seq !== routeSeq) return;
      clear(routeBox);
      reportError(error);
    }
  }

  award.addEventListener("change", () => {
    fillKinds();
  showPersonal();
    loadRoute();
  });
  unit.addEventListener("change", loadRoute);
  fillKinds();

  const form = el(
    "form",
    { class: "card form create-form", novalidate: true, "aria-labelledby": "create-title" },
    units.length > 1 ? field("Đơn vị đề nghị", unit) : el("p", null, el("strong", null, "Đơn vị đề nghị: "), unitName(units[0])),
    field("Hình thức khen thưởng", award),
    routeBox,
    el(
      "fieldset",
      null,
      el("legend", null, "Đối tượng được đề nghị"),
      el("div", { class: "grid-2" }, field("Loại đối tượng", nomineeKind), field("Tên đối tượng", nomineeName)),
      personal,
      workplaceField,
    ),
    el("fieldset", null, el("legend", null, "Kỳ xét khen thưởng"), el("div", { class: "grid-2" }, field("Kỳ xét", periodKind), field("Năm", year))),
    field("Thành tích", achievements, "Tóm tắt thành tích đạt được (báo cáo thành tích)."),
    achievementsCount.node,
    field("Tiêu chuẩn đã đạt", criteria, "Mỗi dòng một tiêu chuẩn."),
    el("div", { class: "actions" }, submit, el("a", { href: "#/nominations", class: "button button-secondary" }, "Hủy")),
  );

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearError();
    const missing = [];
    const yearValue = Number(year.value);
    const checks = [
      [award, "Hình thức khen thưởng", !award.value],
      [nomineeName, "Tên đối tượng", !nomineeName.value.trim()],
      [year, "Năm (2000–2100)", !Number.isInteger(yearValue) || yearValue < 2000 || yearValue > 2100],
      [achievements, "Thành tích", !achievements.value.trim()],
    ];
    for (const [box, name, empty] of checks) {
      markInvalid(box, empty);
      if (empty) missing.push(name);
    }
    if (missing.length) {
      showError({ message: `Vui lòng nhập đủ: ${missing.join(", ")}.` });
      form.querySelector("[aria-invalid=true]").focus();
      return;
    }
    const born = birthDate.value.trim() ? parseDate(birthDate.value) : null;
    markInvalid(birthDate, Boolean(birthDate.value.trim()) && !born);
    if (birthDate.value.trim() && !born && !personal.hidden) {
      showError({ message: "Ngày sinh phải nhập theo dạng dd/mm/yyyy, ví dụ 05/09/1980." });
      birthDate.focus();
      return;
    }
    if (achievementsCount.tooLong()) {
      markInvalid(achievements, true);
      showError({ message: `Thành tích dài ${achievements.value.length.toLocaleString("vi-VN")} ký tự, vượt giới hạn ${ACHIEVEMENTS_LIMIT.toLocaleString("vi-VN")} ký tự: hãy rút gọn (chi tiết đưa vào tệp báo cáo thành tích đính kèm).` });
      achievements.focus();
      return;
    }
    const body = {
      award_form: award.value,
      proposing_unit_id: Number(unit.value),
      nominee: nomineeDetails(nomineeKind.value, nomineeName.value.trim(), {
        position: personal.hidden ? "" : position.value,
        date_of_birth: personal.hidden ? null : born,
        workplace: workplace.value,
      }),
      period: { kind: periodKind.value, year: yearValue },
      achievements: achievements.value.trim(),
      criteria: criteriaFromText(criteria.value),
    };
    submit.disabled = true;
    try {
      const created = await api("/nominations", { method: "POST", json: body, headers: { "Idempotency-Key": idempotencyKey } });
      setPendingNotice("Đã nộp hồ sơ đề nghị khen thưởng.");
      location.hash = `#/nominations/${created.id}`;
    } catch (error) {
      if (error && error.problem && error.problem.code === "idempotency_key_reused") {
        // This form's earlier submission was saved with other content: a new attempt needs a new key.
        idempotencyKey = newIdempotencyKey();
      }
      reportError(error);
      submit.disabled = false;
    }
  });

  loadRoute();
  return [el("h1", { id: "create-title" }, "Tạo đề nghị khen thưởng"), form];
}
