/* Ủy quyền: signing on behalf of the chairperson (KT. CHỦ TỊCH) and substitutes; the user's
 * delegations, revoking them, and giving a new one. */

import { dateInput, markInvalid, parseDate } from "../dates.js";
import { api } from "../api.js";
import { clearError, reportError, setPendingNotice, showError } from "../alerts.js";
import { clear, el, field, options, uid } from "../dom.js";
import { formatDate, todayIso } from "../format.js";
import { delegationKindLabel, labelEntries, roleLabel } from "../labels.js";
import { route } from "../router.js";
import { unitName } from "../session.js";
import { state } from "../state.js";

function delegationState(d) {
  if (d.revoked_at) return ["revoked", "Đã thu hồi"];
  if (d.active) return ["active", "Đang hiệu lực"];
  if (d.starts_on > todayIso()) return ["pending", "Chưa đến ngày"];
  return ["ended", "Hết hạn"];
}

export async function renderDelegations(stale) {
  const items = await api("/delegations");
  if (stale()) return null;
  const head = el("div", { class: "page-head" }, el("h1", null, "Ủy quyền"));
  const intro = el(
    "p",
    { class: "muted" },
    "Chủ tịch giao Phó Chủ tịch ký thay (KT. CHỦ TỊCH); người xử lý vắng mặt giao người thay thế. Việc giao quyền tự hết hiệu lực sau ngày kết thúc.",
  );
  let list;
  if (!items.length) {
    list = el("p", { class: "empty card" }, "Chưa có việc giao quyền nào liên quan đến bạn.");
  } else {
    const rows = items.map((d) => {
      const [code, label] = delegationState(d);
      const mine = state.me && d.from_user_id === state.me.id;
      let action = null;
      if (mine && !d.revoked_at && code !== "ended") {
        action = el("button", { type: "button", class: "button button-danger button-small" }, "Thu hồi");
        action.addEventListener("click", () => revokeDelegation(d, action));
      }
      return el(
        "tr",
        null,
        el("td", null, delegationKindLabel(d.kind)),
        el("td", null, d.from_name),
        el("td", null, d.to_name),
        el("td", null, roleLabel(d.role), el("div", { class: "muted small" }, unitName(d.unit_id))),
        el("td", { class: "nowrap" }, `${formatDate(d.starts_on)} – ${formatDate(d.ends_on)}`),
        el("td", { class: "prewrap" }, d.reason || "—"),
        el("td", null, el("span", { class: `badge delegation-${code}` }, label)),
        el("td", null, action),
      );
    });
    const table = el(
      "table",
      { class: "table delegations" },
      el("caption", { class: "visually-hidden" }, "Danh sách giao quyền"),
      el("thead", null, el("tr", null, ["Hình thức", "Người giao", "Người được giao", "Vai trò", "Thời hạn", "Lý do", "Trạng thái", ""].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", null, rows),
    );
    list = el("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Danh sách giao quyền" }, table);
  }
  const form = delegationForm();
  return [head, intro, form, el("h2", { class: "section-title" }, "Danh sách giao quyền"), list];
}

async function revokeDelegation(d, button) {
  clearError();
  if (!window.confirm(`Thu hồi việc giao quyền cho ${d.to_name}?`)) return;
  button.disabled = true;
  try {
    await api(`/delegations/${encodeURIComponent(d.id)}/revoke`, { method: "POST" });
    setPendingNotice(`Đã thu hồi việc giao quyền cho ${d.to_name}.`);
    await route();
  } catch (error) {
    reportError(error);
    button.disabled = false;
  }
}

function delegationForm() {
  const roles = (state.me ? state.me.roles : []).filter((r) => r.role !== "admin");
  const titleId = uid("deleg");
  if (!roles.length) {
    return el("section", { class: "card", "aria-labelledby": titleId }, el("h2", { id: titleId }, "Giao quyền"), el("p", { class: "muted" }, "Bạn không có vai trò nào có thể giao."));
  }
  const roleValue = (r) => `${r.role}@${r.unit_id}`;
  const grantLabel = (r) => `${roleLabel(r.role)} – ${unitName(r.unit_id)}`;
  const chair = roles.some((r) => r.role === "chairperson");
  const kind = options(
    el("select", { name: "kind" }),
    labelEntries("delegation_kinds").filter(([k]) => chair || k !== "sign_on_behalf"),
    chair ? "sign_on_behalf" : "substitute",
  );
  const role = el("select", { name: "role" });
  const toUser = el("input", { type: "text", name: "to_username", maxlength: "100", autocomplete: "off", autocapitalize: "none", spellcheck: "false", required: true });
  const today = todayIso();
  const starts = dateInput({ name: "starts_on", required: true }, today);
  const ends = dateInput({ name: "ends_on", required: true }, today);
  const reason = el("textarea", { name: "reason", rows: "2", maxlength: "2000" });
  const kindHint = el("p", { class: "hint" });
  const submit = el("button", { type: "submit", class: "button button-primary" }, "Giao quyền");

  function fillRoles() {
    const previous = role.value;
    clear(role);
    const allowed = roles.filter((r) => kind.value !== "sign_on_behalf" || r.role === "chairperson");
    options(role, allowed.map((r) => [roleValue(r), grantLabel(r)]), previous);
    kindHint.textContent =
      kind.value === "sign_on_behalf"
        ? "Người được giao phải là Phó Chủ tịch của cùng cơ quan; quyết định ghi «KT. CHỦ TỊCH – PHÓ CHỦ TỊCH»."
        : "Người thay thế xử lý các việc của vai trò này trong thời gian bạn vắng mặt.";
  }
  kind.addEventListener("change", fillRoles);
  fillRoles();

  kindHint.id = uid("hint");
  kind.setAttribute("aria-describedby", kindHint.id);
  kindHint.classList.add("kind-hint");
  const form = el(
    "form",
    { class: "card form delegation-form", novalidate: true, "aria-labelledby": titleId },
    el("h2", { id: titleId }, "Giao quyền"),
    el("div", { class: "grid-2" }, field("Hình thức giao quyền", kind), field("Vai trò được giao", role)),
    kindHint,
    field("Tên đăng nhập người được giao", toUser),
    el("div", { class: "grid-2 grid-even" }, field("Từ ngày", starts, "Không trước hôm nay."), field("Đến ngày", ends, "Tối đa một năm kể từ ngày bắt đầu.")),
    field("Lý do", reason, "Ví dụ: Chủ tịch đi công tác."),
    el("div", { class: "actions" }, submit),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearError();
    const missing = [];
    for (const [box, name] of [[toUser, "Tên đăng nhập người được giao"], [role, "Vai trò được giao"], [starts, "Từ ngày"], [ends, "Đến ngày"]]) {
      const empty = !box.value.trim();
      markInvalid(box, empty);
      if (empty) missing.push(name);
    }
    if (missing.length) {
      showError({ message: `Vui lòng nhập đủ: ${missing.join(", ")}.` });
      form.querySelector("[aria-invalid=true]").focus();
      return;
    }
    const startsOn = parseDate(starts.value);
    const endsOn = parseDate(ends.value);
    markInvalid(starts, !startsOn);
    markInvalid(ends, !endsOn);
    if (!startsOn || !endsOn) {
      showError({ message: "Ngày phải nhập theo dạng dd/mm/yyyy, ví dụ 01/12/2026." });
      (startsOn ? ends : starts).focus();
      return;
    }
    if (endsOn < startsOn) {
      markInvalid(ends, true);
      showError({ message: "Ngày kết thúc không được trước ngày bắt đầu." });
      return;
    }
    const chosen = roles.find((r) => roleValue(r) === role.value);
    submit.disabled = true;
    try {
      const created = await api("/delegations", {
        method: "POST",
        json: {
          kind: kind.value,
          to_username: toUser.value.trim(),
          role: chosen.role,
          unit_id: chosen.unit_id,
          starts_on: startsOn,
          ends_on: endsOn,
          reason: reason.value.trim() || null,
        },
      });
      setPendingNotice(`Đã giao quyền «${delegationKindLabel(created.kind)}» cho ${created.to_name} từ ${formatDate(created.starts_on)} đến ${formatDate(created.ends_on)}.`);
      await route();
    } catch (error) {
      reportError(error);
      submit.disabled = false;
    }
  });
  return form;
}
