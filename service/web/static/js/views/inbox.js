/* Việc cần xử lý: the user's open tasks, and the open ballots of a council member. */

import { api, orNull } from "../api.js";
import { loadAwardForms } from "../catalogue.js";
import { el } from "../dom.js";
import { hasRole } from "../session.js";
import { ballotSection } from "./member-ballots.js";
import { taskCard } from "./task-card.js";

export async function renderInbox(stale) {
  const [page, openBallots] = await Promise.all([api("/tasks"), orNull(api("/ballots")), loadAwardForms()]);
  const councilTasks = page.items.filter((t) => t.decided_by_ballot);
  const ballotLists = await Promise.all(
    councilTasks.map((t) => orNull(api(`/nominations/${encodeURIComponent(t.nomination_id)}/ballots`))),
  );
  if (stale()) return null;
  const ballotsByNomination = new Map(councilTasks.map((t, i) => [t.nomination_id, ballotLists[i]]));
  // A ballot this member has not voted in yet is work too.
  const toVote = (openBallots || []).filter((b) => !b.voted).length;
  const waiting = page.total + toVote;
  const heading = el(
    "div",
    { class: "page-head" },
    el("h1", null, "Việc cần xử lý"),
    el("p", { class: "muted count" }, `${waiting} việc đang chờ`, toVote ? ` (trong đó ${toVote} phiếu bầu chưa bỏ)` : ""),
  );
  const content = [heading];
  if ((openBallots && openBallots.length) || hasRole("council_member")) content.push(ballotSection(openBallots || []));
  if (!page.items.length && !toVote) {
    content.push(el("p", { class: "empty card" }, "Không có việc nào cần xử lý."));
  } else {
    content.push(el("ul", { class: "task-list" }, page.items.map((task) => taskCard(task, ballotsByNomination.get(task.nomination_id)))));
  }
  return content;
}
