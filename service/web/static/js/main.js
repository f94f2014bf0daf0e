/* Thi đua – Khen thưởng: a small single page over API v1, in native ES modules (no build step).
 *
 * The entry point: wires the page's static parts (login form, logout button, skip link), the routes
 * and the 401 handling, then renders the page the address names. Module scripts run after the
 * document is parsed, so the elements of index.html exist here.
 */

import { setUnauthorizedHandler } from "./api.js";
import { showError } from "./alerts.js";
import { $ } from "./dom.js";
import { loadLabels } from "./labels.js";
import { route, setRoutes } from "./router.js";
import { showLogin, signOut } from "./session.js";
import { state } from "./state.js";
import { renderAwards } from "./views/awards.js";
import { renderSession, renderSessions } from "./views/council-sessions.js";
import { renderDecision, renderSign } from "./views/decisions.js";
import { renderDelegations } from "./views/delegations.js";
import { renderDisclosures } from "./views/disclosures.js";
import { renderInbox } from "./views/inbox.js";
import { onLogin, onLogout } from "./views/login.js";
import { renderCreate } from "./views/new-nomination.js";
import { renderDetail } from "./views/nomination-detail.js";
import { renderNominations } from "./views/nominations.js";
import { renderNewSubmission, renderSubmission, renderSubmissions } from "./views/submissions.js";
import { renderPlan, renderPlans } from "./views/plans.js";
import { renderAudit, renderStuck } from "./views/admin.js";
import { renderDashboard } from "./views/dashboard.js";
import { refreshBell, renderNotifications } from "./views/notifications.js";
import { renderWorkflowEvents } from "./views/workflow-events.js";
import { hasRole } from "./session.js";

// First match wins; an address that matches none shows "Không tìm thấy trang".
setRoutes([
  // Administrators land on the dashboard; everyone else on their inbox.
  { nav: "dashboard", match: (p) => p.length === 0 && hasRole("admin"), render: (p, params, stale) => renderDashboard(stale) },
  { nav: "inbox", match: (p) => p[0] === "inbox" || p.length === 0, render: (p, params, stale) => renderInbox(params, stale) },
  { nav: "dashboard", match: (p) => p[0] === "dashboard", render: (p, params, stale) => renderDashboard(stale) },
  { nav: "notifications", match: (p) => p[0] === "notifications", render: (p, params, stale) => renderNotifications(stale) },
  { nav: "admin", match: (p) => p[0] === "admin" && p[1] === "audit", render: (p, params, stale) => renderAudit(params, stale) },
  { nav: "admin", match: (p) => p[0] === "admin" && p[1] === "stuck", render: (p, params, stale) => renderStuck(stale) },
  { nav: "admin", match: (p) => p[0] === "admin" && p[1] === "workflow" && Boolean(p[3]), render: (p, params, stale) => renderWorkflowEvents(p[2], decodeURIComponent(p[3]), stale) },
  { nav: "nominations", match: (p) => p[0] === "nominations" && Boolean(p[1]), render: (p, params, stale) => renderDetail(p[1], stale) },
  { nav: "nominations", match: (p) => p[0] === "nominations", render: (p, params, stale) => renderNominations(params, stale) },
  { nav: "new", match: (p) => p[0] === "new", render: (p, params, stale) => renderCreate(stale) },
  { nav: "submissions", match: (p) => p[0] === "submissions" && p[1] === "new", render: (p, params, stale) => renderNewSubmission(stale) },
  { nav: "submissions", match: (p) => p[0] === "submissions" && Boolean(p[1]), render: (p, params, stale) => renderSubmission(p[1], stale) },
  { nav: "submissions", match: (p) => p[0] === "submissions", render: (p, params, stale) => renderSubmissions(params, stale) },
  { nav: "disclosures", match: (p) => p[0] === "disclosures", render: (p, params, stale) => renderDisclosures(stale) },
  { nav: "delegations", match: (p) => p[0] === "delegations", render: (p, params, stale) => renderDelegations(stale) },
  { nav: "plans", match: (p) => p[0] === "plans" && Boolean(p[1]), render: (p, params, stale) => renderPlan(p[1], params, stale) },
  { nav: "plans", match: (p) => p[0] === "plans", render: (p, params, stale) => renderPlans(stale) },
  { nav: "sessions", match: (p) => p[0] === "council-sessions" && Boolean(p[1]), render: (p, params, stale) => renderSession(p[1], stale) },
  { nav: "sessions", match: (p) => p[0] === "council-sessions", render: (p, params, stale) => renderSessions(params, stale) },
  { nav: "sign", match: (p) => p[0] === "sign", render: (p, params, stale) => renderSign(stale) },
  { nav: "awards", match: (p) => p[0] === "decisions" && Boolean(p[1]), render: (p, params, stale) => renderDecision(p[1], stale) },
  { nav: "awards", match: (p) => p[0] === "awards", render: (p, params, stale) => renderAwards(params, stale) },
]);

// An expired or forged token: back to the login page, with the server's explanation.
setUnauthorizedHandler((error) => {
  signOut();
  state.pendingNotice = null;
  showLogin();
  showError(error);
});

$("login-form").addEventListener("submit", onLogin);
$("logout-button").addEventListener("click", onLogout);
$("skip-link").addEventListener("click", (event) => {
  event.preventDefault();
  $("main").focus();
});
window.addEventListener("hashchange", route);
// The header's unread count, after each page is shown (signed in only).
document.addEventListener("thidua:rendered", () => {
  if (state.token) refreshBell().catch(() => {});
});
// Start loading the names of codes while the first page asks for the session; a failure here is
// reported by the first page that needs them (it loads them again).
loadLabels().catch(() => {});
route();
