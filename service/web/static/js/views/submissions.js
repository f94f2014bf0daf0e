/* Tờ trình (danh sách): a clerk proposes a unit's whole list in one submission letter, typed in an
 * editable table or uploaded as the Excel template; errors are shown by row and column; then a
 * progress bar while each nominee's workflow starts, and the letter's page (PDF/DOCX, statuses).
 * Also the lists the user sees. */

import { api, download } from "../api.js";
import { clearError, reportError, setPendingNotice, showError } from "../alerts.js";
import { awardFormName, loadAwardForms } from "../catalogue.js";
import { markInvalid, parseDate } from "../dates.js";
import { clear, el, field, options } from "../dom.js";
import { currentYear, timeElement } from "../format.js";
import { labelCodes, nomineeKindLabel, periodKindLabel } from "../labels.js";
import { statusBadge } from "../nomination-parts.js";
import { clerkUnitIds, isClerk, unitName } from "../session.js";
import { state } from "../state.js";
import { newIdempotencyKey } from "./new-nomination.js";

const MAX_ROWS = 2000;
const POLL_MS = 1500;
// The editable table's columns: the field an error names, its header, how it is typed.
const COLUMNS = [
  { key: "nominee.kind", label: "Loại đối tượng" },
  { key: "nominee.name", label: "Họ và tên / Tên tập thể", maxlength: 300 },
  { key: "nominee.position", label: "Chức vụ", maxlength: 200 },
  { key: "nominee.workplace", label: "Đơn vị công tác / Địa chỉ", maxlength: 300 },
  { key: "nominee.date_of_birth", label: "Ngày sinh (dd/mm/yyyy)", maxlength: 10 },
  { key: "achievements", label: "Tóm tắt thành tích", textarea: true },
  { key: "criteria", label: "Mã tiêu chuẩn (cách nhau bởi ;)", maxlength: 1000 },
];

const numberSymbol = (s) => `${String(s.number).padStart(2, "0")}/${s.symbol}`;

/** One row of the editable table: its inputs by field, and the entry they make (null when empty). */
function editableRow(kinds, onRemove) {
  const inputs = {};
  const cells = COLUMNS.map((c) => {
    let control;
    if (c.key === "nominee.kind") {
      control = options(el("select", { "aria-label": c.label }), kinds.map((k) => [k, nomineeKindLabel(k)]), kinds[0]);
    } else if (c.textarea) {
      control = el("textarea", { rows: "2", "aria-label": c.label });
    } else {
      control = el("input", { type: "text", maxlength: String(c.maxlength), autocomplete: "off", "aria-label": c.label, placeholder: c.key === "nominee.date_of_birth" ? "dd/mm/yyyy" : undefined });
    }
    inputs[c.key] = control;
    return el("td", { "data-field": c.key }, control);
  });
  const number = el("td", { class: "num" });
  const remove = el("button", { type: "button", class: "button button-secondary button-small" }, "Xoá");
  const tr = el("tr", null, number, cells, el("td", null, remove));
  remove.addEventListener("click", () => onRemove(row));
  const row = {
    tr,
    inputs,
    setNumber(n) {
      number.textContent = String(n);
      remove.setAttribute("aria-label", `Xoá dòng ${n}`);
    },
    isEmpty() {
      return COLUMNS.every((c) => c.key === "nominee.kind" || !inputs[c.key].value.trim());
    },
    /** The entry as the API takes it; `bad` lists what the page can tell before sending. */
    entry(bad) {
      const v = (key) => inputs[key].value.trim();
      const nominee = { kind: v("nominee.kind"), name: v("nominee.name") };
      if (v("nominee.position")) nominee.position = v("nominee.position");
      if (v("nominee.workplace")) nominee.workplace = v("nominee.workplace");
      if (v("nominee.date_of_birth")) {
        const born = parseDate(v("nominee.date_of_birth"));
        if (born) nominee.date_of_birth = born;
        else bad.push("nominee.date_of_birth");
      }
      const codes = [...new Set(v("criteria").split(/[;\n]/).map((x) => x.trim().toUpperCase()).filter(Boolean))];
      return { nominee, achievements: v("achievements"), codes };
    },
    mark(fieldKey, invalid) {
      const control = inputs[fieldKey] || inputs[fieldKey.split(".").slice(0, 2).join(".")] || inputs[fieldKey.split(".")[0]];
      if (control) markInvalid(control, invalid);
      return control;
    },
  };
  return row;
}

