/* "Sự kiện quy trình": for administrators, a nomination's or a plan's workflow as people read it (the
 * timeline of the audit, notifications, the plan's scheduled runs) beside the raw events of its
 * Temporal history, two columns on a wide screen and one above the other on a phone. Choosing an
 * entry of the timeline highlights the events it came from (the server matches them by the ids the
 * activity's input carries and by the Update around it); choosing an event highlights the entries. */

import { api } from "../api.js";
import { el } from "../dom.js";
import { formatDateTime, timeElement } from "../format.js";
import { actionLabel, label } from "../labels.js";
import { temporalLink } from "../temporal.js";

const KINDS = {
  nominations: { api: (id) => `/nominations/${encodeURIComponent(id)}`, page: (id) => `#/nominations/${encodeURIComponent(id)}`, back: "‹ Hồ sơ đề nghị", eyebrow: "Hồ sơ đề nghị khen thưởng" },
  plans: { api: (id) => `/plans/${encodeURIComponent(id)}`, page: (id) => `#/plans/${encodeURIComponent(id)}`, back: "‹ Kế hoạch", eyebrow: "Kế hoạch thi đua" },
};

const eventKey = (runId, eventId) => `${runId}#${eventId}`;

export async function renderWorkflowEvents(kind, id, stale) {
  const spec = KINDS[kind];
  if (!spec) return null;
  const [subject, data] = await Promise.all([api(spec.api(id)), api(`${spec.api(id)}/workflow-events`)]);
  if (stale()) return null;
  const title = kind === "plans" ? subject.title : subject.nominee.name;
  const runIndex = new Map(data.runs.map((r, i) => [r, i + 1]));
  const status = el("p", { class: "visually-hidden", "aria-live": "polite" });

  const rows = new Map(); // run#event → its row
  const entries = []; // [entry element, its event keys]
  const raw = rawColumn(data, runIndex, rows);
  const readable = readableColumn(data, kind, subject, entries);

  function clearMarks() {
    for (const row of rows.values()) row.classList.remove("linked");
    for (const [node] of entries) node.classList.remove("selected", "linked");
  }
  function selectEntry(node, keys) {
    clearMarks();
    node.classList.add("selected");
    const found = keys.map((k) => rows.get(k)).filter(Boolean);
    for (const row of found) row.classList.add("linked");
    // The first one shown (the workflow's internal steps may be hidden).
    const shown = found.find((row) => row.offsetParent !== null);
    if (shown) shown.scrollIntoView({ block: "nearest" });
    status.textContent = found.length
      ? `Mục này ứng với ${found.length} sự kiện: ${keys.map((k) => `#${k.split("#")[1]}`).join(", ")}.`
      : "Mục này không ứng với sự kiện nào của quy trình (ghi nhận ngoài quy trình, hoặc ở lần chạy không còn lưu).";
  }
  function selectEvent(row, key) {
    clearMarks();
    row.classList.add("linked");
    const owners = entries.filter(([, keys]) => keys.includes(key));
    for (const [node] of owners) node.classList.add("linked");
    if (owners.length) owners[0][0].scrollIntoView({ block: "nearest" });
    status.textContent = owners.length ? `Sự kiện #${key.split("#")[1]} thuộc ${owners.length} mục của diễn biến.` : "";
  }
  for (const [node, keys] of entries) node.querySelector("button.entry-pick").addEventListener("click", () => selectEntry(node, keys));
  for (const [key, row] of rows) row.querySelector("button.event-pick").addEventListener("click", () => selectEvent(row, key));

  const hideTasks = el("input", { type: "checkbox", id: "hide-workflow-tasks", checked: true });
  const applyFilter = () => raw.classList.toggle("hide-workflow-tasks", hideTasks.checked);
  hideTasks.addEventListener("change", applyFilter);
  applyFilter();

  return [
    el("p", { class: "breadcrumb" }, el("a", { href: spec.page(id) }, spec.back)),
    el("div", { class: "page-head" }, el("div", null, el("p", { class: "eyebrow" }, `${spec.eyebrow} – ${title}`), el("h1", null, "Sự kiện quy trình"))),
    el(
      "section",
      { class: "card workflow-head", "aria-label": "Quy trình" },
      el("p", null, "Quy trình: ", temporalLink(data.workflow_id)),
      el("p", { class: "muted small" }, `Giờ Việt Nam (${data.timezone}). ${data.runs.length > 1 ? `Quy trình có ${data.runs.length} lần chạy (tiếp tục ở lần chạy mới). ` : ""}Chọn một mục ở cột «Diễn biến» để tô sáng các sự kiện gốc của mục đó, hoặc chọn một sự kiện để thấy mục tương ứng.`),
      el("label", { class: "checkbox" }, hideTasks, " Ẩn các bước xử lý nội bộ (WorkflowTask…)"),
      status,
    ),
    el("div", { class: "workflow-columns" }, readable, raw),
  ];
}

