/* Thông báo: the notification centre (a new task, a dossier returned or asked to supplement, reminders
 * and escalations, a ballot opened, a decision signed, plan deadlines) with what is unread, marking
 * read, and how the user wants them by e-mail. The header's "Thông báo" shows the unread count. */

import { api, orNull } from "../api.js";
import { reportError, setPendingNotice } from "../alerts.js";
import { $, el, field, options } from "../dom.js";
import { timeElement } from "../format.js";
import { notificationKindLabel } from "../labels.js";
import { route } from "../router.js";

const MODES = [
  ["off", "Không gửi thư"],
  ["immediate", "Gửi ngay từng thông báo"],
  ["digest", "Gửi một thư tóm tắt mỗi ngày"],
];

/** Show the unread count in the header (after sign-in and whenever a page is shown). */
export async function refreshBell() {
  const feed = await orNull(api("/notifications?limit=1"));
  const badge = $("bell-count");
  if (!badge) return;
  const n = feed ? feed.unread : 0;
  badge.textContent = n ? String(n) : "";
  badge.hidden = !n;
  $("bell").setAttribute("aria-label", n ? `Thông báo: ${n} chưa đọc` : "Thông báo: không có thông báo chưa đọc");
}

// A sign beside each kind's name (the name itself comes from the server's labels).
const ICONS = {
  new_task: "✚",
  returned: "↩",
  supplement_requested: "✎",
  reminder: "◷",
  escalation: "⚠",
  overdue: "⚠",
  ballot_opened: "☑",
  decision_signed: "★",
  window: "▤",
};

function kindName(kind) {
  return el("span", { class: "notification-kind" }, el("span", { class: "notification-icon", "aria-hidden": "true" }, ICONS[kind] || "•"), " ", el("strong", null, notificationKindLabel(kind)));
}

/** Where a notification leads: its dossier (and a signed decision), or its plan. */
function links(n, markRead) {
  const out = [];
  if (n.nomination_id) out.push(el("a", { href: `#/nominations/${encodeURIComponent(n.nomination_id)}` }, "Xem hồ sơ"));
  if (n.decision_id) out.push(el("a", { href: `#/decisions/${encodeURIComponent(n.decision_id)}` }, "Xem quyết định"));
  if (n.plan_id) out.push(el("a", { href: `#/plans/${encodeURIComponent(n.plan_id)}` }, "Xem kế hoạch"));
  // Following a link reads it: marked read on the way (the page shown refreshes the header's count).
  if (!n.read) for (const a of out) a.addEventListener("click", markRead);
  return out;
}

export async function renderNotifications(stale) {
  const [feed, prefs] = await Promise.all([api("/notifications?limit=200"), orNull(api("/notifications/preferences"))]);
  if (stale()) return null;
  const markAll = el("button", { type: "button", class: "button button-secondary", disabled: !feed.unread }, "Đánh dấu tất cả đã đọc");
  markAll.addEventListener("click", async () => {
    try {
      await api("/notifications/read", { method: "POST", json: { all: true } });
      setPendingNotice("Đã đánh dấu tất cả thông báo là đã đọc.");
      await route();
    } catch (error) {
      reportError(error);
    }
  });
  const list = feed.items.length
    ? el(
        "ul",
        { class: "notification-list" },
        feed.items.map((n) => {
          const item = { source: n.source, id: n.id };
          const read = el("button", { type: "button", class: "button button-small button-light" }, "Đánh dấu đã đọc");
          read.addEventListener("click", async () => {
            try {
              await api("/notifications/read", { method: "POST", json: { items: [item] } });
              await route();
            } catch (error) {
              reportError(error);
            }
          });
          const markRead = () => {
            api("/notifications/read", { method: "POST", json: { items: [item] } }).then(refreshBell, () => {});
          };
          return el(
            "li",
            { class: `card notification ${n.read ? "read" : "unread"} note-${n.kind}` },
            el("div", { class: "event-head" }, n.read ? null : el("span", { class: "badge badge-current" }, "Mới"), " ", kindName(n.kind), " · ", timeElement(n.created_at)),
            el("p", null, n.message),
            el("div", { class: "actions" }, links(n, markRead), n.read ? null : read),
          );
        }),
      )
    : el("p", { class: "muted card" }, "Chưa có thông báo nào.");
  return [
    el("div", { class: "page-head" }, el("h1", null, "Thông báo"), el("p", { class: "muted count" }, `${feed.unread} thông báo chưa đọc`), markAll),
    list,
    prefs ? preferencesForm(prefs) : null,
  ];
}

function preferencesForm(prefs) {
  const email = el("input", { type: "email", name: "email", maxlength: "254", autocomplete: "email", value: prefs.email || "" });
  const mode = options(el("select", { name: "email_mode" }), MODES, prefs.email_mode || "off");
  const form = el(
    "form",
    { class: "card form", "aria-label": "Nhận thông báo qua thư điện tử" },
    el("h2", null, "Nhận thông báo qua thư điện tử"),
    field("Địa chỉ thư điện tử", email),
    field("Cách gửi", mode, "Thư tóm tắt gửi mỗi sáng, gồm các thông báo từ lần trước."),
    el("div", { class: "actions" }, el("button", { type: "submit", class: "button button-primary" }, "Lưu")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    email.removeAttribute("aria-invalid");
    try {
      await api("/notifications/preferences", { method: "PUT", json: { email: email.value.trim() || null, email_mode: mode.value } });
      setPendingNotice("Đã lưu cách nhận thông báo qua thư điện tử.");
      await route();
    } catch (error) {
      if (error && error.status === 422) email.setAttribute("aria-invalid", "true");
      reportError(error);
    }
  });
  return form;
}
