/* A council's step in the inbox: the secretary records the meeting's tally or runs an electronic
 * ballot; a return or a rejection stays possible while no ballot is open. */

import { api, orNull } from "../api.js";
import { clearError, reportError, setPendingNotice, showError } from "../alerts.js";
import { appendChildren, el, field, uid } from "../dom.js";
import { fieldLabel } from "../fields.js";
import { timeElement } from "../format.js";
import { ballotStatusLabel } from "../labels.js";
import { route } from "../router.js";
import { decisionForm } from "./decision.js";

// A ballot's reason inside a longer notice: without its closing full stop.
function stripDot(text) {
  return String(text || "").trim().replace(/[.。]+$/, "");
}

// The step's latest ballot (the API lists them oldest first).
function lastBallot(ballots, step) {
  const mine = (ballots || []).filter((b) => !step || b.step === step);
  return mine.length ? mine[mine.length - 1] : null;
}

export function councilActions(task, ballots) {
  const open = (ballots || []).find((b) => b.step === task.step && b.status === "open");
  const last = lastBallot(ballots, task.step);
  const grid = el("div", { class: open ? "council-grid council-grid-single" : "council-grid" });
  if (!open) grid.append(tallyForm(task));
  grid.append(electronicBallotBox(task, open, last && last.status === "void" ? last : null));
  if (open) {
    // The workflow refuses a tally, a return or a rejection while the ballot is open.
    return el("div", { class: "task-actions" }, grid);
  }
  return el(
    "div",
    { class: "task-actions" },
    grid,
    el(
      "div",
      { class: "council-other" },
      el("h3", null, "Trả lại hoặc không đồng ý"),
      decisionForm(task, ["return", "reject"], "Hội đồng quyết định bằng biểu quyết; ghi rõ lý do khi trả lại hoặc không đồng ý."),
    ),
  );
}

function numberInput(name, value) {
  return el("input", { type: "number", name, min: "0", max: "500", step: "1", inputmode: "numeric", required: true, value: value === undefined || value === null ? "" : String(value) });
}

function tallyForm(task) {
  const titleId = uid("tally");
  const prefill = task.council_members ? task.council_members : "";
  const members = numberInput("members", prefill);
  const present = numberInput("present");
  const votesFor = numberInput("votes_for");
  const votesAgainst = numberInput("votes_against");
  const writtenFor = numberInput("written_for", 0);
  const writtenAgainst = numberInput("written_against", 0);
  const minutes = el("input", { type: "text", name: "minutes", required: true, maxlength: "500", autocomplete: "off", placeholder: "Ví dụ: 05/BB-HĐTĐKT" });
  const comment = el("textarea", { name: "tally_comment", rows: "2", maxlength: "5000" });
  const summary = el("p", { class: "tally-summary", "aria-live": "polite" });
  const submit = el("button", { type: "submit", class: "button button-primary" }, "Ghi kết quả họp");
  const membersHint = task.council_members
    ? `Theo danh sách trong hệ thống, Hội đồng có ${task.council_members} thành viên; sửa nếu biên bản ghi khác.`
    : "Hệ thống chưa có danh sách thành viên Hội đồng: nhập tổng số thành viên theo biên bản.";

  const value = (input) => (input.value.trim() === "" ? null : Number(input.value));
  function updateSummary() {
    const m = value(members);
    const participants = (value(present) || 0) + (value(writtenFor) || 0) + (value(writtenAgainst) || 0);
    const yes = (value(votesFor) || 0) + (value(writtenFor) || 0);
    const no = (value(votesAgainst) || 0) + (value(writtenAgainst) || 0);
    summary.textContent = `Tham gia biểu quyết: ${participants}${m ? `/${m}` : ""} thành viên · Đồng ý: ${yes} · Không đồng ý: ${no}`;
  }
  const form = el(
    "form",
    { class: "tally-form", novalidate: true, "aria-labelledby": titleId },
    el("h3", { id: titleId }, "Ghi kết quả họp Hội đồng"),
    el("p", { class: "hint tally-hint" }, membersHint),
    el(
      "div",
      { class: "number-grid" },
      field("Tổng số thành viên", members),
      field("Số thành viên có mặt", present),
      field("Phiếu đồng ý", votesFor, "Tại cuộc họp."),
      field("Phiếu không đồng ý", votesAgainst, "Tại cuộc họp."),
      field("Phiếu bằng văn bản đồng ý", writtenFor, "Của thành viên vắng mặt."),
      field("Phiếu bằng văn bản không đồng ý", writtenAgainst, "Của thành viên vắng mặt."),
    ),
    summary,
    field("Số, ký hiệu biên bản", minutes, "Bắt buộc: biên bản họp Hội đồng."),
    field("Ghi chú kết quả họp", comment),
    el("div", { class: "actions" }, submit),
  );
  form.addEventListener("input", updateSummary);
  updateSummary();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearError();
    const numbers = { members, present, votes_for: votesFor, votes_against: votesAgainst, written_for: writtenFor, written_against: writtenAgainst };
    const bad = Object.entries(numbers)
      .filter(([, input]) => !/^\d+$/.test(input.value.trim()) || Number(input.value) > 500)
      .map(([name]) => fieldLabel(name));
    if (bad.length) {
      showError({ message: `Vui lòng nhập số nguyên không âm cho: ${bad.join(", ")}.` });
      return;
    }
    if (Number(members.value) < 1) {
      showError({ message: "Tổng số thành viên Hội đồng phải ít nhất là 1." });
      return;
    }
    if (!minutes.value.trim()) {
      showError({ message: "Vui lòng ghi số, ký hiệu biên bản họp Hội đồng." });
      minutes.focus();
      return;
    }
    const body = Object.fromEntries(Object.entries(numbers).map(([name, input]) => [name, Number(input.value)]));
    body.minutes = minutes.value.trim();
    body.comment = comment.value.trim() || null;
    submit.disabled = true;
    try {
      const result = await api(`/nominations/${encodeURIComponent(task.nomination_id)}/tally`, { method: "POST", json: body });
      await noticeCouncilResult(task, result, "Đã ghi kết quả họp Hội đồng");
      await route();
    } catch (error) {
      reportError(error);
      submit.disabled = false;
    }
  });
  return form;
}