function readableColumn(data, kind, subject, entries) {
  const steps = kind === "nominations" ? new Map(subject.route.map((s) => [s.key, s.name])) : new Map(subject.definition.reports.map((r) => [r.key, r.name]).concat((subject.definition.milestones || []).map((m) => [m.key, m.name])));
  const list = el(
    "ol",
    { class: "timeline workflow-timeline" },
    data.timeline.map((item) => {
      const keys = item.event_ids.map((e) => eventKey(item.run_id, e));
      const name = item.source === "plan" ? label("plan_event_kinds", item.action) : actionLabel(item.action);
      const who = [item.actor, item.step ? steps.get(item.step) || item.step : null].filter(Boolean).join(" · ");
      const node = el(
        "li",
        { class: `event event-${item.source} action-${item.action}` },
        el(
          "button",
          { type: "button", class: "entry-pick", "aria-label": `${name}, ${formatDateTime(item.at)}: tô sáng ${keys.length} sự kiện gốc` },
          el("span", { class: "event-head" }, el("strong", { class: "event-action" }, name), " ", timeElement(item.at), " ", el("span", { class: "badge event-count" }, keys.length ? `${keys.length} sự kiện` : "ngoài quy trình")),
        ),
        who ? el("div", { class: "muted small" }, who) : null,
        item.comment ? el("p", { class: "event-comment prewrap" }, item.comment) : null,
      );
      entries.push([node, keys]);
      return node;
    }),
  );
  return el(
    "section",
    { class: "card workflow-readable", "aria-labelledby": "readable-title" },
    el("h2", { id: "readable-title" }, "Diễn biến"),
    data.timeline.length ? el("div", { class: "workflow-scroll", tabindex: "0", role: "region", "aria-label": "Diễn biến của quy trình" }, list) : el("p", { class: "muted" }, "Chưa có diễn biến nào."),
  );
}

function rawColumn(data, runIndex, rows) {
  const byRun = new Map(data.runs.map((r) => [r, []]));
  for (const e of data.events) {
    if (!byRun.has(e.run_id)) byRun.set(e.run_id, []);
    byRun.get(e.run_id).push(e);
  }
  const groups = [...byRun.entries()].map(([runId, events]) => {
    const body = el(
      "tbody",
      null,
      events.map((e) => {
        const row = el(
          "tr",
          { class: `raw-event kind-${e.kind}`, "data-event": String(e.event_id) },
          el("td", { class: "num", "data-label": "Số" }, el("button", { type: "button", class: "event-pick link-button", "aria-label": `Sự kiện số ${e.event_id}: ${e.type}` }, String(e.event_id))),
          el("td", { class: "nowrap", "data-label": "Thời gian" }, timeElement(e.at)),
          el(
            "td",
            { "data-label": "Sự kiện" },
            el("code", { class: "event-type" }, e.type),
            e.summary ? el("div", { class: "small" }, e.summary) : null,
            e.update_id ? el("div", { class: "muted small" }, "Update id: ", el("code", null, e.update_id)) : null,
            e.details !== null && e.details !== undefined ? el("details", { class: "event-details" }, el("summary", null, "Dữ liệu"), el("pre", null, JSON.stringify(e.details, null, 2))) : null,
          ),
        );
        rows.set(eventKey(runId, e.event_id), row);
        return row;
      }),
    );
    return [
      data.runs.length > 1 ? el("h3", { class: "run-title" }, `Lần chạy ${runIndex.get(runId)}`, el("code", { class: "muted small" }, ` ${runId}`)) : null,
      el(
        "table",
        { class: "table table-compact raw-events stack-narrow" },
        el("caption", { class: "visually-hidden" }, `Sự kiện gốc, lần chạy ${runIndex.get(runId)}`),
        el("thead", null, el("tr", null, ["Số", "Thời gian", "Sự kiện"].map((h) => el("th", { scope: "col" }, h)))),
        body,
      ),
    ];
  });
  return el(
    "section",
    { class: "card workflow-raw", "aria-labelledby": "raw-title" },
    el("h2", { id: "raw-title" }, "Sự kiện gốc (Temporal)"),
    data.events.length
      ? el("div", { class: "workflow-scroll", tabindex: "0", role: "region", "aria-label": "Sự kiện gốc của quy trình" }, groups)
      : el("p", { class: "muted" }, "Temporal không còn lưu lịch sử của quy trình này (quá thời hạn lưu giữ), hoặc quy trình chưa khởi động."),
  );
}