/** The errors of a refused list: a table of row, column and reason, worded by the server. */
function errorTable(errors, rowLabel) {
  return el(
    "div",
    { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Các dòng không hợp lệ" },
    el(
      "table",
      { class: "table table-compact row-errors" },
      el("caption", null, `Các dòng không hợp lệ (${new Set(errors.map((e) => e.row)).size})`),
      el("thead", null, el("tr", null, [rowLabel, "Cột", "Lỗi"].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", null, errors.map((e) => el("tr", null, el("td", { class: "num" }, String(e.row)), el("td", null, e.column || columnLabel(e.field)), el("td", null, e.detail)))),
    ),
  );
}

function columnLabel(fieldKey) {
  const found = COLUMNS.find((c) => fieldKey === c.key || fieldKey.startsWith(`${c.key}.`));
  return found ? found.label : fieldKey || "—";
}

/** #/submissions/new: "Lập tờ trình (danh sách)". */
export async function renderNewSubmission(stale) {
  const forms = await loadAwardForms();
  if (stale()) return null;
  const title = el("h1", { id: "submission-title" }, "Lập tờ trình (danh sách)");
  const units = clerkUnitIds();
  if (!units.length) {
    return [title, el("p", { class: "card empty" }, "Chỉ cán bộ thi đua của đơn vị mới được lập tờ trình đề nghị khen thưởng.")];
  }
  let idempotencyKey = newIdempotencyKey();
  const unit = options(el("select", { name: "proposing_unit_id", required: true }), units.map((id) => [String(id), unitName(id)]), String(units[0]));
  const award = options(el("select", { name: "award_form", required: true }), forms.map((f) => [f.code, f.name]), forms[0] ? forms[0].code : "");
  const periodKind = el("select", { name: "period_kind", required: true });
  const year = el("input", { type: "number", name: "period_year", required: true, min: "2000", max: "2100", inputmode: "numeric", value: String(currentYear()) });
  const onlyValid = el("input", { type: "checkbox", name: "only_valid", id: "only-valid" });
  const modeTable = el("input", { type: "radio", name: "mode", value: "table", id: "mode-table", checked: true });
  const modeFile = el("input", { type: "radio", name: "mode", value: "file", id: "mode-file" });
  const file = el("input", { type: "file", name: "file", accept: ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" });
  const templateLink = el("button", { type: "button", class: "button button-secondary", id: "download-template" }, "Tải tệp mẫu (Excel)");
  const errorsBox = el("div", { id: "submission-errors", "aria-live": "polite" });
  const submit = el("button", { type: "submit", class: "button button-primary" }, "Nộp tờ trình");
  const tbody = el("tbody");
  const rows = [];

  const currentForm = () => forms.find((f) => f.code === award.value);
  const kindsOfForm = () => (currentForm() ? currentForm().nominee_kinds : labelCodes("nominee_kinds"));
  function renumber() {
    rows.forEach((r, i) => r.setNumber(i + 1));
  }
  function removeRow(row) {
    if (rows.length === 1) {
      for (const control of Object.values(row.inputs)) if (control.tagName !== "SELECT") control.value = "";
      return;
    }
    rows.splice(rows.indexOf(row), 1);
    row.tr.remove();
    renumber();
  }
  function addRow() {
    if (rows.length >= MAX_ROWS) {
      showError({ message: `Một tờ trình có tối đa ${MAX_ROWS.toLocaleString("vi-VN")} dòng.` });
      return null;
    }
    const row = editableRow(kindsOfForm(), removeRow);
    rows.push(row);
    tbody.append(row.tr);
    renumber();
    return row;
  }
  function fillPeriods() {
    const previous = periodKind.value;
    clear(periodKind);
    const periods = currentForm() ? currentForm().periods : labelCodes("period_kinds");
    options(periodKind, periods.map((k) => [k, periodKindLabel(k)]), previous);
  }
  award.addEventListener("change", () => {
    fillPeriods();
    // The kinds a form takes differ: each row's list follows the form.
    for (const r of rows) {
      const select = r.inputs["nominee.kind"];
      const previous = select.value;
      clear(select);
      options(select, kindsOfForm().map((k) => [k, nomineeKindLabel(k)]), previous);
    }
  });
  fillPeriods();
  for (let i = 0; i < 3; i += 1) addRow();
  const addButton = el("button", { type: "button", class: "button button-secondary", id: "add-row" }, "Thêm dòng");
  addButton.addEventListener("click", () => {
    const row = addRow();
    if (row) row.inputs["nominee.name"].focus();
  });
  templateLink.addEventListener("click", async () => {
    clearError();
    try {
      await download(`/submissions/template.xlsx?award_form=${encodeURIComponent(award.value)}`, `mau-danh-sach-${award.value.toLowerCase()}.xlsx`);
    } catch (error) {
      reportError(error);
    }
  });

  const tablePart = el(
    "div",
    { id: "table-part" },
    el(
      "div",
      { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Danh sách đối tượng đề nghị" },
      el(
        "table",
        { class: "table editable-list" },
        el("caption", { class: "visually-hidden" }, "Danh sách đối tượng đề nghị khen thưởng"),
        el("thead", null, el("tr", null, el("th", { scope: "col" }, "STT"), COLUMNS.map((c) => el("th", { scope: "col" }, c.label)), el("th", { scope: "col" }, "Xoá"))),
        tbody,
      ),
    ),
    el("div", { class: "actions" }, addButton, el("span", { class: "muted small" }, "Dòng để trống được bỏ qua. Mã tiêu chuẩn xem trong tệp mẫu (trang «Tiêu chuẩn»).")),
  );
  const filePart = el(
    "div",
    { id: "file-part", hidden: true },
    field("Tệp Excel (.xlsx) theo mẫu", file, "Dùng tệp mẫu của hình thức khen thưởng đã chọn: mỗi dòng một đối tượng; dòng «Ví dụ» được bỏ qua."),
  );
  for (const radio of [modeTable, modeFile]) {
    radio.addEventListener("change", () => {
      tablePart.hidden = !modeTable.checked;
      filePart.hidden = !modeFile.checked;
      clear(errorsBox);
    });
  }

  const form = el(
    "form",
    { class: "card form submission-form", novalidate: true, "aria-labelledby": "submission-title" },
    el(
      "div",
      { class: "grid-2 grid-even" },
      units.length > 1 ? field("Đơn vị đề nghị", unit) : el("p", null, el("strong", null, "Đơn vị đề nghị: "), unitName(units[0])),
      field("Hình thức khen thưởng", award),
      field("Kỳ xét", periodKind),
      field("Năm", year),
    ),
    el(
      "fieldset",
      { class: "mode-choice" },
      el("legend", null, "Cách nhập danh sách"),
      el("label", { for: "mode-table" }, modeTable, " Nhập trực tiếp vào bảng"),
      el("label", { for: "mode-file" }, modeFile, " Tải lên tệp Excel"),
      templateLink,
    ),
    tablePart,
    filePart,
    el("label", { for: "only-valid", class: "checkbox-line" }, onlyValid, " Chỉ nộp các dòng hợp lệ (các dòng lỗi được liệt kê và bỏ qua)"),
    errorsBox,
    el("div", { class: "actions" }, submit, el("a", { href: "#/submissions", class: "button button-secondary" }, "Các tờ trình đã lập")),
  );

  /** Errors by row (the table's STT, or the Excel row): listed, and the table's cells highlighted. */
  function showRowErrors(errors, fromTable) {
    clear(errorsBox);
    for (const r of rows) for (const c of COLUMNS) r.mark(c.key, false);
    if (!errors.length) return;
    errorsBox.append(errorTable(errors, fromTable ? "Dòng" : "Dòng (Excel)"));
    if (!fromTable) return;
    let first = null;
    for (const e of errors) {
      const row = rows[e.row - 1];
      const control = row ? row.mark(e.field, true) : null;
      first = first || control;
    }
    if (first) first.focus();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearError();
    const yearValue = Number(year.value);
    markInvalid(year, !Number.isInteger(yearValue) || yearValue < 2000 || yearValue > 2100);
    if (year.getAttribute("aria-invalid")) {
      showError({ message: "Năm phải là số từ 2000 đến 2100." });
      year.focus();
      return;
    }
    const head = { award_form: award.value, proposing_unit_id: Number(unit.value), period: { kind: periodKind.value, year: yearValue }, only_valid: onlyValid.checked };
    const fromTable = !modeFile.checked;
    let request;
    // The API numbers a typed list's entries 1, 2, 3 … in the order sent; the page shows the table's STT.
    let sent = [];
    let local = [];
    if (!fromTable) {
      const chosen = file.files && file.files[0];
      markInvalid(file, !chosen);
      if (!chosen) {
        showError({ message: "Hãy chọn tệp Excel (.xlsx) danh sách." });
        file.focus();
        return;
      }
      const body = new FormData();
      body.append("award_form", head.award_form);
      body.append("proposing_unit_id", String(head.proposing_unit_id));
      body.append("period_kind", head.period.kind);
      body.append("period_year", String(head.period.year));
      body.append("only_valid", head.only_valid ? "true" : "false");
      body.append("file", chosen, chosen.name);
      request = { method: "POST", multipart: body };
    } else {
      const filled = rows.filter((r) => !r.isEmpty());
      if (!filled.length) {
        showError({ message: "Danh sách chưa có đối tượng nào: hãy nhập ít nhất một dòng." });
        rows[0].inputs["nominee.name"].focus();
        return;
      }
      // What only the page can check (the date's format, the criteria codes of the form); the server checks the rest.
      const formDef = currentForm();
      const entries = new Map();
      for (const r of filled) {
        const stt = rows.indexOf(r) + 1;
        const bad = [];
        const entry = r.entry(bad);
        for (const f of bad) local.push({ row: stt, field: f, detail: "Ngày sinh phải nhập theo dạng dd/mm/yyyy, ví dụ 05/09/1980." });
        const known = new Map(((formDef && formDef.criteria && formDef.criteria[entry.nominee.kind]) || []).map((c) => [c.code, c.text]));
        const unknown = entry.codes.filter((code) => !known.has(code));
        if (unknown.length) local.push({ row: stt, field: "criteria", detail: `Mã tiêu chuẩn ${unknown.join(", ")} không có trong danh mục của hình thức này cho loại đối tượng đã chọn.` });
        entries.set(r, { nominee: entry.nominee, achievements: entry.achievements, criteria: entry.codes.filter((code) => known.has(code)).map((code) => ({ code, text: known.get(code), met: true })) });
      }
      if (local.length && !onlyValid.checked) {
        showRowErrors(local, true);
        showError({ message: `Có ${new Set(local.map((e) => e.row)).size} dòng chưa đúng; hãy sửa các ô được tô đỏ.` });
        return;
      }
      const wrong = new Set(local.map((e) => e.row));
      sent = filled.filter((r) => !wrong.has(rows.indexOf(r) + 1));
      if (!sent.length) {
        showRowErrors(local, true);
        showError({ message: "Không có dòng hợp lệ nào để nộp." });
        return;
      }
      request = { method: "POST", json: { ...head, nominees: sent.map((r) => entries.get(r)) } };
    }
    // The server's rows of a typed list, renumbered as the table's STT.
    const asTable = (errors) => (fromTable ? errors.map((e) => ({ ...e, row: sent[e.row - 1] ? rows.indexOf(sent[e.row - 1]) + 1 : e.row })) : errors);
    submit.disabled = true;
    try {
      const created = await api("/submissions", { ...request, headers: { "Idempotency-Key": idempotencyKey } });
      const rejected = [...local, ...asTable(created.rejected || [])].sort((a, b) => a.row - b.row);
      state.submissionRejected = rejected.length ? { id: created.id, errors: rejected, fromTable } : null;
      const done = `Đã nộp Tờ trình số ${created.number_symbol} với ${created.total} hồ sơ`;
      const skipped = new Set(rejected.map((e) => e.row)).size;
      setPendingNotice(skipped ? `${done}; ${skipped} dòng không hợp lệ đã bị bỏ qua.` : `${done}.`, skipped ? "warn" : undefined);
      location.hash = `#/submissions/${created.id}`;
    } catch (error) {
      submit.disabled = false;
      const problem = error && error.problem;
      if (problem && problem.code === "idempotency_key_reused") idempotencyKey = newIdempotencyKey();
      if (problem && Array.isArray(problem.errors) && problem.errors.length && "row" in problem.errors[0]) {
        showRowErrors([...local, ...asTable(problem.errors)].sort((a, b) => a.row - b.row), fromTable);
        showError({ message: problem.detail });
        return;
      }
      reportError(error);
    }
  });

  return [
    el("div", { class: "page-head" }, title),
    el("p", { class: "muted" }, "Đề nghị khen thưởng nhiều đối tượng trong một tờ trình: mỗi đối tượng thành một hồ sơ với quy trình xét duyệt riêng; số tờ trình được cấp tự động theo sổ của đơn vị."),
    form,
  ];
}

/** The progress of a letter's workflows and its nominations' table, refreshed until all have started. */
function progressPart(s) {
  const bar = el("progress", { max: String(s.total), value: String(s.started), id: "submission-progress", "aria-label": "Tiến độ khởi động quy trình" });
  const label = el("span", { class: "muted", role: "status" });
  const tbody = el("tbody");
  function fill(current) {
    bar.max = current.total;
    bar.value = current.started;
    label.textContent =
      current.started >= current.total
        ? `Đã khởi động quy trình xét duyệt cho cả ${current.total} hồ sơ.`
        : `Đang khởi động quy trình xét duyệt: ${current.started}/${current.total} hồ sơ…`;
    clear(tbody);
    current.nominations.forEach((n, i) =>
      tbody.append(
        el(
          "tr",
          null,
          el("td", { class: "num" }, String(i + 1)),
          el("td", null, el("a", { href: `#/nominations/${n.id}` }, n.nominee_name)),
          el("td", null, nomineeKindLabel(n.nominee_kind)),
          el("td", null, n.started ? statusBadge(n.status) : el("span", { class: "muted" }, "Đang khởi động")),
          el("td", null, n.current_step_name || "—"),
        ),
      ),
    );
  }
  fill(s);
  async function poll() {
    if (!bar.isConnected) return; // the user went to another page
    try {
      const current = await api(`/submissions/${encodeURIComponent(s.id)}`);
      if (!bar.isConnected) return;
      fill(current);
      if (current.started < current.total) setTimeout(poll, POLL_MS);
    } catch (error) {
      if (bar.isConnected) reportError(error);
    }
  }
  if (s.started < s.total) setTimeout(poll, POLL_MS);
  const table = el(
    "div",
    { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Hồ sơ của tờ trình" },
    el(
      "table",
      { class: "table" },
      el("caption", null, `Danh sách đối tượng (${s.total})`),
      el("thead", null, el("tr", null, ["STT", "Đối tượng", "Loại", "Trạng thái", "Bước hiện tại"].map((h) => el("th", { scope: "col" }, h)))),
      tbody,
    ),
  );
  return [el("div", { class: "card progress-card" }, bar, label), table];
}

/** #/submissions/{id}: the letter, its documents and its nominations' progress. */
export async function renderSubmission(id, stale) {
  const s = await api(`/submissions/${encodeURIComponent(id)}`);
  if (stale()) return null;
  const rejected = state.submissionRejected && state.submissionRejected.id === s.id ? state.submissionRejected : null;
  state.submissionRejected = null;
  const number = String(s.number).padStart(2, "0");
  const dl = (kind, label) => {
    const b = el("button", { type: "button", class: `button ${kind === "pdf" ? "button-primary" : "button-secondary"}`, "data-download": kind }, label);
    b.addEventListener("click", async () => {
      clearError();
      try {
        await download(`/submissions/${encodeURIComponent(s.id)}/letter.${kind}`, `to-trinh-${number}-${s.year}.${kind}`);
      } catch (error) {
        reportError(error);
      }
    });
    return b;
  };
  return [
    el("div", { class: "page-head" }, el("div", null, el("p", { class: "eyebrow" }, "Tờ trình đề nghị khen thưởng"), el("h1", null, `Tờ trình số ${numberSymbol(s)}`))),
    el(
      "dl",
      { class: "card facts" },
      el("dt", null, "Đơn vị đề nghị"), el("dd", null, s.proposing_unit.name),
      el("dt", null, "Hình thức khen thưởng"), el("dd", null, s.award_form_name || awardFormName(s.award_form)),
      el("dt", null, "Kỳ xét"), el("dd", null, `${periodKindLabel(s.period.kind)} – năm ${s.period.year}`),
      el("dt", null, "Số hồ sơ"), el("dd", null, String(s.total)),
      el("dt", null, "Nguồn"), el("dd", null, s.source === "xlsx" ? "Tệp Excel" : "Nhập trực tiếp"),
      el("dt", null, "Người lập"), el("dd", null, s.created_by),
      el("dt", null, "Ngày lập"), el("dd", null, timeElement(s.created_at)),
    ),
    el("div", { class: "actions" }, dl("pdf", "Tải tờ trình (PDF)"), dl("docx", "Tải tờ trình (DOCX)")),
    rejected ? el("section", { class: "card" }, el("h2", null, "Các dòng không được nộp"), errorTable(rejected.errors, rejected.fromTable ? "Dòng" : "Dòng (Excel)")) : null,
    progressPart(s),
  ];
}

/** #/submissions: the letters the user sees, newest first. */
export async function renderSubmissions(params, stale) {
  await loadAwardForms();
  const page = await api("/submissions?limit=100");
  if (stale()) return null;
  const head = el(
    "div",
    { class: "page-head" },
    el("h1", null, "Tờ trình đề nghị khen thưởng"),
    isClerk() ? el("a", { href: "#/submissions/new", class: "button button-primary" }, "Lập tờ trình (danh sách)") : null,
  );
  if (!page.items.length) return [head, el("p", { class: "card empty" }, "Chưa có tờ trình nào.")];
  const rows = page.items.map((s) =>
    el(
      "tr",
      null,
      el("td", { class: "nowrap" }, el("a", { href: `#/submissions/${s.id}` }, numberSymbol(s))),
      el("td", null, s.proposing_unit.name),
      el("td", null, s.award_form_name || awardFormName(s.award_form)),
      el("td", null, `${periodKindLabel(s.period.kind)} ${s.period.year}`),
      el("td", { class: "num" }, `${s.started}/${s.total}`),
      el("td", null, timeElement(s.created_at)),
    ),
  );
  return [
    head,
    el("p", { class: "muted count" }, `${page.total_capped ? "Hơn " : ""}${page.total} tờ trình`),
    el(
      "div",
      { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Tờ trình" },
      el(
        "table",
        { class: "table" },
        el("caption", { class: "visually-hidden" }, "Tờ trình đề nghị khen thưởng"),
        el("thead", null, el("tr", null, ["Số", "Đơn vị đề nghị", "Hình thức khen thưởng", "Kỳ xét", "Đã khởi động / số hồ sơ", "Ngày lập"].map((h) => el("th", { scope: "col" }, h)))),
        el("tbody", null, rows),
      ),
    ),
  ];
}
