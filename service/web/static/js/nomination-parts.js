/* Pieces that several nomination pages show: the status badge, the route's steps, the criteria box. */

import { el } from "./dom.js";
import { statusLabel, stepKindLabel } from "./labels.js";
import { unitName } from "./session.js";

export function statusBadge(status) {
  return el("span", { class: `badge status-${status}` }, statusLabel(status));
}

/** The steps of a route; with a status, those passed, the current one (labelled) and those to come. */
export function routeList(steps, currentStep, status, currentLabel) {
  const currentIndex = steps.findIndex((s) => s.key === currentStep);
  return el(
    "ol",
    { class: "route" },
    steps.map((step, i) => {
      let stepState = "pending";
      let stateLabel = null;
      if (status === "awarded" || (status && currentIndex >= 0 && i < currentIndex)) {
        stepState = "done";
        stateLabel = "Đã qua";
      } else if (status === "in_progress" && i === currentIndex) {
        stepState = "current";
        stateLabel = currentLabel || "Đang xử lý";
      }
      return el(
        "li",
        { class: `route-step step-${stepState}`, "aria-current": stepState === "current" ? "step" : undefined },
        el("span", { class: "step-no", "aria-hidden": "true" }, String(i + 1)),
        el(
          "div",
          { class: "step-body" },
          el("span", { class: "step-name" }, step.name),
          el("span", { class: "muted small" }, [step.unit_name || unitName(step.unit_id), `${stepKindLabel(step.kind)}`, `${step.working_days} ngày làm việc`].join(" · ")),
          stateLabel ? el("span", { class: `badge badge-${stepState}` }, stateLabel) : null,
        ),
      );
    }),
  );
}

/** The criteria as the API takes them: one per non-empty line, each met. */
export function criteriaFromText(text) {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => ({ text: line, met: true }));
}
