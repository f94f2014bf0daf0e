/* The administrator's console: the audit trail (filters, paging, Excel export) and the "stuck and
 * late" view (overdue steps by unit and step, escalations not acted on, dossiers whose workflow is
 * not running), each dossier linked to its workflow in the Temporal UI. */

import { apiBlob, api } from "../api.js";
import { reportError } from "../alerts.js";
import { el, field, options } from "../dom.js";
import { parseDate } from "../dates.js";
import { formatDate, timeElement } from "../format.js";
import { actionLabel, labelEntries, statusLabel } from "../labels.js";
import { state } from "../state.js";
import { temporalLink } from "../temporal.js";

const PAGE = 50;

const WORKFLOW_STATES = {
  not_started: "Chưa khởi động quy trình",
  completed: "Quy trình đã kết thúc",
  terminated: "Quy trình bị dừng",
  failed: "Quy trình bị lỗi",
  canceled: "Quy trình bị hủy",
  timed_out: "Quy trình quá thời hạn",
  not_found: "Không tìm thấy quy trình",
};

function auditQuery(params, extra = {}) {
  const q = new URLSearchParams();
  for (const key of ["unit_id", "actor", "action", "from", "to"]) if (params.get(key)) q.set(key, params.get(key));
  for (const [k, v] of Object.entries(extra)) q.set(k, String(v));
  return q;
}

