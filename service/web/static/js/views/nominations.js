/* Hồ sơ đề nghị: the nominations the user sees, filtered, searched and paged. */

import { api, download } from "../api.js";
import { clearError, reportError } from "../alerts.js";
import { loadAwardForms } from "../catalogue.js";
import { el, field, options } from "../dom.js";
import { timeElement } from "../format.js";
import { labelEntries, nomineeKindLabel, periodKindLabel } from "../labels.js";
import { statusBadge } from "../nomination-parts.js";
import { route } from "../router.js";
import { isClerk } from "../session.js";
import { state } from "../state.js";

const PAGE_SIZE = 20;

export async function renderNominations(params, stale) {
  await loadAwardForms();
  const offset = Math.max(0, Number(params.get("offset")) || 0);
  const query = new URLSearchParams();
  for (const key of ["status", "award_form", "year", "q"]) {
    const value = (params.get(key) || "").trim();
    if (value) query.set(key, value);
  }
  query.set("limit", String(PAGE_SIZE));
  query.set("offset", String(offset));
  const page = await api(`/nominations?${query}`);
  if (stale()) return null;

  const status = options(el("select", { name: "status" }), [["", "Tất cả"], ...labelEntries("statuses")], params.get("status") || "");
  const award = options(el("select", { name: "award_form" }), [["", "Tất cả"], ...state.awardForms.map((f) => [f.code, f.name])], params.get("award_form") || "");
  const year = el("input", { type: "number", name: "year", min: "2000", max: "2100", inputmode: "numeric", value: params.get("year") || "" });
  const q = el("input", { type: "search", name: "q", maxlength: "200", value: params.get("q") || "", placeholder: "Tên đối tượng, thành tích…" });
  const filters = el(
    "form",
    { class: "card filters", role: "search", "aria-label": "Lọc hồ sơ" },
    field("Tìm kiếm", q),
    field("Trạng thái", status),
    field("Hình thức khen thưởng", award),
    field("Năm", year),
    el("div", { class: "actions" }, el("button", { type: "submit", class: "button button-primary" }, "Lọc"), el("a", { href: "#/nominations", class: "button button-secondary" }, "Xóa bộ lọc")),
  );
  filters.addEventListener("submit", (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    for (const [key, control] of [["q", q], ["status", status], ["award_form", award], ["year", year]]) {
      if (control.value.trim()) next.set(key, control.value.trim());
    }
    const target = `#/nominations${next.toString() ? `?${next}` : ""}`;
    if (location.hash === target) route();
    else location.hash = target;
  });

  const exportButton = el("button", { type: "button", class: "button button-secondary" }, "Xuất Excel");
  exportButton.addEventListener("click", async () => {
    clearError();
    const x = new URLSearchParams(query);
    x.delete("limit");
    x.delete("offset");
    x.set("format", "xlsx");
    try {
      await download(`/nominations?${x}`, "de-nghi-khen-thuong.xlsx");
    } catch (error) {
      reportError(error);
    }
  });
  const head = el(
    "div",
    { class: "page-head" },
    el("h1", null, "Hồ sơ đề nghị"),
    exportButton,
    isClerk() ? el("a", { href: "#/new", class: "button button-primary" }, "Tạo đề nghị") : null,
  );
  let body;
  if (!page.items.length) {
    body = el("p", { class: "empty card" }, "Không có hồ sơ nào phù hợp.");
  } else {
    const rows = page.items.map((n) =>
      el(
        "tr",
        null,
        el("td", { class: "cell-nominee" }, el("a", { href: `#/nominations/${n.id}` }, n.nominee.name), el("div", { class: "muted small" }, nomineeKindLabel(n.nominee.kind))),
        el("td", { "data-label": "Hình thức khen thưởng" }, n.award_form_name || n.award_form),
        el("td", { "data-label": "Đơn vị đề nghị" }, n.proposing_unit.name),
        el("td", { "data-label": "Kỳ xét" }, `${periodKindLabel(n.period.kind)} ${n.period.year}`),
        el("td", { "data-label": "Trạng thái" }, el("div", null, statusBadge(n.status), n.current_step_name ? el("div", { class: "muted small" }, n.current_step_name) : null)),
        el("td", { "data-label": "Cập nhật" }, timeElement(n.updated_at)),
      ),
    );
    const table = el(
      "table",
      { class: "table nominations stack-narrow" },
      el("caption", { class: "visually-hidden" }, "Danh sách hồ sơ đề nghị khen thưởng"),
      el(
        "thead",
        null,
        el("tr", null, ["Đối tượng", "Hình thức khen thưởng", "Đơn vị đề nghị", "Kỳ xét", "Trạng thái", "Cập nhật"].map((h) => el("th", { scope: "col" }, h))),
      ),
      el("tbody", null, rows),
    );
    body = el("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Danh sách hồ sơ" }, table);
  }
  const pager = pagination(params, page);
  return [head, filters, el("p", { class: "muted count", role: "status" }, `Tìm thấy ${totalText(page)} hồ sơ.`), body, pager];
}

function pagination(params, page) {
  // An estimated total may be short of the real one: a full page means there may be a next.
  const more = page.total_estimated ? page.next_cursor != null : page.offset + page.items.length < page.total;
  if (page.offset === 0 && !more) return null;
  const link = (offset, label) => {
    const next = new URLSearchParams(params);
    next.set("offset", String(offset));
    return el("a", { class: "button button-secondary", href: `#/nominations?${next}` }, label);
  };
  const from = page.offset + 1;
  const to = page.offset + page.items.length;
  return el(
    "nav",
    { class: "pager", "aria-label": "Phân trang" },
    page.offset > 0 ? link(Math.max(0, page.offset - page.limit), "‹ Trang trước") : null,
    el("span", null, `${from}–${to} / ${totalText(page)}`),
    more ? link(page.offset + page.limit, "Trang sau ›") : null,
  );
}

// Past 10,000 the server stops counting: say "more than" rather than a number it did not count.
// A search with many matches is estimated, not counted: say "about".
function totalText(page) {
  const n = page.total.toLocaleString("vi-VN");
  if (page.total_estimated) return `khoảng ${n}`;
  return page.total_capped ? `hơn ${n}` : n;
}
