/* Links from a nomination or a plan to its workflow in the Temporal UI, for administrators only
 * (GET /api/v1/me gives them the UI's address and namespace; others get none and see the id). */

import { el } from "./dom.js";
import { state } from "./state.js";

const NEW_WINDOW = " (mở trong Temporal UI, cửa sổ mới)";

function namespaceUrl(ui) {
  return `${ui.base}/namespaces/${encodeURIComponent(ui.namespace)}`;
}

/** An <a> to the workflow in the Temporal UI, or the workflow id as text when there is no UI. */
export function temporalLink(workflowId) {
  const ui = state.me && state.me.temporal_ui;
  if (!ui || !workflowId) return el("code", { class: "small" }, workflowId || "—");
  const href = `${namespaceUrl(ui)}/workflows/${encodeURIComponent(workflowId)}`;
  return el("a", { href, target: "_blank", rel: "noopener noreferrer", class: "temporal-link" }, workflowId, el("span", { class: "visually-hidden" }, NEW_WINDOW));
}

/** An <a> to the Temporal UI's list of a unit's nominations: the workflows set the ThiduaUnit search
 * attribute (workflows/search_attributes.py); null when there is no UI. */
export function temporalUnitLink(unit) {
  const ui = state.me && state.me.temporal_ui;
  if (!ui || !unit) return null;
  const query = `ThiduaUnit="${unit.id}"`;
  const href = `${namespaceUrl(ui)}/workflows?query=${encodeURIComponent(query)}`;
  return el("a", { href, target: "_blank", rel: "noopener noreferrer", class: "temporal-unit-link" }, `Tất cả hồ sơ của ${unit.name}`, el("span", { class: "visually-hidden" }, NEW_WINDOW));
}

/** For administrators: the Temporal UI link and the page of the workflow's events beside its readable
 * timeline ("Sự kiện quy trình"); `kind` is "nominations" or "plans". Others get the link alone. */
export function workflowLinks(kind, id, workflowId) {
  const link = temporalLink(workflowId);
  if (!(state.me && state.me.roles.some((r) => r.role === "admin"))) return link;
  return el("span", { class: "workflow-links" }, link, " · ", el("a", { href: `#/admin/workflow/${kind}/${encodeURIComponent(id)}`, class: "workflow-events-link" }, "Sự kiện quy trình"));
}
