/* The inbox's "Bỏ phiếu" section: the electronic ballots a council member may vote in, secretly. */

import { api } from "../api.js";
import { clearError, reportError, setPendingNotice } from "../alerts.js";
import { awardFormName } from "../catalogue.js";
import { clear, el, uid } from "../dom.js";
import { timeElement } from "../format.js";
import { ballotChoiceLabel } from "../labels.js";
import { route } from "../router.js";
import { state } from "../state.js";

export function ballotSection(ballots) {
  return el(
    "section",
    { class: "ballot-section", "aria-labelledby": "ballot-title" },
    el("h2", { id: "ballot-title" }, "Bỏ phiếu"),
    el("p", { class: "muted small" }, "Bỏ phiếu kín: hệ thống chỉ ghi nhận số phiếu, không ghi ai bỏ phiếu thế nào."),
    ballots.length
      ? el("ul", { class: "task-list ballot-list" }, ballots.map((b) => ballotCard(b)))
      : el("p", { class: "empty card" }, "Không có cuộc bỏ phiếu nào đang mở."),
  );
}

// The server says which ballots this seat voted in (never how); the page also remembers its own votes.
function votedKey(b) {
  return `${state.me ? state.me.id : ""}:${b.nomination_id}:${b.step}:${b.number}`;
}

function votedNote() {
  return el("p", { class: "voted-note" }, "Bạn đã bỏ phiếu cho hồ sơ này.");
}

function ballotCard(b) {
  const titleId = uid("ballot");
  const nominee = b.nominee_name || "(không rõ tên)";
  const meta = el(
    "dl",
    { class: "meta" },
    el("div", null, el("dt", null, "Hình thức"), el("dd", null, awardFormName(b.award_form))),
    el("div", null, el("dt", null, "Lần bỏ phiếu"), el("dd", null, String(b.number))),
    el("div", null, el("dt", null, "Số thành viên Hội đồng"), el("dd", null, String(b.members))),
    el("div", null, el("dt", null, "Mở lúc"), el("dd", null, timeElement(b.opened_at))),
  );
  const box = el("div", { class: "task-actions" });
  if (b.voted || state.voted.has(votedKey(b))) {
    box.append(votedNote());
  } else {
    const buttons = [
      ["for", "button-primary"],
      ["against", "button-danger"],
    ].map(([choice, cls]) => el("button", { type: "button", class: `button ${cls}`, "data-choice": choice }, ballotChoiceLabel(choice)));
    box.append(el("div", { class: "actions", role: "group", "aria-label": `Phiếu bầu về hồ sơ ${nominee}` }, buttons));
    for (const button of buttons) {
      button.addEventListener("click", () => castVote(b, button.dataset.choice, buttons, box));
    }
  }
  return el(
    "li",
    { class: "card ballot-card", "aria-labelledby": titleId },
    el("h3", { id: titleId, class: "task-title" }, el("a", { href: `#/nominations/${b.nomination_id}` }, nominee)),
    meta,
    box,
  );
}

async function castVote(b, choice, buttons, box) {
  clearError();
  for (const button of buttons) button.disabled = true;
  try {
    await api(`/nominations/${encodeURIComponent(b.nomination_id)}/ballot/votes`, { method: "POST", json: { choice, ballot: b.number } });
    state.voted.add(votedKey(b));
    // The notice does not repeat the choice: the screen may be seen by others.
    setPendingNotice(`Đã ghi nhận phiếu bầu của bạn cho hồ sơ ${b.nominee_name || ""}.`.replace(" .", "."));
    await route();
  } catch (error) {
    if (error && error.problem && error.problem.code === "already_voted") {
      state.voted.add(votedKey(b));
      clear(box);
      box.append(votedNote());
    } else {
      for (const button of buttons) button.disabled = false;
    }
    reportError(error);
  }
}
