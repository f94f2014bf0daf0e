/* A nomination's page: its facts, achievements, route, history, ballots and disclosure comments;
 * for the proposing clerk, the forms to resubmit or withdraw it. */

import { clearError, reportError } from "../alerts.js";
import { api, download, orNull } from "../api.js";
import { loadAwardForms } from "../catalogue.js";
import { el } from "../dom.js";
import { formatDate, timeElement } from "../format.js";
import { actionLabel, ballotModeLabel, ballotStatusLabel, labelEntries, nomineeKindLabel, periodKindLabel, phaseLabel, statusLabel } from "../labels.js";
import { routeList, statusBadge } from "../nomination-parts.js";
import { hasRole } from "../session.js";
import { state } from "../state.js";
import { DISCLOSURE_STEP, SUPPLEMENT_STEP } from "../steps.js";
import { temporalUnitLink, workflowLinks } from "../temporal.js";
import { attachmentsSection } from "./attachments.js";
import { resubmitForm, withdrawForm } from "./proposer-forms.js";

export async function renderDetail(id, stale) {
  await loadAwardForms();
  const path = `/nominations/${encodeURIComponent(id)}`;
  const [n, history, ballots, comments, files] = await Promise.all([
    api(path),
    api(`${path}/history`),
    orNull(api(`${path}/ballots`)),
    orNull(api(`${path}/comments`)),
    orNull(attachmentsSection(id)),
  ]);
  if (stale()) return null;
  const stepNames = new Map(n.route.map((s) => [s.key, s.name]));
  for (const [key, name] of labelEntries("phases")) stepNames.set(key, name);
  const currentStepName = n.current_step_name || phaseLabel(n.current_step);

  // Waiting for a supplement or under disclosure: the route step it belongs to is the one held.
  let routeStep = n.current_step;
  let routeLabel;
  const held = { [SUPPLEMENT_STEP]: ["supplement_requested", "Chờ bổ sung hồ sơ"], [DISCLOSURE_STEP]: ["disclosure_started", "Đang công khai"] }[n.current_step];
  if (held) {
    const started = [...history.items].reverse().find((h) => h.action === held[0] && h.step);
    routeStep = started ? started.step : null;
    routeLabel = held[1];
  }

  const head = el(
    "div",
    { class: "page-head" },
    el("div", null, el("p", { class: "eyebrow" }, "Hồ sơ đề nghị khen thưởng"), el("h1", null, n.nominee.name)),
    statusBadge(n.status),
  );
  const facts = el(
    "dl",
    { class: "facts" },
    fact("Đối tượng", `${nomineeKindLabel(n.nominee.kind)}: ${n.nominee.name}`),
    n.nominee.position ? fact("Chức vụ", String(n.nominee.position)) : null,
    n.nominee.date_of_birth ? fact("Ngày sinh", formatDate(String(n.nominee.date_of_birth))) : null,
    n.nominee.workplace ? fact("Nơi công tác / địa chỉ", String(n.nominee.workplace)) : null,
    fact("Hình thức khen thưởng", n.award_form_name || n.award_form),
    fact("Đơn vị đề nghị", n.proposing_unit.name),
    fact("Kỳ xét", `${periodKindLabel(n.period.kind)} – năm ${n.period.year}`),
    fact("Trạng thái", statusLabel(n.status)),
    currentStepName ? fact("Bước hiện tại", currentStepName) : null,
    fact("Ngày tạo", timeElement(n.created_at)),
    fact("Cập nhật", timeElement(n.updated_at)),
    n.decided_at ? fact("Ngày kết thúc", timeElement(n.decided_at)) : null,
    n.signed_by ? fact("Người ký quyết định", n.signed_by) : null,
    state.me.temporal_ui || hasRole("admin") ? fact("Quy trình (Temporal)", [workflowLinks("nominations", n.id, n.workflow_id), state.me.temporal_ui ? [" · ", temporalUnitLink(n.proposing_unit)] : null]) : null,
    n.submission ? fact("Tờ trình", el("a", { href: `#/submissions/${n.submission.id}`, class: "submission-link" }, `Thuộc tờ trình số ${String(n.submission.number).padStart(2, "0")}/${n.submission.symbol}`)) : null,
    n.decision ? fact("Quyết định khen thưởng", [el("a", { href: `#/decisions/${n.decision.id}` }, `Số ${String(n.decision.number).padStart(2, "0")}/${n.decision.symbol}`), " – ", timeElement(n.decision.signed_at)]) : null,
  );
  // The nominee's earlier awards from the register, for whoever judges the criteria.
  const earlier = el(
    "section",
    { class: "card", "aria-labelledby": "earlier-title" },
    el("h2", { id: "earlier-title" }, "Khen thưởng đã nhận (sổ khen thưởng)"),
    (n.earlier_awards || []).length
      ? el("ul", null, n.earlier_awards.map((a) => el("li", null, `${a.award_form_name || a.award_form} – Quyết định số ${a.number_symbol} (${a.issuing_unit.name}), `, timeElement(a.decision.signed_at))))
      : el("p", { class: "muted" }, "Chưa có khen thưởng nào trong sổ."),
  );
  const summary = el("section", { class: "card", "aria-labelledby": "facts-title" }, el("h2", { id: "facts-title" }, "Thông tin hồ sơ"), facts);

  // Criteria of the catalogue that are earlier awards, judged against the award register: next to
  // the dossier's own criterion of the same code, the others listed after the dossier's criteria.
  const checks = n.award_checks || [];
  const checkByCode = new Map(checks.map((c) => [c.criterion_code, c]));
  const shownCodes = new Set(n.criteria.map((c) => c.code).filter((code) => code && checkByCode.has(code)));
  const otherChecks = checks.filter((c) => !shownCodes.has(c.criterion_code));
  const achievements = el(
    "section",
    { class: "card", "aria-labelledby": "ach-title" },
    el("h2", { id: "ach-title" }, "Thành tích"),
    el("p", { class: "prewrap" }, n.achievements),
    el("h3", null, "Tiêu chuẩn"),
    n.criteria.length
      ? el(
          "ul",
          { class: "criteria" },
          n.criteria.map((c) =>
            el("li", { class: c.met === false ? "unmet" : "met" }, el("span", { class: "visually-hidden" }, c.met === false ? "Chưa đạt: " : "Đạt: "), el("span", { "aria-hidden": "true", class: "mark" }, c.met === false ? "✗" : "✓"), " ", c.text, c.evidence ? el("span", { class: "muted small" }, ` (Minh chứng: ${c.evidence})`) : null, c.code && checkByCode.has(c.code) ? awardCheckNote(checkByCode.get(c.code)) : null),
          ),
        )
      : el("p", { class: "muted" }, "Chưa nêu tiêu chuẩn."),
    otherChecks.length
      ? [
          el("h3", null, "Tiêu chuẩn về khen thưởng đã nhận (đối chiếu sổ khen thưởng)"),
          el("ul", { class: "criteria award-checks" }, otherChecks.map((c) => el("li", { class: "award-check-item" }, c.criterion_text, awardCheckNote(c)))),
        ]
      : null,
  );

  const routeSection = el(
    "section",
    { class: "card", "aria-labelledby": "route-title" },
    el("h2", { id: "route-title" }, "Quy trình xét duyệt"),
    n.status === "returned" ? el("p", { class: "returned-note" }, "Hồ sơ đang được trả lại đơn vị đề nghị để chỉnh sửa, bổ sung.") : null,
    n.current_step === SUPPLEMENT_STEP ? el("p", { class: "returned-note" }, "Cơ quan thẩm định đã yêu cầu bổ sung; hồ sơ chờ đơn vị đề nghị bổ sung.") : null,
    routeList(n.route, routeStep, n.status, routeLabel),
  );

  const timeline = el(
    "section",
    { class: "card", "aria-labelledby": "history-title" },
    el("h2", { id: "history-title" }, "Lịch sử xử lý"),
    history.items.length
      ? el(
          "ol",
          { class: "timeline" },
          history.items.map((item) =>
            el(
              "li",
              { class: `event event-${item.source} action-${item.action}` },
              el("div", { class: "event-head" }, el("strong", { class: "event-action" }, actionLabel(item.action)), " ", timeElement(item.at)),
              el("div", { class: "muted small" }, whoActed(item, stepNames)),
              item.comment ? el("p", { class: "event-comment prewrap" }, item.comment) : null,
            ),
          ),
        )
      : el("p", { class: "muted" }, "Chưa có sự kiện nào."),
  );

  // Why it ended without an award: the projection's result, or the rejecting decision's comment.
  let banner = null;
  if (n.status === "rejected") {
    const rejected = [...history.items].reverse().find((h) => h.action === "reject" && h.comment);
    const why = n.result || (rejected ? rejected.comment : "");
    banner = el("div", { class: "result-banner result-rejected", role: "note" }, el("strong", null, "Hồ sơ không được khen thưởng."), why ? ` ${why}` : null);
  } else if (n.current_step === DISCLOSURE_STEP) {
    banner = el(
      "div",
      { class: "result-banner result-disclosure", role: "note" },
      n.disclosure_until ? ["Đang công khai đến ", timeElement(n.disclosure_until)] : "Đang công khai danh sách",
      el("span", { class: "muted small" }, " · Hội đồng xét sau khi hết thời hạn công khai."),
    );
  }

  const ballotSectionEl = ballots && ballots.length ? ballotResults(ballots, stepNames) : null;
  const commentsSection =
    (comments && comments.length) || n.current_step === DISCLOSURE_STEP ? disclosureComments(comments || []) : null;

  const clerk = state.me.roles.some((r) => r.role === "clerk" && r.unit_id === n.proposing_unit.id);
  const actions = [];
  if (clerk && n.status === "returned") {
    const last = [...history.items].reverse().find((h) => h.action === "return");
    const returned = last ? { comment: last.comment, by: [last.actor, last.step ? stepNames.get(last.step) || last.step : null].filter(Boolean).join(" · ") } : null;
    actions.push(resubmitForm(n, returned));
  }
  if (clerk && (n.status === "in_progress" || n.status === "returned")) actions.push(withdrawForm(n));
  // At a submit step, its head downloads the letter (tờ trình) forwarding the dossier upward.
  const submitStep = n.status === "in_progress" ? n.route.find((s) => s.key === n.current_step && s.kind === "submit") : null;
  if (submitStep && state.me.roles.some((r) => r.role === submitStep.role && r.unit_id === submitStep.unit_id)) {
    actions.push(forwardLetterSection(n, submitStep));
  }

  return [
    el("p", { class: "breadcrumb" }, el("a", { href: "#/nominations" }, "‹ Danh sách hồ sơ")),
    head,
    banner,
    el(
      "div",
      { class: "detail-grid" },
      el("div", { class: "detail-main" }, summary, ballotSectionEl, achievements, files, earlier, commentsSection, actions),
      el("div", { class: "detail-side" }, routeSection, timeline),
    ),
  ];
}

