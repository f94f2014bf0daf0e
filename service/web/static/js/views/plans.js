/* Plans (Kế hoạch): every plan the user may see with its source document and status; a plan's page
 * with its calendar to 2030 (report deadlines, reminders, the 2025 and 2030 review windows), the
 * year's report status per unit with the consolidated view (each unit's files to download), the
 * unit's report form (text, figures and files, uploaded as they are chosen), and for its
 * administrators the amendment (with the version read, so that a concurrent change is refused). */

import { api, download } from "../api.js";
import { clearError, reportError, setPendingNotice, showError, showNotice } from "../alerts.js";
import { el, field, options } from "../dom.js";
import { currentYear, formatDate, formatDateTime, timeElement } from "../format.js";
import { label } from "../labels.js";
import { route } from "../router.js";
import { hasRole, unitName } from "../session.js";
import { state } from "../state.js";
import { workflowLinks } from "../temporal.js";
import { checkFile, formatSize, TYPES } from "./attachments.js";

const LAST_YEAR = 2030;

function planStatus(p, year) {
  if (year < p.period_start) return ["Chưa bắt đầu", "status-returned"];
  if (year > p.period_end) return ["Đã kết thúc", "status-withdrawn"];
  return ["Đang thực hiện", "status-in_progress"];
}

function source(p) {
  const s = (p.definition && p.definition.source) || null;
  return [p.number ? `Số ${p.number}` : null, p.issued_on ? `ngày ${formatDate(p.issued_on)}` : null, s && s.document ? s.document : null]
    .filter(Boolean)
    .join(", ");
}

