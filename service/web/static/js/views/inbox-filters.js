/* The inbox's filter bar and order, and its views: the built-in ones and those the user saved, each
 * with its count (the server counts them as it counts the list). Filters live in the address
 * (#/inbox?award_form=...&sort=...), so a view is a link and the browser's back button works. */

import { api } from "../api.js";
import { clearError, reportError, setPendingNotice } from "../alerts.js";
import { el, field, options, uid } from "../dom.js";
import { formatDate } from "../format.js";
import { periodKindLabel, phaseLabel, stepKindLabel } from "../labels.js";
import { route } from "../router.js";
import { unitName } from "../session.js";
import { state } from "../state.js";

// The filters of GET /api/v1/tasks that the address carries.
const FILTERS = ["q", "award_form", "unit_id", "year", "period_kind", "step", "overdue", "due_before", "submission_id"];
const DEFAULT_SORT = "due_at";
const SORTS = [
  ["due_at", "Hạn xử lý gần nhất trước"],
  ["-due_at", "Hạn xử lý xa nhất trước"],
  ["created_at", "Nhận sớm nhất trước"],
  ["-created_at", "Nhận gần đây nhất trước"],
  ["nominee_name", "Tên đối tượng (A–Z)"],
];
// The steps each role acts on (a step's key is "<kind>:<unit code>"); the clerk's are not on the route.
const ROLE_STEP_KINDS = {
  appraiser: ["appraisal"],
  council_secretary: ["council"],
  chairperson: ["sign", "submit", "propose"],
  deputy_chairperson: ["sign", "submit", "propose"],
};

/** The API query of the address: its filters and order (not its page). */
export function inboxQuery(params) {
  const query = new URLSearchParams();
  for (const key of FILTERS) {
    const value = (params.get(key) || "").trim();
    if (value) query.set(key, value);
  }
  const sort = (params.get("sort") || "").trim();
  if (sort && sort !== DEFAULT_SORT) query.set("sort", sort);
  return query;
}

export function hasFilters(params) {
  return FILTERS.some((key) => (params.get(key) || "").trim());
}

/** The inbox's address with these filters, `changes` applied (an empty value removes one). */
export function inboxHref(params, changes = {}) {
  const next = inboxQuery(params);
  for (const [key, value] of Object.entries(changes)) {
    if (value) next.set(key, value);
    else next.delete(key);
  }
  const text = next.toString();
  return `#/inbox${text ? `?${text}` : ""}`;
}

function viewParams(filters) {
  return new URLSearchParams(Object.entries(filters || {}).map(([k, v]) => [k, String(v)]));
}

function sameView(a, b) {
  const norm = (p) => [...inboxQuery(p).entries()].map(([k, v]) => `${k}=${v}`).sort().join("&");
  return norm(a) === norm(b);
}

function countText(view) {
  const n = Number(view.count || 0).toLocaleString("vi-VN");
  return view.count_capped ? `hơn ${n}` : n;
}

/** Tabs of the views: "Tất cả", "Quá hạn", "Đến hạn trong 3 ngày làm việc" and the saved ones. */
export function viewChips(views, params) {
  const chip = (view, saved) => {
    const target = viewParams(view.filters);
    const active = sameView(params, target);
    const link = el(
      "a",
      { class: "chip", href: inboxHref(target), "aria-current": active ? "page" : null },
      el("span", { class: "chip-name" }, view.name),
      el("span", { class: "chip-count", "aria-label": `${countText(view)} việc` }, countText(view)),
    );
    if (!saved) return el("li", null, link);
    const remove = el("button", { type: "button", class: "chip-delete", "aria-label": `Xoá bộ lọc «${view.name}»`, title: "Xoá bộ lọc" }, "×");
    remove.addEventListener("click", () => deleteView(view, remove));
    return el("li", { class: "chip-saved" }, link, remove);
  };
  return el(
    "nav",
    { class: "view-chips", "aria-label": "Bộ lọc" },
    el("ul", null, views.builtin.map((v) => chip(v, false)), views.items.map((v) => chip(v, true))),
  );
}

async function deleteView(view, button) {
  clearError();
  if (!window.confirm(`Xoá bộ lọc «${view.name}»?`)) return;
  button.disabled = true;
  try {
    await api(`/saved-views/${encodeURIComponent(view.id)}`, { method: "DELETE" });
    setPendingNotice(`Đã xoá bộ lọc «${view.name}».`);
    await route();
  } catch (error) {
    button.disabled = false;
    reportError(error);
  }
}

function unitLabel(unit) {
  return `${unit.name} (${unit.code})`;
}

// "Tên đơn vị (MÃ)" as the list offers it, or a name that only one unit has.
function unitFromText(text) {
  const wanted = text.trim();
  if (!wanted) return null;
  const units = [...state.units.values()].filter((u) => u.code);
  const exact = units.find((u) => unitLabel(u) === wanted || u.code === wanted);
  if (exact) return exact;
  const named = units.filter((u) => u.name === wanted);
  return named.length === 1 ? named[0] : undefined;
}

function stepOptions(tasks, selected) {
  const steps = new Map();
  for (const role of (state.me && state.me.roles) || []) {
    const unit = state.units.get(role.unit_id);
    for (const kind of ROLE_STEP_KINDS[role.role] || []) {
      if (unit && unit.code) steps.set(`${kind}:${unit.code}`, `${stepKindLabel(kind)} – ${unitName(role.unit_id)}`);
    }
    if (role.role === "clerk") {
      for (const phase of ["revision", "supplement"]) steps.set(phase, phaseLabel(phase) || phase);
    }
  }
  for (const t of tasks) steps.set(t.step, t.step_name);
  if (selected && !steps.has(selected)) steps.set(selected, selected);
  return [["", "Tất cả"], ...steps.entries()];
}

