/* Việc cần xử lý: the user's open tasks (filtered, sorted, paged, several decided at once), the saved
 * views with their counts, and the open ballots of a council member. */

import { api, orNull } from "../api.js";
import { loadAwardForms } from "../catalogue.js";
import { el } from "../dom.js";
import { hasRole } from "../session.js";
import { bulkBar, selectableCard, takeBulkResult } from "./inbox-bulk.js";
import { filterForm, hasFilters, inboxHref, inboxQuery, viewChips } from "./inbox-filters.js";
import { ballotSection } from "./member-ballots.js";
import { taskCard } from "./task-card.js";

const PAGE_SIZE = 50;

export async function renderInbox(params, stale) {
  const offset = Math.max(0, Number(params.get("offset")) || 0);
  const query = inboxQuery(params);
  query.set("limit", String(PAGE_SIZE));
  query.set("offset", String(offset));
  const filtered = hasFilters(params);
  const [page, openBallots, views] = await Promise.all([
    api(`/tasks?${query}`),
    filtered ? null : orNull(api("/ballots")),
    orNull(api("/saved-views?target=tasks")),
    loadAwardForms(),
  ]);
  const councilTasks = page.items.filter((t) => t.decided_by_ballot);
  const ballotLists = await Promise.all(
    councilTasks.map((t) => orNull(api(`/nominations/${encodeURIComponent(t.nomination_id)}/ballots`))),
  );
  if (stale()) return null;
  const ballotsByNomination = new Map(councilTasks.map((t, i) => [t.nomination_id, ballotLists[i]]));
  // A ballot this member has not voted in yet is work too (the filters apply to tasks only).
  const toVote = (openBallots || []).filter((b) => !b.voted).length;
  const count = filtered
    ? el("p", { class: "muted count", role: "status" }, `${totalText(page)} việc phù hợp bộ lọc`)
    : el("p", { class: "muted count" }, `${totalText(page, toVote)} việc đang chờ`, toVote ? ` (trong đó ${toVote} phiếu bầu chưa bỏ)` : "");
  const content = [el("div", { class: "page-head" }, el("h1", null, "Việc cần xử lý"), count)];
  const result = takeBulkResult();
  if (result) content.push(result);
  if (views) content.push(viewChips(views, params));
  content.push(filterForm(params, page.items));
  if (!filtered && ((openBallots && openBallots.length) || hasRole("council_member"))) content.push(ballotSection(openBallots || []));
  if (!page.items.length) {
    if (filtered || !toVote) content.push(el("p", { class: "empty card" }, filtered ? "Không có việc nào phù hợp bộ lọc." : "Không có việc nào cần xử lý."));
  } else {
    const cards = page.items.map((task) => selectableCard(task, taskCard(task, ballotsByNomination.get(task.nomination_id))));
    content.push(bulkBar(cards), el("ul", { class: "task-list" }, cards.map((c) => c.item)));
  }
  content.push(pagination(params, page));
  return content;
}

function pagination(params, page) {
  if (page.total <= page.limit) return null;
  const link = (offset, label) => el("a", { class: "button button-secondary", href: inboxHref(params, { offset: offset ? String(offset) : "" }) }, label);
  const from = page.offset + 1;
  const to = Math.min(page.offset + page.items.length, page.total);
  return el(
    "nav",
    { class: "pager", "aria-label": "Phân trang" },
    page.offset > 0 ? link(Math.max(0, page.offset - page.limit), "‹ Trang trước") : null,
    el("span", null, `${from}–${to} / ${totalText(page)}`),
    to < page.total ? link(page.offset + page.limit, "Trang sau ›") : null,
  );
}

// Past 10,000 the server stops counting: say "more than" rather than a number it did not count.
function totalText(page, extra = 0) {
  const n = (page.total + extra).toLocaleString("vi-VN");
  return page.total_capped ? `hơn ${n}` : n;
}
