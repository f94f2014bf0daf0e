/* Tổng quan: the dashboard for leaders and administrators, over the dossiers the user sees: counts by
 * status, award form, unit and year; working days per step (median, 90th percentile); overdue steps;
 * each plan review against the plan's quotas. Each chart has its table under it. */

import { api } from "../api.js";
import { barChart } from "../charts.js";
import { el } from "../dom.js";
import { timeElement } from "../format.js";
import { hasRole } from "../session.js";

const count = (items) => items.map((i) => ({ label: i.label, value: i.count }));

export async function renderDashboard(stale) {
  const d = await api("/dashboard");
  if (stale()) return null;
  const quotas = d.quotas.map((q) => {
    // One bar pair per quota (units it names, units that meet it); every unit in the table below.
    const groups = new Map();
    for (const r of q.rows) {
      if (!groups.has(r.quota)) groups.set(r.quota, { label: r.quota_name, values: [0, 0] });
      const g = groups.get(r.quota);
      g.values[0] += 1;
      if (r.met) g.values[1] += 1;
    }
    const unitRows = q.rows.map((r) =>
      el(
        "tr",
        { class: r.met ? "quota-met" : "quota-unmet" },
        el("td", { "data-label": "Đơn vị" }, r.unit_name),
        el("td", { "data-label": "Chỉ tiêu" }, r.quota_name),
        el("td", { class: "num", "data-label": "Tối thiểu" }, String(r.required)),
        el("td", { class: "num", "data-label": "Đã đề nghị" }, String(r.count)),
        el("td", { class: "num", "data-label": "Đã khen thưởng" }, String(r.awarded)),
        el("td", { "data-label": "Kết quả" }, r.met ? "Đạt" : "Chưa đạt"),
      ),
    );
    return el(
      "section",
      { class: "card quota-review" },
      el("h3", null, `${q.milestone_name}`),
      el("p", { class: "muted small" }, `${q.plan_title} · Đạt chỉ tiêu: ${q.met}/${q.units} đơn vị`),
      barChart({
        title: `Chỉ tiêu điển hình – ${q.milestone_name}`,
        items: [...groups.values()],
        series: ["Số đơn vị phải đạt", "Số đơn vị đã đạt"],
        columns: ["Chỉ tiêu", "Số đơn vị phải đạt", "Số đơn vị đã đạt"],
      }),
      el(
        "details",
        { class: "quota-units" },
        el("summary", null, `Từng đơn vị (${q.rows.length})`),
        el(
          "div",
          { class: "table-wrap table-wrap-flat", tabindex: "0", role: "region", "aria-label": `Từng đơn vị – ${q.milestone_name}` },
          el(
            "table",
            { class: "table table-compact stack-narrow" },
            el("thead", null, el("tr", null, ["Đơn vị", "Chỉ tiêu", "Tối thiểu", "Đã đề nghị", "Đã khen thưởng", "Kết quả"].map((h) => el("th", { scope: "col" }, h)))),
            el("tbody", null, unitRows),
          ),
        ),
      ),
    );
  });
  return [
    el("div", { class: "page-head" }, el("h1", null, "Tổng quan"), el("p", { class: "muted small" }, "Số liệu lúc ", timeElement(d.generated_at))),
    hasRole("admin") ? el("p", null, el("a", { href: "#/admin/stuck" }, "Hồ sơ chậm, vướng"), " · ", el("a", { href: "#/admin/audit" }, "Nhật ký hệ thống"), " · ", el("a", { href: "#/inbox" }, "Việc cần xử lý")) : null,
    el(
      "div",
      { class: "dashboard-grid" },
      el("section", { class: "card" }, barChart({ title: "Hồ sơ theo trạng thái", items: count(d.by_status), columns: ["Trạng thái", "Số hồ sơ"] })),
      el("section", { class: "card" }, barChart({ title: "Hồ sơ theo hình thức khen thưởng", items: count(d.by_award_form), columns: ["Hình thức", "Số hồ sơ"] })),
      el("section", { class: "card" }, barChart({ title: "Hồ sơ theo đơn vị đề nghị", items: count(d.by_unit), columns: ["Đơn vị", "Số hồ sơ"] })),
      el("section", { class: "card" }, barChart({ title: "Hồ sơ theo năm xét", items: count(d.by_year), columns: ["Năm", "Số hồ sơ"] })),
      el(
        "section",
        { class: "card" },
        barChart({
          title: "Số ngày làm việc mỗi bước",
          items: d.durations.map((s) => ({ label: s.step, values: [s.median, s.p90] })),
          series: ["Trung vị", "Phân vị 90"],
          columns: ["Bước", "Trung vị (ngày)", "Phân vị 90 (ngày)"],
        }),
        el("p", { class: "muted small" }, "Tính theo ngày làm việc (trừ thứ Bảy, Chủ nhật và ngày lễ), từ khi giao việc đến khi xử lý xong."),
      ),
      el("section", { class: "card" }, barChart({ title: "Việc quá hạn theo bước", items: count(d.overdue_by_step), columns: ["Bước", "Số việc quá hạn"] })),
    ),
    d.quotas.length ? [el("h2", null, "Khen thưởng theo đợt sơ kết, tổng kết so với chỉ tiêu của kế hoạch"), el("div", { class: "dashboard-grid" }, quotas)] : null,
  ];
}
