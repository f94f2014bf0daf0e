/* Phiên họp Hội đồng: the secretary opens a session for the nominations waiting at the council,
 * records attendance and every nominee's result in one form (or lets members hand in one ballot
 * paper each) and watches the results being applied; members fill their ballot paper; anyone of the
 * council reads the session and downloads its minutes (biên bản). */

import { api, download } from "../api.js";
import { clearError, reportError, setPendingNotice } from "../alerts.js";
import { awardFormName, loadAwardForms } from "../catalogue.js";
import { el } from "../dom.js";
import { label, labelEntries, loadLabels } from "../labels.js";
import { timeElement } from "../format.js";
import { state } from "../state.js";
import { unitName } from "../session.js";

const statusName = (code) => label("session_statuses", code);
const modeName = (code) => label("session_modes", code);
const outcomeName = (code) => label("session_outcomes", code);

function councilsOf(role) {
  if (!state.me) return [];
  return [...new Set(state.me.roles.filter((r) => r.role === role).map((r) => r.unit_id))];
}

function numberInput(name, label, attrs = {}) {
  const input = el("input", { type: "number", min: "0", max: "500", step: "1", inputmode: "numeric", name, "aria-label": label, class: "narrow", ...attrs });
  return input;
}

/** #/council-sessions: open a session (secretaries) and the sessions of one's councils. */
export async function renderSessions(params, stale) {
  const secretaryOf = councilsOf("council_secretary");
  const councils = [...new Set([...secretaryOf, ...councilsOf("council_member")])];
  const council = Number(params.get("council")) || secretaryOf[0] || councils[0];
  await Promise.all([loadAwardForms(), loadLabels()]);
  const [sessions, waiting] = await Promise.all([
    api(`/council-sessions${council ? `?council_unit_id=${council}` : ""}`),
    council && secretaryOf.includes(council) ? api(`/council-sessions/waiting?council_unit_id=${council}`) : Promise.resolve([]),
  ]);
  if (stale()) return null;
  const head = el("div", { class: "page-head" }, el("h1", null, "Phiên họp Hội đồng"));
  const parts = [head];
  if (councils.length > 1) {
    const pick = el("select", { id: "session-council", "aria-label": "Hội đồng" }, councils.map((id) => el("option", { value: String(id), selected: id === council }, unitName(id))));
    pick.addEventListener("change", () => {
      location.hash = `#/council-sessions?council=${pick.value}`;
    });
    parts.push(el("p", null, el("label", { for: "session-council" }, "Hội đồng: "), pick));
  }
  if (secretaryOf.includes(council)) parts.push(openForm(council, waiting));
  const rows = sessions.map((s) =>
    el(
      "tr",
      null,
      el("td", null, el("a", { href: `#/council-sessions/${s.id}` }, timeElement(s.opened_at))),
      el("td", null, s.council_name || unitName(s.council_unit_id)),
      el("td", null, modeName(s.mode)),
      el("td", null, statusName(s.status)),
      el("td", null, `${s.applied}/${s.total}`),
    ),
  );
  parts.push(
    el("h2", null, "Các phiên họp"),
    sessions.length
      ? el(
          "div",
          { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Các phiên họp" },
          el("table", { class: "table" }, el("thead", null, el("tr", null, ["Mở lúc", "Hội đồng", "Hình thức", "Trạng thái", "Đã áp dụng"].map((h) => el("th", { scope: "col" }, h)))), el("tbody", null, rows)),
        )
      : el("p", { class: "empty card" }, "Chưa có phiên họp nào."),
  );
  return parts;
}

function openForm(council, waiting) {
  const free = waiting.filter((w) => !w.in_session && !w.ballot_open);
  const box = el("section", { class: "card", "aria-labelledby": "open-session-title" }, el("h2", { id: "open-session-title" }, `Mở phiên họp (${free.length} hồ sơ đang chờ Hội đồng xét)`));
  if (!free.length) {
    box.append(el("p", { class: "empty" }, "Không có hồ sơ nào đang chờ Hội đồng xét."));
    return box;
  }
  const boxes = free.map((w) => el("input", { type: "checkbox", name: "nomination", value: w.nomination_id, checked: true, "aria-label": `Chọn ${w.nominee_name}` }));
  const all = el("input", { type: "checkbox", checked: true, "aria-label": "Chọn tất cả" });
  all.addEventListener("change", () => {
    for (const b of boxes) b.checked = all.checked;
  });
  const rows = free.map((w, i) =>
    el(
      "tr",
      null,
      el("td", null, boxes[i]),
      el("td", null, el("a", { href: `#/nominations/${w.nomination_id}` }, w.nominee_name)),
      el("td", null, w.proposing_unit_name || unitName(w.proposing_unit_id)),
      el("td", null, w.award_form_name || awardFormName(w.award_form)),
      el("td", null, String(w.period_year)),
    ),
  );
  const mode = el("select", { id: "session-mode" }, labelEntries("session_modes").map(([v, name]) => el("option", { value: v }, name)));
  const button = el("button", { type: "button", class: "button button-primary", id: "open-session" }, "Mở phiên họp");
  button.addEventListener("click", async () => {
    clearError();
    const ids = boxes.filter((b) => b.checked).map((b) => b.value);
    if (!ids.length) {
      reportError(new Error("Hãy chọn ít nhất một hồ sơ."));
      return;
    }
    button.disabled = true;
    try {
      const s = await api("/council-sessions", { method: "POST", json: { council_unit_id: council, nomination_ids: ids, mode: mode.value }, headers: { "Idempotency-Key": crypto.randomUUID() } });
      setPendingNotice(`Đã mở phiên họp với ${s.total} hồ sơ.`);
      location.hash = `#/council-sessions/${s.id}`;
    } catch (error) {
      reportError(error);
      button.disabled = false;
    }
  });
  box.append(
    el(
      "div",
      { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Hồ sơ chờ Hội đồng xét" },
      el("table", { class: "table" }, el("thead", null, el("tr", null, el("th", { scope: "col" }, all), ["Đối tượng", "Đơn vị đề nghị", "Hình thức khen thưởng", "Năm"].map((h) => el("th", { scope: "col" }, h)))), el("tbody", null, rows)),
    ),
    el("p", null, el("label", { for: "session-mode" }, "Hình thức biểu quyết: "), mode),
    el("div", { class: "actions" }, button),
  );
  return box;
}

/** #/council-sessions/{id}: the session, its form or ballot paper, its progress and its minutes. */
export async function renderSession(id, stale) {
  const [s] = await Promise.all([api(`/council-sessions/${encodeURIComponent(id)}`), loadLabels()]);
  if (stale()) return null;
  const secretary = councilsOf("council_secretary").includes(s.council_unit_id);
  const member = councilsOf("council_member").includes(s.council_unit_id);
  const parts = [
    el("div", { class: "page-head" }, el("h1", null, `Phiên họp ${s.council_name || unitName(s.council_unit_id)}`)),
    el(
      "dl",
      { class: "card facts" },
      el("dt", null, "Mở lúc"), el("dd", null, timeElement(s.opened_at)),
      el("dt", null, "Thư ký"), el("dd", null, s.opened_by || ""),
      el("dt", null, "Hình thức"), el("dd", null, modeName(s.mode)),
      el("dt", null, "Trạng thái"), el("dd", { id: "session-status" }, statusName(s.status)),
      s.mode === "electronic" && s.status === "open" ? [el("dt", null, "Số phiếu đã nộp"), el("dd", { id: "session-papers" }, `${s.papers ?? 0}/${s.members ?? "?"} thành viên`)] : null,
      s.present != null ? [el("dt", null, "Có mặt"), el("dd", null, `${s.present}/${s.members} thành viên`)] : null,
    ),
  ];
  if (s.status === "applying" || s.status === "closed") {
    const bar = el("progress", { max: String(s.total), value: String(s.applied), id: "session-progress", "aria-label": "Tiến độ áp dụng kết quả" });
    parts.push(el("p", null, bar, ` Đã áp dụng ${s.applied}/${s.total} kết quả`));
    if (s.status === "applying") {
      // Poll while the workflow applies the results; the page re-renders itself until closed.
      setTimeout(() => {
        if (!stale() && location.hash === `#/council-sessions/${id}`) window.dispatchEvent(new HashChangeEvent("hashchange"));
      }, 1000);
    }
  }
  if (s.status === "open" && s.mode === "meeting" && secretary) parts.push(resultsForm(s));
  else if (s.status === "open" && s.mode === "electronic") {
    if (member) parts.push(await ballotPaper(s));
    if (secretary) parts.push(closeVoting(s));
  } else parts.push(resultsTable(s));
  if (s.status === "closed") {
    const dl = (kind, label) => {
      const b = el("button", { type: "button", class: `button ${kind === "pdf" ? "button-primary" : "button-secondary"}`, "data-download": kind }, label);
      b.addEventListener("click", async () => {
        clearError();
        try {
          await download(`/council-sessions/${encodeURIComponent(id)}/minutes.${kind}`, `bien-ban-phien-hop.${kind}`);
        } catch (error) {
          reportError(error);
        }
      });
      return b;
    };
    parts.push(el("div", { class: "actions" }, dl("pdf", "Tải biên bản (PDF)"), dl("docx", "Tải biên bản (DOCX)")));
  }
  return parts;
}

function outcomeText(r) {
  if (!r.outcome) return "Chưa áp dụng";
  // A failed tally's reason already reads "Không đạt: 1/5 phiếu đồng ý…".
  if (r.outcome === "failed" && r.detail) return r.detail;
  return r.detail && r.outcome !== "passed" ? `${outcomeName(r.outcome)}: ${r.detail}` : outcomeName(r.outcome);
}

function resultsTable(s) {
  const rows = s.results.map((r) =>
    el(
      "tr",
      null,
      el("td", null, String(r.position)),
      el("td", null, el("a", { href: `#/nominations/${r.nomination_id}` }, r.nominee_name)),
      el("td", null, r.proposing_unit_name || ""),
      el("td", null, r.votes_for == null ? "–" : `${r.votes_for + r.written_for}`),
      el("td", null, r.votes_against == null ? "–" : `${r.votes_against + r.written_against}`),
      el("td", null, outcomeText(r)),
    ),
  );
  return el(
    "div",
    { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Kết quả phiên họp" },
    el("table", { class: "table", id: "session-results" }, el("caption", null, `Danh sách xét (${s.total})`), el("thead", null, el("tr", null, ["STT", "Đối tượng", "Đơn vị đề nghị", "Tán thành", "Không tán thành", "Kết quả"].map((h) => el("th", { scope: "col" }, h)))), el("tbody", null, rows)),
  );
}

function resultsForm(s) {
  const present = numberInput("present", "Số thành viên có mặt", { required: true, id: "present" });
  const members = numberInput("members", "Tổng số thành viên (nếu khác danh sách)", { id: "members", min: "1" });
  const reason = el("input", { type: "text", id: "members-reason", maxlength: "1000" });
  const minutes = el("textarea", { id: "minutes", rows: "4", maxlength: "20000", required: true });
  const inputs = s.results.map((r) => ({
    id: r.nomination_id,
    votes_for: numberInput("votes_for", `Tán thành – ${r.nominee_name}`),
    votes_against: numberInput("votes_against", `Không tán thành – ${r.nominee_name}`),
    written_for: numberInput("written_for", `Phiếu văn bản tán thành – ${r.nominee_name}`, { value: "0" }),
    written_against: numberInput("written_against", `Phiếu văn bản không tán thành – ${r.nominee_name}`, { value: "0" }),
  }));
  const rows = s.results.map((r, i) =>
    el(
      "tr",
      { "data-row": String(r.position) },
      el("td", null, String(r.position)),
      el("td", null, el("a", { href: `#/nominations/${r.nomination_id}` }, r.nominee_name), el("div", { class: "muted small" }, r.proposing_unit_name || "")),
      el("td", null, inputs[i].votes_for),
      el("td", null, inputs[i].votes_against),
      el("td", null, inputs[i].written_for),
      el("td", null, inputs[i].written_against),
    ),
  );
  const fillAll = el("button", { type: "button", class: "button button-secondary" }, "Điền: mọi người có mặt tán thành");
  fillAll.addEventListener("click", () => {
    for (const row of inputs) {
      row.votes_for.value = present.value || "";
      row.votes_against.value = "0";
    }
  });
  const button = el("button", { type: "submit", class: "button button-primary", id: "record-results" }, "Ghi kết quả phiên họp");
  const form = el(
    "form",
    { class: "card", id: "session-results-form" },
    el("h2", null, "Kết quả phiên họp"),
    el("p", null, el("label", { for: "present" }, "Số thành viên có mặt: "), present),
    el("p", null, el("label", { for: "members" }, "Tổng số thành viên theo quyết định thành lập (để trống nếu đúng danh sách trong hệ thống): "), members),
    el("p", null, el("label", { for: "members-reason" }, "Lý do (nếu khác danh sách): "), reason),
    el("p", null, el("label", { for: "minutes" }, "Biên bản (số, nội dung chính)"), minutes),
    el("div", { class: "actions" }, fillAll),
    el(
      "div",
      { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Kết quả từng hồ sơ" },
      el("table", { class: "table" }, el("thead", null, el("tr", null, ["STT", "Đối tượng", "Tán thành", "Không tán thành", "Văn bản: tán thành", "Văn bản: không tán thành"].map((h) => el("th", { scope: "col" }, h)))), el("tbody", null, rows)),
    ),
    el("div", { class: "actions" }, button),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearError();
    for (const row of form.querySelectorAll("[data-row]")) row.classList.remove("row-error");
    const num = (input) => (input.value === "" ? null : Number(input.value));
    const body = {
      present: num(present),
      minutes: minutes.value,
      results: inputs.map((r) => ({ nomination_id: r.id, votes_for: num(r.votes_for), votes_against: num(r.votes_against), written_for: num(r.written_for) ?? 0, written_against: num(r.written_against) ?? 0 })),
    };
    if (members.value) {
      body.members = num(members);
      body.members_reason = reason.value;
    }
    button.disabled = true;
    try {
      await api(`/council-sessions/${encodeURIComponent(s.id)}/results`, { method: "POST", json: body });
      setPendingNotice("Đã ghi kết quả; hệ thống đang áp dụng cho từng hồ sơ.");
      window.dispatchEvent(new HashChangeEvent("hashchange"));
    } catch (error) {
      // Rows the server names are highlighted.
      for (const e of error.problem?.errors || []) {
        const row = e.row && form.querySelector(`[data-row="${e.row}"]`);
        if (row) row.classList.add("row-error");
      }
      reportError(error);
      button.disabled = false;
    }
  });
  return form;
}

async function ballotPaper(s) {
  const mine = await api(`/council-sessions/${encodeURIComponent(s.id)}/paper`);
  if (mine) return el("p", { class: "notice", id: "paper-done" }, `Bạn đã nộp phiếu (${mine.votes} hồ sơ). Phiếu kín: hệ thống không lưu bạn đã chọn gì.`);
  const choices = s.results.map((r) => {
    const name = `choice-${r.position}`;
    const yes = el("input", { type: "radio", name, value: "for", id: `${name}-for`, required: true });
    const no = el("input", { type: "radio", name, value: "against", id: `${name}-against` });
    return { id: r.nomination_id, yes, no, row: el("tr", null, el("td", null, String(r.position)), el("td", null, r.nominee_name), el("td", null, yes, el("label", { for: `${name}-for` }, " Tán thành")), el("td", null, no, el("label", { for: `${name}-against` }, " Không tán thành"))) };
  });
  const button = el("button", { type: "submit", class: "button button-primary", id: "hand-in-paper" }, "Nộp phiếu");
  const form = el(
    "form",
    { class: "card", id: "ballot-paper" },
    el("h2", null, "Phiếu bầu của bạn"),
    el("p", { class: "muted" }, "Chọn cho từng hồ sơ rồi nộp một lần. Phiếu kín: chỉ tổng số phiếu được đếm."),
    el("div", { class: "table-wrap" }, el("table", { class: "table" }, el("tbody", null, choices.map((c) => c.row)))),
    el("div", { class: "actions" }, button),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearError();
    button.disabled = true;
    try {
      const body = { choices: choices.map((c) => ({ nomination_id: c.id, choice: c.yes.checked ? "for" : "against" })) };
      await api(`/council-sessions/${encodeURIComponent(s.id)}/paper`, { method: "POST", json: body });
      setPendingNotice("Đã nộp phiếu.");
      window.dispatchEvent(new HashChangeEvent("hashchange"));
    } catch (error) {
      reportError(error);
      button.disabled = false;
    }
  });
  return form;
}

function closeVoting(s) {
  const button = el("button", { type: "button", class: "button button-primary", id: "close-voting" }, "Kết thúc bỏ phiếu và kiểm phiếu");
  button.addEventListener("click", async () => {
    if (!window.confirm("Kết thúc bỏ phiếu? Thành viên chưa nộp phiếu sẽ không bỏ phiếu được nữa.")) return;
    clearError();
    button.disabled = true;
    try {
      await api(`/council-sessions/${encodeURIComponent(s.id)}/close`, { method: "POST" });
      window.dispatchEvent(new HashChangeEvent("hashchange"));
    } catch (error) {
      reportError(error);
      button.disabled = false;
    }
  });
  return el("div", { class: "actions" }, button, resultsTable(s));
}