function ballotResults(ballots, stepNames) {
  const columns = [["Lần", null], ["Hình thức", null], ["Tham gia", "num"], ["Đồng ý", "num"], ["Không đồng ý", "num"], ["Kết quả", null]];
  const count = (value) => (value === null || value === undefined ? "—" : String(value));
  const groups = new Map();
  for (const b of ballots) {
    if (!groups.has(b.step)) groups.set(b.step, []);
    groups.get(b.step).push(b);
  }
  const bodies = [...groups.entries()].map(([step, list]) =>
    el(
      "tbody",
      null,
      el("tr", { class: "ballot-group" }, el("th", { scope: "colgroup", colspan: String(columns.length) }, stepNames.get(step) || step)),
      list.map((b) => {
        const open = b.status === "open";
        return [
          el(
            "tr",
            { class: `ballot-row ballot-row-${b.status}` },
            el("td", { class: "num", "data-label": "Lần" }, String(b.number)),
            el(
              "td",
              { "data-label": "Hình thức", class: "ballot-mode" },
              ballotModeLabel(b.mode),
              b.minutes ? el("div", { class: "muted small minutes" }, `Biên bản: ${b.minutes}`) : null,
              el("div", { class: "muted small" }, open ? "Mở lúc " : "Kết thúc ", timeElement(open ? b.opened_at : b.closed_at || b.opened_at)),
            ),
            el("td", { class: "num", "data-label": "Tham gia" }, `${b.participants}/${b.members}`, open ? el("div", { class: "muted small" }, "đã bỏ phiếu") : null),
            el("td", { class: "num", "data-label": "Đồng ý" }, open ? "—" : count(b.votes_for)),
            el("td", { class: "num", "data-label": "Không đồng ý" }, open ? "—" : count(b.votes_against)),
            el("td", { "data-label": "Kết quả", class: "ballot-result" }, el("span", { class: `badge ballot-${b.status}` }, ballotStatusLabel(b.status))),
          ),
          b.reason && !open
            ? el("tr", { class: "ballot-reason-row" }, el("td", null), el("td", { colspan: String(columns.length - 1), class: "muted small" }, b.reason))
            : null,
        ];
      }),
    ),
  );
  const table = el(
    "table",
    { class: "table table-compact ballots" },
    el("caption", { class: "visually-hidden" }, "Kết quả bỏ phiếu của Hội đồng"),
    el("thead", null, el("tr", null, columns.map(([h, cls]) => el("th", { scope: "col", class: cls }, h)))),
    bodies,
  );
  return el(
    "section",
    { class: "card", "aria-labelledby": "ballots-title" },
    el("h2", { id: "ballots-title" }, "Kết quả bỏ phiếu"),
    el("div", { class: "table-wrap table-wrap-flat", tabindex: "0", role: "region", "aria-label": "Kết quả bỏ phiếu" }, table),
    ballots.some((b) => b.status === "open") ? el("p", { class: "muted small table-note" }, "Số phiếu chỉ được công bố khi kết thúc bỏ phiếu; phiếu bầu là bí mật.") : null,
  );
}

