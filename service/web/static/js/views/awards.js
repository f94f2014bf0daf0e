/* Sổ khen thưởng: every awardee of a decision, searched accent-insensitively, exported to Excel. */

import { api, download } from "../api.js";
import { clearError, reportError } from "../alerts.js";
import { loadAwardForms } from "../catalogue.js";
import { el, field, options } from "../dom.js";
import { timeElement } from "../format.js";
import { nomineeKindLabel } from "../labels.js";
import { route } from "../router.js";
import { state } from "../state.js";

export async function renderAwards(params, stale) {
  await loadAwardForms();
  const query = new URLSearchParams();
  for (const key of ["q", "year", "award_form"]) {
    const value = (params.get(key) || "").trim();
    if (value) query.set(key, value);
  }
  query.set("limit", "100");
  const page = await api(`/awards?${query}`);
  if (stale()) return null;
  const q = el("input", { type: "search", name: "q", maxlength: "200", value: params.get("q") || "", placeholder: "Họ tên, thành tích…" });
  const year = el("input", { type: "number", name: "year", min: "1945", max: "2200", inputmode: "numeric", value: params.get("year") || "" });
  const award = options(el("select", { name: "award_form" }), [["", "Tất cả"], ...state.awardForms.map((f) => [f.code, f.name])], params.get("award_form") || "");
  const form = el(
    "form",
    { class: "card filters", role: "search", "aria-label": "Tìm trong sổ khen thưởng" },
    field("Tìm kiếm", q),
    field("Năm quyết định", year),
    field("Hình thức khen thưởng", award),
    el("div", { class: "actions" }, el("button", { type: "submit", class: "button button-primary" }, "Tìm")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    for (const [key, control] of [["q", q], ["year", year], ["award_form", award]]) {
      if (control.value.trim()) next.set(key, control.value.trim());
    }
    const target = `#/awards${next.toString() ? `?${next}` : ""}`;
    if (location.hash === target) route();
    else location.hash = target;
  });
  const exportButton = el("button", { type: "button", class: "button button-secondary" }, "Xuất Excel");
  exportButton.addEventListener("click", async () => {
    clearError();
    const x = new URLSearchParams(query);
    x.delete("limit");
    x.set("format", "xlsx");
    try {
      await download(`/awards?${x}`, "so-khen-thuong.xlsx");
    } catch (error) {
      reportError(error);
    }
  });
  const rows = page.items.map((a) =>
    el(
      "tr",
      null,
      el("td", null, el("a", { href: `#/nominations/${a.nomination_id}` }, a.nominee_name), el("div", { class: "muted small" }, nomineeKindLabel(a.nominee_kind))),
      el("td", null, a.proposing_unit.name),
      el("td", null, a.award_form_name || a.award_form),
      el("td", null, el("a", { href: `#/decisions/${a.decision.id}` }, a.number_symbol), el("div", { class: "muted small" }, timeElement(a.decision.signed_at))),
      el("td", null, a.issuing_unit.name),
    ),
  );
  const body = page.items.length
    ? el(
        "div",
        { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Sổ khen thưởng" },
        el(
          "table",
          { class: "table" },
          el("caption", { class: "visually-hidden" }, "Sổ khen thưởng"),
          el("thead", null, el("tr", null, ["Đối tượng", "Đơn vị", "Hình thức khen thưởng", "Quyết định", "Cơ quan ban hành"].map((h) => el("th", { scope: "col" }, h)))),
          el("tbody", null, rows),
        ),
      )
    : el("p", { class: "empty card" }, "Không có kết quả nào.");
  return [
    el("div", { class: "page-head" }, el("h1", null, "Sổ khen thưởng"), exportButton),
    form,
    el("p", { class: "muted count", role: "status" }, `Tìm thấy ${page.total} lượt khen thưởng.`),
    body,
  ];
}
