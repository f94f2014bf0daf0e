/* Dates as Vietnamese users read them: dd/mm/yyyy, and instants in Asia/Ho_Chi_Minh whatever the
 * browser's own time zone. */

import { el } from "./dom.js";

const TIME_ZONE = "Asia/Ho_Chi_Minh";

const dateParts = new Intl.DateTimeFormat("en-GB", {
  timeZone: TIME_ZONE,
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
});

/** dd/mm/yyyy of a calendar date "YYYY-MM-DD" (no time zone involved). */
export function formatDate(isoDate) {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(isoDate || ""));
  return m ? `${m[3]}/${m[2]}/${m[1]}` : String(isoDate || "—");
}

/** Today's date "YYYY-MM-DD" in Asia/Ho_Chi_Minh. */
export function todayIso() {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat("en-GB", { timeZone: TIME_ZONE, year: "numeric", month: "2-digit", day: "2-digit" })
      .formatToParts(new Date())
      .map((x) => [x.type, x.value]),
  );
  return `${p.year}-${p.month}-${p.day}`;
}

/** dd/mm/yyyy HH:mm in Asia/Ho_Chi_Minh. */
export function formatDateTime(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  const p = Object.fromEntries(dateParts.formatToParts(date).map((x) => [x.type, x.value]));
  return `${p.day}/${p.month}/${p.year} ${p.hour}:${p.minute}`;
}

/** A <time> element: the instant for machines, dd/mm/yyyy HH:mm for people. */
export function timeElement(iso) {
  return el("time", { datetime: iso || undefined }, formatDateTime(iso));
}

export function currentYear() {
  const parts = new Intl.DateTimeFormat("en-GB", { timeZone: TIME_ZONE, year: "numeric" }).formatToParts(new Date());
  return Number(parts.find((x) => x.type === "year").value);
}
