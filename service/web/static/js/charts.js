/* Small charts drawn as inline SVG (no library, no CDN), each followed by its table: the table is
 * the accessible version and the one to copy; the chart is for the eye. Text in the SVG is set
 * through textContent only. */

import { el } from "./dom.js";

const SVG = "http://www.w3.org/2000/svg";
const number = new Intl.NumberFormat("vi-VN", { maximumFractionDigits: 1 });

function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = String(text);
  return node;
}

/** A horizontal bar chart of [{label, value}] (or several series: values [a, b]) and its table.
 * `columns` names the table's columns: [label column, value column(s)...]. */
export function barChart({ title, items, columns, series = null, unit = "" }) {
  const rows = items.map((i) => ({ label: i.label, values: Array.isArray(i.values) ? i.values : [i.value] }));
  const n = series ? series.length : 1;
  const max = Math.max(1, ...rows.flatMap((r) => r.values.map((v) => Number(v) || 0)));
  // A phone gets a narrower drawing, so that its text is not scaled down to nothing.
  const narrow = typeof window !== "undefined" && window.innerWidth < 600;
  const labelWidth = narrow ? 130 : 220;
  const barArea = narrow ? 150 : 300;
  const bar = 14;
  const rowHeight = n * bar + 10;
  const height = Math.max(rowHeight * rows.length + 8, 30);
  const width = labelWidth + barArea + 60;
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", class: "chart", "aria-label": title, preserveAspectRatio: "xMinYMin meet" });
  chart.append(svg("title", null, title));
  rows.forEach((r, i) => {
    const y = 4 + i * rowHeight;
    const room = narrow ? 20 : 34;
    const name = r.label.length > room ? `${r.label.slice(0, room - 1)}…` : r.label;
    const text = svg("text", { x: labelWidth - 8, y: y + (n * bar) / 2 + 4, "text-anchor": "end", class: "chart-label" }, name);
    text.append(svg("title", null, r.label));
    chart.append(text);
    r.values.forEach((v, s) => {
      const value = Number(v) || 0;
      const w = Math.max(value > 0 ? 2 : 0, Math.round((value / max) * barArea));
      chart.append(svg("rect", { x: labelWidth, y: y + s * bar, width: w, height: bar - 2, rx: 2, class: `chart-bar series-${s}` }));
      chart.append(svg("text", { x: labelWidth + w + 4, y: y + s * bar + bar - 4, class: "chart-value" }, v === null || v === undefined ? "—" : `${number.format(value)}${unit}`));
    });
  });
  const legend = series
    ? el("p", { class: "chart-legend small" }, series.map((name, s) => el("span", { class: "legend-item" }, el("span", { class: `legend-swatch series-${s}`, "aria-hidden": "true" }), name)))
    : null;
  const table = el(
    "table",
    { class: "table table-compact chart-table" },
    el("caption", { class: "visually-hidden" }, title),
    el("thead", null, el("tr", null, columns.map((c, i) => el("th", { scope: "col", class: i ? "num" : null }, c)))),
    el(
      "tbody",
      null,
      rows.map((r) => el("tr", null, el("td", null, r.label), r.values.map((v) => el("td", { class: "num" }, v === null || v === undefined ? "—" : number.format(Number(v)))))),
    ),
  );
  return el(
    "figure",
    { class: "chart-figure" },
    el("figcaption", null, title),
    rows.length ? [chart, legend] : el("p", { class: "muted" }, "Chưa có số liệu."),
    rows.length ? el("div", { class: "table-wrap table-wrap-flat", tabindex: "0", role: "region", "aria-label": `Bảng: ${title}` }, table) : null,
    rows.length ? csvLink(title, columns, rows) : null,
  );
}

/** "Tải bảng (CSV)": the table as a CSV file (UTF-8 with BOM, for Excel). */
function csvLink(title, columns, rows) {
  const quote = (v) => `"${String(v ?? "").replaceAll('"', '""')}"`;
  const lines = [columns.map(quote).join(","), ...rows.map((r) => [r.label, ...r.values].map(quote).join(","))];
  const button = el("button", { type: "button", class: "button button-small button-light chart-export" }, "Tải bảng (CSV)");
  button.addEventListener("click", () => {
    const blob = new Blob(["\ufeff" + lines.join("\r\n")], { type: "text/csv;charset=utf-8" });
    const href = URL.createObjectURL(blob);
    const a = el("a", { href, download: `${title.replace(/[^\p{L}\p{N}]+/gu, "-").toLowerCase()}.csv`, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(href), 30_000);
  });
  return el("p", { class: "chart-actions" }, button);
}