/** The filter bar: search, award form, proposing unit, year, step, overdue, order; and "Lưu bộ lọc". */
export function filterForm(params, tasks) {
  const get = (key) => params.get(key) || "";
  const q = el("input", { type: "search", name: "q", maxlength: "200", value: get("q"), placeholder: "Tên đối tượng, thành tích…" });
  const award = options(el("select", { name: "award_form" }), [["", "Tất cả"], ...(state.awardForms || []).map((f) => [f.code, f.name])], get("award_form"));
  const listId = uid("units");
  const chosen = state.units.get(Number(get("unit_id")));
  const unit = el("input", { type: "text", name: "unit", list: listId, autocomplete: "off", value: chosen ? unitLabel(chosen) : get("unit_id"), placeholder: "Gõ tên đơn vị…" });
  const unitList = el("datalist", { id: listId }, [...state.units.values()].filter((u) => u.code).map((u) => el("option", { value: unitLabel(u) })));
  const year = el("input", { type: "number", name: "year", min: "2000", max: "2100", inputmode: "numeric", value: get("year") });
  const step = options(el("select", { name: "step" }), stepOptions(tasks, get("step")), get("step"));
  const overdue = options(el("select", { name: "overdue" }), [["", "Tất cả"], ["true", "Quá hạn"], ["false", "Chưa quá hạn"]], get("overdue"));
  const sort = options(el("select", { name: "sort" }), SORTS, get("sort") || DEFAULT_SORT);
  // Filters a view may carry that the bar does not edit: shown, kept, and removable with "Xóa bộ lọc".
  const kept = [];
  if (get("due_before")) kept.push(`Hạn xử lý trước ngày ${formatDate(get("due_before"))}`);
  if (get("period_kind")) kept.push(`Kỳ xét: ${periodKindLabel(get("period_kind"))}`);
  if (get("submission_id")) kept.push("Trong một tờ trình của đơn vị");

  const read = () => {
    const next = new URLSearchParams();
    for (const key of ["due_before", "period_kind", "submission_id"]) if (get(key)) next.set(key, get(key));
    for (const [key, control] of [["q", q], ["award_form", award], ["year", year], ["step", step], ["overdue", overdue]]) {
      if (control.value.trim()) next.set(key, control.value.trim());
    }
    if (unit.value.trim()) {
      const found = unitFromText(unit.value);
      if (!found) throw new Error(`Không tìm thấy đơn vị «${unit.value.trim()}»; hãy chọn trong danh sách gợi ý.`);
      next.set("unit_id", String(found.id));
    }
    if (sort.value && sort.value !== DEFAULT_SORT) next.set("sort", sort.value);
    return next;
  };

  const form = el(
    "form",
    { class: "card filters inbox-filters", role: "search", "aria-label": "Lọc việc cần xử lý" },
    field("Tìm kiếm", q),
    field("Hình thức khen thưởng", award),
    field("Đơn vị đề nghị", unit),
    unitList,
    field("Năm", year),
    field("Bước xử lý", step),
    field("Thời hạn", overdue),
    field("Sắp xếp", sort),
    kept.length ? el("p", { class: "muted small kept-filters" }, kept.join(" · ")) : null,
    el("div", { class: "actions" }, el("button", { type: "submit", class: "button button-primary" }, "Lọc"), el("a", { href: "#/inbox", class: "button button-secondary" }, "Xóa bộ lọc")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearError();
    let next;
    try {
      next = read();
    } catch (error) {
      reportError(error);
      return;
    }
    const target = inboxHref(next);
    if (location.hash === target) route();
    else location.hash = target;
  });
  // On a phone the bar folds away under its summary, so that the tasks come first.
  const active = FILTERS.filter((key) => get(key)).length;
  const wide = !window.matchMedia || window.matchMedia("(min-width: 601px)").matches;
  return el(
    "details",
    { class: "filter-panel", open: wide },
    el("summary", null, "Bộ lọc và sắp xếp", active ? ` (đang lọc theo ${active} điều kiện)` : ""),
    form,
    saveForm(read),
  );
}

/** "Lưu bộ lọc": the bar's filters and order as a named view of one's own. */
function saveForm(read) {
  const name = el("input", { type: "text", name: "view_name", maxlength: "100", required: true, autocomplete: "off" });
  const form = el(
    "form",
    { class: "save-view", "aria-label": "Lưu bộ lọc" },
    field("Tên bộ lọc", name),
    el("button", { type: "submit", class: "button button-secondary" }, "Lưu bộ lọc"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearError();
    const button = form.querySelector("button");
    let filters;
    try {
      filters = Object.fromEntries(read());
    } catch (error) {
      reportError(error);
      return;
    }
    if (!Object.keys(filters).some((k) => k !== "sort")) {
      reportError(new Error("Hãy chọn ít nhất một điều kiện lọc trước khi lưu."));
      return;
    }
    button.disabled = true;
    try {
      const view = await api("/saved-views", { method: "POST", json: { target: "tasks", name: name.value.trim(), filters } });
      setPendingNotice(`Đã lưu bộ lọc «${view.name}» (${countText(view)} việc).`);
      const target = inboxHref(viewParams(view.filters));
      if (location.hash === target) await route();
      else location.hash = target;
    } catch (error) {
      button.disabled = false;
      reportError(error);
    }
  });
  return form;
}
