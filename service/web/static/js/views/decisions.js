/* Quyết định khen thưởng: the signer's "Ký quyết định" (select the nominations waiting for one's
 * signature, sign once), a decision's page (download PDF/DOCX, verification) and the list. */

import { api, download } from "../api.js";
import { clearError, reportError, setPendingNotice } from "../alerts.js";
import { awardFormName, loadAwardForms } from "../catalogue.js";
import { el } from "../dom.js";
import { timeElement } from "../format.js";
import { nomineeKindLabel } from "../labels.js";

const money = (n) => `${Number(n || 0).toLocaleString("vi-VN")} đồng`;

/** #/sign: the signing tasks in the user's inbox; tick some, sign ONE decision for them. */
export async function renderSign(stale) {
  const [page] = await Promise.all([api("/tasks?limit=200"), loadAwardForms()]);
  if (stale()) return null;
  const waiting = page.items.filter((t) => String(t.step).startsWith("sign"));
  const head = el("div", { class: "page-head" }, el("h1", null, "Ký quyết định"), el("p", { class: "muted count" }, `${waiting.length} hồ sơ chờ ký`));
  if (!waiting.length) return [head, el("p", { class: "empty card" }, "Không có hồ sơ nào chờ bạn ký quyết định.")];
  const boxes = waiting.map((t) => el("input", { type: "checkbox", name: "nomination", value: t.nomination_id, "aria-label": `Chọn ${t.nominee_name}` }));
  const all = el("input", { type: "checkbox", id: "sign-all", "aria-label": "Chọn tất cả" });
  all.addEventListener("change", () => {
    for (const b of boxes) b.checked = all.checked;
  });
  const rows = waiting.map((t, i) =>
    el(
      "tr",
      null,
      el("td", null, boxes[i]),
      el("td", null, el("a", { href: `#/nominations/${t.nomination_id}` }, t.nominee_name)),
      el("td", null, awardFormName(t.award_form)),
      el("td", null, t.step_name),
      el("td", null, timeElement(t.due_at)),
    ),
  );
  const table = el(
    "table",
    { class: "table" },
    el("caption", { class: "visually-hidden" }, "Hồ sơ chờ ký quyết định"),
    el("thead", null, el("tr", null, el("th", { scope: "col" }, all), ["Đối tượng", "Hình thức khen thưởng", "Bước", "Hạn xử lý"].map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", null, rows),
  );
  const button = el("button", { type: "button", class: "button button-primary", id: "sign-decision" }, "Ký quyết định");
  button.addEventListener("click", async () => {
    clearError();
    const ids = boxes.filter((b) => b.checked).map((b) => b.value);
    if (!ids.length) {
      reportError(new Error("Hãy chọn ít nhất một hồ sơ."));
      return;
    }
    if (!window.confirm(`Ký một quyết định khen thưởng cho ${ids.length} hồ sơ đã chọn?`)) return;
    button.disabled = true;
    try {
      const decision = await api("/decisions", { method: "POST", json: { nomination_ids: ids }, headers: { "Idempotency-Key": crypto.randomUUID() } });
      setPendingNotice(`Đã ký Quyết định số ${decision.number_symbol} cho ${decision.nomination_ids.length} hồ sơ.`);
      location.hash = `#/decisions/${decision.id}`;
    } catch (error) {
      reportError(error);
      button.disabled = false;
    }
  });
  return [
    head,
    el("p", { class: "muted" }, "Chọn các hồ sơ cùng hình thức khen thưởng để ký chung một quyết định; số quyết định được cấp tự động theo sổ đăng ký của cơ quan."),
    el("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Hồ sơ chờ ký" }, table),
    el("div", { class: "actions" }, button),
  ];
}

/** #/decisions/{id}: the decision, its awardees, its documents and their verification. */
export async function renderDecision(id, stale) {
  const d = await api(`/decisions/${encodeURIComponent(id)}`);
  if (stale()) return null;
  const verdict = el("p", { class: "muted", id: "verification", role: "status" }, "Chưa kiểm tra chữ ký số.");
  const check = el("button", { type: "button", class: "button button-secondary" }, "Kiểm tra chữ ký số");
  check.addEventListener("click", async () => {
    clearError();
    check.disabled = true;
    try {
      const v = await api(`/decisions/${encodeURIComponent(id)}/verify`);
      if (v.status === "unsigned_digital") verdict.textContent = "Bản điện tử chưa ký số: cần in, ký và đóng dấu trước khi ban hành.";
      else if (v.ok) verdict.textContent = `Chữ ký số hợp lệ, văn bản còn nguyên vẹn${v.trusted ? "" : " (chứng thư chưa được tin cậy)"}. Người ký: ${v.signer}.`;
      else verdict.textContent = `Chữ ký số KHÔNG hợp lệ: ${v.problem || "văn bản đã bị thay đổi sau khi ký"}.`;
      verdict.className = v.ok ? "notice" : "muted";
    } catch (error) {
      reportError(error);
    } finally {
      check.disabled = false;
    }
  });
  const number = String(d.number).padStart(2, "0");
  const dl = (kind, label) => {
    const path = kind === "certs" ? "certificates.pdf" : `document.${kind}`;
    const name = kind === "certs" ? `bang-khen-${number}-${d.year}.pdf` : `quyet-dinh-${number}-${d.year}.${kind}`;
    const b = el("button", { type: "button", class: `button ${kind === "certs" ? "button-secondary" : "button-primary"}`, "data-download": kind }, label);
    b.addEventListener("click", async () => {
      clearError();
      try {
        await download(`/decisions/${encodeURIComponent(id)}/${path}`, name);
      } catch (error) {
        reportError(error);
      }
    });
    return b;
  };
  const rows = d.awardees.map((a) =>
    el(
      "tr",
      null,
      el("td", null, String(a.position)),
      el("td", null, el("a", { href: `#/nominations/${a.nomination_id}` }, a.nominee_name), el("div", { class: "muted small" }, nomineeKindLabel(a.nominee_kind))),
      el("td", null, a.proposing_unit.name),
      el("td", null, a.achievements),
      el("td", null, money(a.prize_amount)),
    ),
  );
  return [
    el("div", { class: "page-head" }, el("h1", null, `Quyết định số ${d.number_symbol}`)),
    el(
      "dl",
      { class: "card facts" },
      el("dt", null, "Cơ quan ban hành"), el("dd", null, d.issuing_unit.name),
      el("dt", null, "Hình thức khen thưởng"), el("dd", null, d.award_form_name || d.award_form),
      el("dt", null, "Ngày ký"), el("dd", null, timeElement(d.signed_at)),
      el("dt", null, "Người ký"), el("dd", null, d.signer),
      el("dt", null, "Tổng tiền thưởng"), el("dd", null, money(d.prize_total)),
    ),
    el("div", { class: "actions" }, dl("pdf", "Tải PDF"), dl("docx", "Tải DOCX"), dl("certs", "In bằng khen, giấy khen (phôi in sẵn)"), check),
    verdict,
    el(
      "div",
      { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Danh sách được khen thưởng" },
      el(
        "table",
        { class: "table" },
        el("caption", null, `Danh sách được khen thưởng (${d.awardees.length})`),
        el("thead", null, el("tr", null, ["STT", "Đối tượng", "Đơn vị", "Thành tích", "Tiền thưởng"].map((h) => el("th", { scope: "col" }, h)))),
        el("tbody", null, rows),
      ),
    ),
  ];
}