function disclosureComments(comments) {
  return el(
    "section",
    { class: "card", "aria-labelledby": "comments-title" },
    el("h2", { id: "comments-title" }, "Ý kiến trong thời gian công khai"),
    comments.length
      ? el(
          "ul",
          { class: "comments" },
          comments.map((c) =>
            el(
              "li",
              { class: "comment" },
              el("div", { class: "event-head" }, el("strong", null, c.author_name), " ", timeElement(c.created_at)),
              el("p", { class: "prewrap" }, c.text),
            ),
          ),
        )
      : el("p", { class: "muted" }, "Chưa có ý kiến nào."),
  );
}

/** Who a history entry is by, and at which step. A council's result comes from the server as the
 * council's, recorded by its secretary ("Hội đồng … (thư ký … ghi nhận)"). */
function whoActed(item, stepNames) {
  const step = item.step ? stepNames.get(item.step) || item.step : null;
  return [item.actor, step].filter(Boolean).join(" · ");
}

/** The submission letter (tờ trình) of this dossier at its submit step, as a PDF draft to sign. */
function forwardLetterSection(n, step) {
  const status = el("p", { class: "muted small", role: "status" });
  const button = el("button", { type: "button", class: "button button-primary" }, "Tải tờ trình (PDF)");
  const name = `to-trinh-${step.key.replace(/^submit:/, "").toLowerCase()}.pdf`;
  button.addEventListener("click", async () => {
    clearError();
    button.disabled = true;
    status.textContent = "";
    try {
      await download("/forward-letters", name, { method: "POST", json: { nomination_ids: [n.id], step: step.key } });
      status.textContent = "Đã tải tờ trình (bản dự thảo: in, ký và đóng dấu trước khi gửi).";
    } catch (error) {
      reportError(error);
    } finally {
      button.disabled = false;
    }
  });
  return el(
    "section",
    { class: "card", "aria-labelledby": "forward-title" },
    el("h2", { id: "forward-title" }, "Tờ trình đề nghị cấp trên khen thưởng"),
    el("p", { class: "muted" }, `${step.name}: tờ trình liệt kê hồ sơ này, để ký và gửi cấp trên.`),
    button,
    status,
  );
}

/** What the award register shows for a criterion that is an earlier award. */
function awardCheckNote(check) {
  if (check.found && check.award) {
    const a = check.award;
    return el("div", { class: "award-check award-check-found" }, `Đã có: ${a.award_form_name || a.award_form}, QĐ số ${a.number_symbol} ngày ${formatDate(check.signed_on)}`);
  }
  return el("div", { class: "award-check award-check-missing" }, "Chưa thấy trong sổ khen thưởng");
}

function fact(label, value) {
  return el("div", null, el("dt", null, label), el("dd", null, value));
}