export async function renderAudit(params, stale) {
  const offset = Math.max(0, Number(params.get("offset")) || 0);
  const page = await api(`/audit?${auditQuery(params, { limit: PAGE, offset })}`);
  if (stale()) return null;

  const unit = options(el("select", { name: "unit_id" }), [["", "Tất cả đơn vị"], ...[...state.units.values()].sort((a, b) => a.name.localeCompare(b.name, "vi")).map((u) => [String(u.id), u.name])], params.get("unit_id") || "");
  const actor = el("input", { type: "text", name: "actor", value: params.get("actor") || "" });
  const action = options(el("select", { name: "action" }), [["", "Tất cả thao tác"], ...labelEntries("actions")], params.get("action") || "");
  const from = el("input", { type: "text", name: "from", inputmode: "numeric", placeholder: "dd/mm/yyyy", value: params.get("from") ? formatDate(params.get("from")) : "" });
  const to = el("input", { type: "text", name: "to", inputmode: "numeric", placeholder: "dd/mm/yyyy", value: params.get("to") ? formatDate(params.get("to")) : "" });
  const filters = el(
    "form",
    { class: "filters card", "aria-label": "Lọc nhật ký" },
    field("Đơn vị", unit),
    field("Người thực hiện", actor),
    field("Thao tác", action),
    field("Từ ngày", from),
    field("Đến ngày", to),
    el("div", { class: "actions" }, el("button", { type: "submit", class: "button button-primary" }, "Lọc"), el("a", { href: "#/admin/audit", class: "button button-secondary" }, "Xóa bộ lọc")),
  );
  filters.addEventListener("submit", (event) => {
    event.preventDefault();
    const q = new URLSearchParams();
    try {
      for (const [box, key] of [[from, "from"], [to, "to"]]) {
        box.removeAttribute("aria-invalid");
        if (!box.value.trim()) continue;
        const iso = parseDate(box.value);
        if (!iso) {
          box.setAttribute("aria-invalid", "true");
          box.focus();
          throw new Error(`Ngày «${box.value}» không hợp lệ: nhập theo dạng dd/mm/yyyy.`);
        }
        q.set(key, iso);
      }
    } catch (error) {
      reportError(error);
      return;
    }
    if (unit.value) q.set("unit_id", unit.value);
    if (actor.value.trim()) q.set("actor", actor.value.trim());
    if (action.value) q.set("action", action.value);
    location.hash = `#/admin/audit?${q}`;
  });

  const exportButton = el("button", { type: "button", class: "button button-secondary" }, "Xuất Excel");
  exportButton.addEventListener("click", async () => {
    exportButton.disabled = true;
    try {
      const blob = await apiBlob(`/audit?${auditQuery(params, { format: "xlsx" })}`);
      const href = URL.createObjectURL(blob);
      const a = el("a", { href, download: "nhat-ky-he-thong.xlsx", hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(href), 30_000);
    } catch (error) {
      reportError(error);
    } finally {
      exportButton.disabled = false;
    }
  });

  const rows = page.items.map((e) =>
    el(
      "tr",
      { class: "audit-row" },
      el("td", { class: "nowrap", "data-label": "Thời gian" }, timeElement(e.at)),
      el("td", { "data-label": "Người thực hiện" }, e.actor_name),
      el("td", { "data-label": "Thao tác" }, actionLabel(e.action)),
      el("td", { "data-label": "Hồ sơ" }, e.nomination_id ? el("a", { href: `#/nominations/${e.nomination_id}` }, "Xem hồ sơ") : "—"),
      el("td", { "data-label": "Đơn vị" }, e.unit_id ? (state.units.get(e.unit_id) || {}).name || `#${e.unit_id}` : "—"),
      el("td", { class: "prewrap", "data-label": "Ghi chú" }, e.comment || ""),
    ),
  );
  const link = (off) => `#/admin/audit?${auditQuery(params, { offset: off })}`;
  const last = Math.min(offset + PAGE, page.total);
  const pager = el(
    "nav",
    { class: "pager", "aria-label": "Trang nhật ký" },
    offset > 0 ? el("a", { href: link(Math.max(0, offset - PAGE)), class: "button button-small button-secondary" }, "‹ Trang trước") : null,
    el("span", { class: "muted" }, page.total ? ` ${offset + 1}–${last} / ${page.total} ` : " 0 mục "),
    last < page.total ? el("a", { href: link(offset + PAGE), class: "button button-small button-secondary" }, "Trang sau ›") : null,
  );
  return [
    el("div", { class: "page-head" }, el("h1", null, "Nhật ký hệ thống"), exportButton),
    adminLinks("audit"),
    filters,
    page.items.length
      ? el(
          "div",
          { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Nhật ký" },
          el(
            "table",
            { class: "table audit stack-narrow" },
            el("caption", { class: "visually-hidden" }, "Nhật ký hệ thống"),
            el("thead", null, el("tr", null, ["Thời gian", "Người thực hiện", "Thao tác", "Hồ sơ", "Đơn vị", "Ghi chú"].map((h) => el("th", { scope: "col" }, h)))),
            el("tbody", null, rows),
          ),
        )
      : el("p", { class: "muted card" }, "Không có mục nào khớp bộ lọc."),
    pager,
  ];
}

function adminLinks(current) {
  const item = (key, href, text) => (key === current ? el("strong", null, text) : el("a", { href }, text));
  return el("p", { class: "admin-links" }, item("dashboard", "#/dashboard", "Tổng quan"), " · ", item("stuck", "#/admin/stuck", "Hồ sơ chậm, vướng"), " · ", item("audit", "#/admin/audit", "Nhật ký hệ thống"));
}

function table(caption, headers, rows, cls) {
  return el(
    "div",
    { class: "table-wrap table-wrap-flat", tabindex: "0", role: "region", "aria-label": caption },
    el("table", { class: `table table-compact stack-narrow ${cls}` }, el("caption", { class: "visually-hidden" }, caption), el("thead", null, el("tr", null, headers.map((h) => el("th", { scope: "col" }, h)))), el("tbody", null, rows)),
  );
}

export async function renderStuck(stale) {
  const s = await api("/dashboard/stuck");
  if (stale()) return null;
  const overdue = s.overdue.length
    ? table(
        "Việc quá hạn theo đơn vị và bước",
        ["Đơn vị xử lý", "Bước", "Số việc", "Quá hạn từ"],
        s.overdue.map((g) => el("tr", { class: "overdue-row" }, el("td", { "data-label": "Đơn vị xử lý" }, g.unit_name), el("td", { "data-label": "Bước" }, g.step_name), el("td", { class: "num", "data-label": "Số việc" }, String(g.count)), el("td", { "data-label": "Quá hạn từ" }, timeElement(g.oldest_due_at)))),
        "stuck-overdue",
      )
    : el("p", { class: "muted" }, "Không có việc quá hạn.");
  const escalations = s.escalations.length
    ? table(
        "Báo quá hạn chưa được xử lý",
        ["Hồ sơ", "Bước", "Đơn vị xử lý", "Hạn", "Báo quá hạn lúc"],
        s.escalations.map((e) => el("tr", { class: "escalation-row" }, el("td", { "data-label": "Hồ sơ" }, el("a", { href: `#/nominations/${e.nomination_id}` }, e.nominee_name)), el("td", { "data-label": "Bước" }, e.step_name), el("td", { "data-label": "Đơn vị xử lý" }, e.unit_name), el("td", { "data-label": "Hạn" }, timeElement(e.due_at)), el("td", { "data-label": "Báo quá hạn lúc" }, timeElement(e.escalated_at)))),
        "stuck-escalations",
      )
    : el("p", { class: "muted" }, "Không có báo quá hạn nào đang chờ.");
  const notRunning = s.not_running.length
    ? table(
        "Hồ sơ đang mở nhưng quy trình không chạy",
        ["Hồ sơ", "Đơn vị đề nghị", "Trạng thái hồ sơ", "Quy trình", "Cập nhật"],
        s.not_running.map((n) => el("tr", { class: "not-running-row" }, el("td", { "data-label": "Hồ sơ" }, el("a", { href: `#/nominations/${n.nomination_id}` }, n.nominee_name)), el("td", { "data-label": "Đơn vị đề nghị" }, n.unit_name), el("td", { "data-label": "Trạng thái hồ sơ" }, statusLabel(n.status)), el("td", { "data-label": "Quy trình" }, el("span", { class: "badge badge-overdue" }, WORKFLOW_STATES[n.workflow_status] || n.workflow_status), " ", temporalLink(n.workflow_id)), el("td", { "data-label": "Cập nhật" }, timeElement(n.updated_at)))),
        "stuck-not-running",
      )
    : el("p", { class: "muted" }, `Quy trình của cả ${s.checked} hồ sơ đang mở đều đang chạy.`);
  return [
    el("div", { class: "page-head" }, el("h1", null, "Hồ sơ chậm, vướng"), el("p", { class: "muted small" }, "Số liệu lúc ", timeElement(s.generated_at))),
    adminLinks("stuck"),
    el("section", { class: "card" }, el("h2", null, "Việc quá hạn theo đơn vị và bước"), overdue),
    el("section", { class: "card" }, el("h2", null, "Báo quá hạn chưa được xử lý"), escalations),
    el("section", { class: "card" }, el("h2", null, "Hồ sơ đang mở nhưng quy trình không chạy"), el("p", { class: "muted small" }, `Đã đối chiếu ${s.checked} hồ sơ đang mở với Temporal.`), notRunning),
  ];
}