function electronicBallotBox(task, open, lastVoid) {
  const titleId = uid("eballot");
  const box = el("section", { class: "eballot", "aria-labelledby": titleId }, el("h3", { id: titleId }, "Bỏ phiếu điện tử"));
  if (open) {
    const close = el("button", { type: "button", class: "button button-primary" }, "Kết thúc bỏ phiếu");
    box.append(
      el("p", { class: "ballot-open-note" }, el("span", { class: "badge ballot-open" }, ballotStatusLabel("open")), " Lần ", String(open.number), ", mở lúc ", timeElement(open.opened_at), "."),
      el("p", { class: "ballot-progress" }, el("strong", null, `Đã bỏ phiếu: ${open.participants}/${open.members} thành viên`), el("span", { class: "muted small" }, " (chỉ số người đã bỏ phiếu; phiếu đồng ý hay không được giữ kín đến khi kết thúc)")),
      el("p", { class: "muted small" }, `${open.members} thành viên Hội đồng bỏ phiếu kín trên hệ thống. Kết quả được tính khi kết thúc bỏ phiếu; trong khi bỏ phiếu không thể ghi kết quả họp, trả lại hay không đồng ý.`),
      el("div", { class: "actions" }, close),
    );
    close.addEventListener("click", async () => {
      clearError();
      if (!window.confirm("Kết thúc bỏ phiếu? Kết quả được tính theo số phiếu đã nhận.")) return;
      close.disabled = true;
      try {
        const result = await api(`/nominations/${encodeURIComponent(task.nomination_id)}/ballot/close`, { method: "POST" });
        await noticeCouncilResult(task, result, "Đã kết thúc bỏ phiếu điện tử");
        await route();
      } catch (error) {
        reportError(error);
        close.disabled = false;
      }
    });
    return box;
  }
  const noMembers = !task.council_members;
  const start = el("button", { type: "button", class: "button button-secondary", disabled: noMembers }, "Mở bỏ phiếu điện tử");
  appendChildren(box, [
    lastVoid ? el("p", { class: "void-note" }, `Lần bỏ phiếu ${lastVoid.number} không hợp lệ: ${lastVoid.reason || ballotStatusLabel("void")}`) : null,
    el(
      "p",
      { class: "muted small" },
      noMembers
        ? "Hệ thống chưa có danh sách thành viên Hội đồng này nên chưa thể bỏ phiếu điện tử; hãy ghi kết quả họp."
        : `Thay cho cuộc họp: ${task.council_members} thành viên Hội đồng bỏ phiếu kín trên hệ thống.`,
    ),
    el("div", { class: "actions" }, start),
  ]);
  start.addEventListener("click", async () => {
    clearError();
    start.disabled = true;
    try {
      await api(`/nominations/${encodeURIComponent(task.nomination_id)}/ballot`, { method: "POST", json: {} });
      setPendingNotice(`Đã mở bỏ phiếu điện tử cho hồ sơ ${task.nominee_name || ""}. Thành viên Hội đồng bỏ phiếu tại mục «Bỏ phiếu» của trang Việc cần xử lý.`);
      await route();
    } catch (error) {
      reportError(error);
      start.disabled = false;
    }
  });
  return box;
}

/** The notice after a tally or a closed ballot: what the council decided, and where the nomination went. */
async function noticeCouncilResult(task, result, prefix) {
  const name = task.nominee_name || "";
  const ballots = await orNull(api(`/nominations/${encodeURIComponent(task.nomination_id)}/ballots`));
  const last = lastBallot(ballots, task.step);
  const reason = last && last.reason ? stripDot(last.reason) : "";
  if (result.status === "rejected") {
    setPendingNotice(`${prefix} cho hồ sơ ${name}: ${reason || "Không đạt"}. Hồ sơ không được khen thưởng.`, "warn");
  } else if (last && last.status === "void") {
    setPendingNotice(`${prefix} cho hồ sơ ${name}: kết quả không hợp lệ. ${reason}. Hồ sơ vẫn ở bước xét của Hội đồng.`, "warn");
  } else if (result.status === "awarded") {
    setPendingNotice(`${prefix} cho hồ sơ ${name}: ${reason || "Đạt"}. Hồ sơ đã được khen thưởng.`);
  } else {
    setPendingNotice(`${prefix} cho hồ sơ ${name}: ${reason || "Đạt"}. Hồ sơ đã chuyển sang bước tiếp theo.`);
  }
}