export async function renderPlans(stale) {
  const plans = await api("/plans");
  if (stale()) return null;
  const year = currentYear();
  const rows = plans.map((p) => {
    const [status, cls] = planStatus(p, year);
    return el(
      "tr",
      { class: "plan-row" },
      el("td", { "data-label": "Kế hoạch" }, el("a", { href: `#/plans/${encodeURIComponent(p.id)}` }, p.title), el("div", { class: "muted small" }, [p.number ? `Số ${p.number}` : null, p.issued_on ? `ngày ${formatDate(p.issued_on)}` : null].filter(Boolean).join(", "))),
      el("td", { "data-label": "Văn bản nguồn" }, el("code", { class: "small" }, p.source_file)),
      el("td", { class: "nowrap", "data-label": "Giai đoạn" }, `${p.period_start}–${p.period_end}`),
      el("td", { class: "num", "data-label": "Phiên bản" }, String(p.version)),
      el("td", { "data-label": "Trạng thái" }, el("span", { class: `badge ${cls}` }, status)),
    );
  });
  return [
    el("h1", null, "Kế hoạch thi đua"),
    plans.length
      ? el(
          "div",
          { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Danh sách kế hoạch" },
          el(
            "table",
            { class: "table plans stack-narrow" },
            el("caption", { class: "visually-hidden" }, "Các kế hoạch thi đua"),
            el("thead", null, el("tr", null, ["Kế hoạch", "Văn bản nguồn", "Giai đoạn", "Phiên bản", "Trạng thái"].map((h) => el("th", { scope: "col" }, h)))),
            el("tbody", null, rows),
          ),
        )
      : el("p", { class: "muted" }, "Không có kế hoạch nào trong phạm vi của bạn."),
  ];
}

export async function renderPlan(id, params, stale) {
  const path = `/plans/${encodeURIComponent(id)}`;
  const plan = await api(path);
  const thisYear = currentYear();
  const year = Number(params.get("year")) || Math.min(Math.max(thisYear, plan.period_start), plan.period_end);
  const from = `${plan.period_start}-01-01`;
  const to = `${Math.min(plan.period_end, LAST_YEAR) + 1}-01-01`;
  const [calendar, reports] = await Promise.all([api(`${path}/calendar?from=${from}&to=${to}`), api(`${path}/reports?year=${year}`)]);
  if (stale()) return null;
  const [status, cls] = planStatus(plan, thisYear);
  const s = plan.definition.source || {};
  const facts = el(
    "dl",
    { class: "facts" },
    fact("Văn bản", source(plan) || "—"),
    fact("Tệp nguồn", el("code", null, plan.source_file)),
    s.implements ? fact("Thực hiện", s.implements) : null,
    fact("Giai đoạn", `${plan.period_start}–${plan.period_end}`),
    fact("Phiên bản", String(plan.version)),
    fact("Trạng thái", el("span", { class: `badge ${cls}` }, status)),
    fact("Quy trình", workflowLinks("plans", plan.id, plan.workflow_id)),
  );
  const windows = plan.milestones.length
    ? el(
        "ul",
        { class: "milestones" },
        plan.milestones.map((m) =>
          el("li", { class: m.open_now ? "milestone open" : "milestone" }, el("strong", null, m.name), ` (${label("period_kinds", m.period_kind)} ${m.year}): `, formatDateTime(m.opens_at), " – ", formatDateTime(m.closes_at), m.open_now ? el("span", { class: "badge status-in_progress" }, "Đang mở") : null),
        ),
      )
    : el("p", { class: "muted" }, "Kế hoạch không có đợt sơ kết, tổng kết.");
  return [
    el("p", { class: "breadcrumb" }, el("a", { href: "#/plans" }, "‹ Danh sách kế hoạch")),
    el("div", { class: "page-head" }, el("div", null, el("p", { class: "eyebrow" }, "Kế hoạch thi đua"), el("h1", null, plan.title))),
    el(
      "div",
      { class: "detail-grid" },
      el(
        "div",
        { class: "detail-main" },
        el("section", { class: "card", "aria-labelledby": "plan-facts" }, el("h2", { id: "plan-facts" }, "Thông tin kế hoạch"), facts, el("h3", null, "Đợt sơ kết, tổng kết"), windows),
        reportForm(plan, year, reports),
        amendForm(plan),
      ),
      el("div", { class: "detail-side" }, timeline(calendar.items, thisYear)),
    ),
    reportSection(plan, year, reports),
  ];
}

function fact(name, value) {
  return el("div", null, el("dt", null, name), el("dd", null, value));
}

/** The calendar as a timeline, one group per year; what has passed is greyed, the next is marked. */
function timeline(items, thisYear) {
  const now = Date.now();
  const next = items.find((i) => new Date(i.at).getTime() >= now);
  const years = new Map();
  for (const item of items) {
    const y = Number(formatDateTime(item.at).slice(6, 10));
    if (!years.has(y)) years.set(y, []);
    years.get(y).push(item);
  }
  return el(
    "section",
    { class: "card plan-calendar", "aria-labelledby": "calendar-title" },
    el("h2", { id: "calendar-title" }, `Lịch thực hiện đến năm ${LAST_YEAR}`),
    el("p", { class: "muted small" }, "Giờ Việt Nam (Asia/Ho_Chi_Minh)."),
    items.length
      ? [...years.entries()].map(([y, list]) =>
          el(
            "details",
            { class: "calendar-year", open: y === thisYear || (next && list.includes(next)) ? true : undefined },
            el("summary", null, `Năm ${y}`, el("span", { class: "muted small" }, ` · ${list.length} mốc`)),
            el(
              "ol",
              { class: "timeline plan-timeline" },
              list.map((i) =>
                el(
                  "li",
                  { class: `event plan-event kind-${i.kind}${new Date(i.at).getTime() < now ? " past" : ""}${i === next ? " next" : ""}` },
                  el("div", { class: "event-head" }, timeElement(i.at), " ", el("span", { class: `badge kind-${i.kind}` }, label("plan_event_kinds", i.kind)), i === next ? el("strong", { class: "next-mark" }, " Sắp tới") : null),
                  el("div", { class: "small" }, i.label),
                ),
              ),
            ),
          ),
        )
      : el("p", { class: "muted" }, "Không có mốc nào trong giai đoạn này."),
  );
}

function reportSection(plan, year, reports) {
  const years = [];
  for (let y = plan.period_start; y <= plan.period_end; y += 1) years.push([String(y), `Năm ${y}`]);
  const pick = options(el("select", { name: "year" }), years, String(year));
  pick.addEventListener("change", () => {
    location.hash = `#/plans/${encodeURIComponent(plan.id)}?year=${pick.value}`;
  });
  const streamName = new Map(plan.definition.reports.map((r) => [r.key, r.name]));
  const consolidated = reports.streams.length
    ? el(
        "div",
        { class: "table-wrap table-wrap-flat", tabindex: "0", role: "region", "aria-label": "Tổng hợp báo cáo" },
        el(
          "table",
          { class: "table table-compact report-streams stack-narrow" },
          el("caption", null, `Tổng hợp năm ${year}`),
          el("thead", null, el("tr", null, ["Loại báo cáo", "Hạn", "Số đơn vị", "Đã gửi", "Gửi muộn", "Quá hạn", "Chưa gửi", "Số liệu tổng hợp"].map((h) => el("th", { scope: "col" }, h)))),
          el(
            "tbody",
            null,
            reports.streams.map((st) =>
              el(
                "tr",
                { class: "stream-row" },
                el("td", { "data-label": "Loại báo cáo" }, st.name),
                el("td", { class: "nowrap", "data-label": "Hạn" }, timeElement(st.due_at)),
                el("td", { class: "num", "data-label": "Số đơn vị" }, String(st.total)),
                el("td", { class: "num", "data-label": "Đã gửi" }, String(st.submitted)),
                el("td", { class: "num", "data-label": "Gửi muộn" }, String(st.submitted_late)),
                el("td", { class: "num", "data-label": "Quá hạn" }, String(st.overdue)),
                el("td", { class: "num", "data-label": "Chưa gửi" }, String(st.open)),
                el("td", { "data-label": "Số liệu tổng hợp" }, figures(st.key_figures)),
              ),
            ),
          ),
        ),
      )
    : null;
  const units = reports.items.length
    ? el(
        "div",
        { class: "table-wrap table-wrap-flat", tabindex: "0", role: "region", "aria-label": "Báo cáo của từng đơn vị" },
        el(
          "table",
          { class: "table table-compact report-units stack-narrow" },
          el("caption", null, `Báo cáo của từng đơn vị năm ${year}`),
          el("thead", null, el("tr", null, ["Đơn vị", "Loại báo cáo", "Trạng thái", "Hạn", "Ngày gửi", "Tệp kèm theo"].map((h) => el("th", { scope: "col" }, h)))),
          el(
            "tbody",
            null,
            reports.items.map((r) =>
              el(
                "tr",
                { class: `report-row report-${r.status}` },
                el("td", { "data-label": "Đơn vị" }, r.unit_name || r.unit_code || `#${r.unit_id}`),
                el("td", { "data-label": "Loại báo cáo" }, streamName.get(r.stream) || r.stream),
                el("td", { "data-label": "Trạng thái" }, el("span", { class: `badge report-status-${r.status}` }, label("report_statuses", r.status)), r.late ? el("span", { class: "muted small" }, " (gửi muộn)") : null),
                el("td", { class: "nowrap", "data-label": "Hạn" }, timeElement(r.due_at)),
                el("td", { class: "nowrap", "data-label": "Ngày gửi" }, r.submitted_at ? timeElement(r.submitted_at) : "—"),
                el("td", { "data-label": "Tệp kèm theo" }, r.files.length ? fileList(plan.id, r, r.files, null) : "—"),
              ),
            ),
          ),
        ),
      )
    : el("p", { class: "muted" }, `Chưa có kỳ báo cáo năm ${year} nào trong phạm vi của bạn.`);
  return el(
    "section",
    { class: "card", "aria-labelledby": "reports-title" },
    el("h2", { id: "reports-title" }, "Tình hình báo cáo"),
    field("Năm báo cáo", pick),
    consolidated,
    units,
  );
}

function figures(map) {
  const entries = Object.entries(map || {});
  if (!entries.length) return "—";
  return el("ul", { class: "figures" }, entries.map(([k, v]) => el("li", null, `${k}: ${typeof v === "number" ? v.toLocaleString("vi-VN") : v}`)));
}

/** "tên = giá trị" lines to a map; numbers stay numbers. Throws a Vietnamese message on a bad line. */
export function parseFigures(text) {
  const out = {};
  for (const [i, raw] of String(text || "").split("\n").entries()) {
    const line = raw.trim();
    if (!line) continue;
    const m = /^(.+?)\s*[=:]\s*(.+)$/.exec(line);
    if (!m) throw new Error(`Dòng ${i + 1} của số liệu cần có dạng «tên = giá trị».`);
    const value = m[2].trim();
    const number = /^-?\d+([.,]\d+)?$/.test(value) ? Number(value.replace(",", ".")) : value;
    out[m[1].trim()] = number;
  }
  return out;
}

function filesPath(planId, report) {
  return `/plans/${encodeURIComponent(planId)}/reports/${encodeURIComponent(report.id)}/files`;
}

/** A report's files: name, size and SHA-256, each to download; `remove` (when given) offers «Gỡ». */
function fileList(planId, report, files, remove) {
  const base = filesPath(planId, report);
  return el(
    "ul",
    { class: "report-files" },
    files.map((f) =>
      el(
        "li",
        { class: "report-file" },
        el(
          "button",
          {
            type: "button",
            class: "link-button file-name",
            title: `Tải về ${f.file_name}`,
            onclick: () => download(`${base}/${encodeURIComponent(f.id)}`, f.file_name).catch(reportError),
          },
          f.file_name,
        ),
        el("span", { class: "muted small" }, ` (${formatSize(f.size_bytes)})`),
        remove ? el("button", { type: "button", class: "button button-small button-light", onclick: () => remove(f) }, "Gỡ") : null,
        el("div", { class: "muted small" }, "SHA-256: ", el("code", { class: "sha256", title: "Mã băm SHA-256 của tệp" }, f.sha256)),
      ),
    ),
  );
}

/** The files of the report being written: uploaded as soon as they are chosen (checked first as the
 * API checks them), listed with size and SHA-256, removable until the report is sent. */
function reportFilesField(plan, which) {
  const box = el("div", { class: "report-files-box", "aria-live": "polite" });
  let current = null;
  async function show(report) {
    current = report;
    const base = filesPath(plan.id, report);
    const page = await api(base);
    if (current !== report) return; // another report was chosen meanwhile
    const remove = page.may_remove ? (f) => removeFile(report, f).catch(reportError) : null;
    const children = [page.items.length ? fileList(plan.id, report, page.items, remove) : el("p", { class: "muted small" }, "Chưa có tệp nào.")];
    if (page.may_add) {
      const accepted = Object.keys(TYPES).filter((t) => page.accepted_types.includes(t));
      const input = el("input", { type: "file", multiple: true, class: "file-input", accept: accepted.flatMap((t) => [...TYPES[t].ext, t]).join(",") });
      input.addEventListener("change", () => upload(report, page, [...input.files]).catch(reportError));
      const names = accepted.map((t) => TYPES[t].name).join(", ");
      children.push(field("Thêm tệp", input, `Nhận ${names}; mỗi tệp tối đa ${formatSize(page.max_bytes)}; báo cáo có tối đa ${page.max_files} tệp. Tệp được tải lên ngay khi chọn.`));
    } else if (page.locked_reason) {
      children.push(el("p", { class: "muted small" }, `Không thể thêm tệp: ${page.locked_reason}`));
    }
    box.replaceChildren(...children);
  }
  async function upload(report, page, files) {
    clearError();
    const refused = [];
    let sent = 0;
    for (const file of files) {
      const problem = await checkFile(file, page);
      if (problem) {
        refused.push(`${file.name}: ${problem}`);
        continue;
      }
      const body = new FormData();
      body.append("file", file, file.name);
      try {
        await api(filesPath(plan.id, report), { method: "POST", multipart: body });
        sent += 1;
      } catch (error) {
        if (error.handled) return;
        refused.push(`${file.name}: ${error.message}`);
      }
    }
    await show(report);
    if (sent) showNotice(`Đã tải lên ${sent} tệp.`);
    if (refused.length) showError({ message: `Không tải lên được: ${refused.join("; ")}` });
  }
  async function removeFile(report, f) {
    if (!window.confirm(`Gỡ tệp «${f.file_name}» khỏi báo cáo?`)) return;
    await api(`${filesPath(plan.id, report)}/${encodeURIComponent(f.id)}`, { method: "DELETE" });
    await show(report);
    showNotice(`Đã gỡ tệp «${f.file_name}».`);
  }
  return { box, show };
}

function reportForm(plan, year, reports) {
  const mine = new Set(state.me.roles.filter((r) => r.role === "clerk" || r.role === "secretariat").map((r) => r.unit_id));
  const pending = reports.items.filter((r) => mine.has(r.unit_id) && r.status !== "submitted");
  if (!pending.length) return null;
  const streamName = new Map(plan.definition.reports.map((r) => [r.key, r.name]));
  const which = options(
    el("select", { required: true }),
    pending.map((r, i) => [String(i), `${r.unit_name || unitName(r.unit_id)} – ${streamName.get(r.stream) || r.stream}`]),
    "0",
  );
  const text = el("textarea", { rows: "6", required: true, maxlength: "50000" });
  const figuresBox = el("textarea", { rows: "4", placeholder: "cong_dan_hoc_tap = 120\ngia_dinh_hoc_tap = 45" });
  const files = reportFilesField(plan, which);
  const showFiles = () => files.show(pending[Number(which.value)]).catch(reportError);
  which.addEventListener("change", showFiles);
  showFiles();
  const submit = el("button", { type: "submit", class: "button button-primary" }, "Gửi báo cáo");
  async function onSubmit(event) {
    event.preventDefault();
    const task = pending[Number(which.value)];
    text.removeAttribute("aria-invalid");
    if (!text.value.trim()) {
      text.setAttribute("aria-invalid", "true");
      text.focus();
      throw new Error("Hãy nhập nội dung báo cáo.");
    }
    const body = { unit_id: task.unit_id, year, stream: task.stream, text: text.value, key_figures: parseFigures(figuresBox.value) };
    submit.disabled = true;
    try {
      await api(`/plans/${encodeURIComponent(plan.id)}/reports`, { method: "POST", json: body });
    } finally {
      submit.disabled = false;
    }
    setPendingNotice(`Đã gửi báo cáo năm ${year}.`);
    await route();
  }
  return el(
    "form",
    { class: "card report-form", "aria-label": "Gửi báo cáo năm", onsubmit: (e) => onSubmit(e).catch(formError) },
    el("h2", null, `Gửi báo cáo năm ${year}`),
    field("Báo cáo của", which),
    field("Nội dung báo cáo", text),
    field("Số liệu chính", figuresBox, "Mỗi dòng một chỉ tiêu: tên = giá trị."),
    el("fieldset", { class: "report-files-set" }, el("legend", null, "Tệp kèm theo"), files.box),
    el("div", { class: "actions" }, submit),
  );
}

function amendForm(plan) {
  if (!hasRole("admin")) return null;
  const streams = plan.definition.reports;
  if (!streams.length) return null;
  const stream = options(el("select", null), streams.map((r) => [r.key, r.name]), streams[0].key);
  const day = el("input", { type: "number", min: "1", max: "31", inputmode: "numeric" });
  const month = el("input", { type: "number", min: "1", max: "12", inputmode: "numeric" });
  const add = el("input", { type: "text", placeholder: "Mã đơn vị, cách nhau bởi dấu phẩy" });
  const remove = el("input", { type: "text", placeholder: "Mã đơn vị, cách nhau bởi dấu phẩy" });
  const reason = el("textarea", { rows: "2", maxlength: "2000" });
  const showDue = () => {
    const s = streams.find((r) => r.key === stream.value);
    day.placeholder = String(s.due.day);
    month.placeholder = String(s.due.month);
  };
  stream.addEventListener("change", showDue);
  showDue();
  const codes = (v) => v.split(",").map((x) => x.trim()).filter(Boolean);
  const amendment = () => {
    const change = { key: stream.value, add_units: codes(add.value), remove_units: codes(remove.value) };
    if (day.value) change.due_day = Number(day.value);
    if (month.value) change.due_month = Number(month.value);
    return { reports: [change], reason: reason.value || null, expected_version: plan.version };
  };
  const previewBox = el("div", { class: "amend-preview", "aria-live": "polite" });
  const previewButton = el("button", { type: "button", class: "button button-secondary" }, "Xem trước lịch");
  previewButton.addEventListener("click", async () => {
    try {
      const cal = await api(`/plans/${encodeURIComponent(plan.id)}/amend/preview`, { method: "POST", json: amendment() });
      const dues = cal.items.filter((i) => i.kind === "due").slice(0, 8);
      previewBox.replaceChildren(
        el("h3", null, "Lịch sau khi sửa (chưa lưu)"),
        dues.length
          ? el("ul", { class: "preview-dues" }, dues.map((i) => el("li", null, timeElement(i.at), " – ", i.label)))
          : el("p", { class: "muted" }, "Không còn hạn báo cáo nào trong giai đoạn."),
      );
    } catch (error) {
      reportError(error);
    }
  });
  async function onSubmit(event) {
    event.preventDefault();
    const view = await api(`/plans/${encodeURIComponent(plan.id)}/amend`, { method: "POST", json: amendment() });
    setPendingNotice(`Đã lưu thay đổi kế hoạch (phiên bản ${view.version}).`);
    await route();
  }
  return el(
    "form",
    { class: "card amend-form", "aria-label": "Sửa đổi kế hoạch", onsubmit: (e) => onSubmit(e).catch(formError) },
    el("h2", null, "Sửa đổi kế hoạch"),
    el("p", { class: "muted small" }, `Sửa trên phiên bản ${plan.version}; nếu người khác đã sửa trước, hệ thống từ chối và bạn tải lại trang.`),
    field("Loại báo cáo", stream),
    el("div", { class: "grid-2 grid-even" }, field("Ngày hạn mới", day), field("Tháng hạn mới", month)),
    field("Thêm đơn vị báo cáo", add),
    field("Bớt đơn vị báo cáo", remove),
    field("Lý do sửa đổi", reason),
    el("div", { class: "actions" }, previewButton, el("button", { type: "submit", class: "button button-primary" }, "Lưu thay đổi")),
    previewBox,
  );
}

function formError(error) {
  reportError(error);
}
