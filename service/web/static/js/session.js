/* Who is signed in: the token, the user's roles and units, and the page's signed-in / signed-out chrome
 * (navigation and user box in the header, the login form). */

import { api } from "./api.js";
import { $, clear } from "./dom.js";
import { loadLabels, roleLabel } from "./labels.js";
import { state, TOKEN_KEY } from "./state.js";

export function setToken(token) {
  state.token = token;
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function signOut() {
  state.token = null;
  state.me = null;
  state.units = new Map();
  state.awardForms = null;
  state.voted = new Set();
  sessionStorage.removeItem(TOKEN_KEY);
  $("nav").hidden = true;
  $("user-box").hidden = true;
  clear($("view"));
}

export function showLogin() {
  document.body.classList.add("signed-out");
  $("view").hidden = true;
  $("login-view").hidden = false;
  $("nav").hidden = true;
  $("user-box").hidden = true;
  document.title = "Đăng nhập – Thi đua – Khen thưởng";
  $("login-username").focus();
}

/** The signed-in user and the names of units; then the header shows who they are. */
export async function loadSession() {
  // The roles in the header need their names.
  const [me] = await Promise.all([api("/me"), loadLabels()]);
  state.me = me;
  try {
    const units = await api("/units");
    state.units = new Map(units.map((u) => [u.id, u]));
  } catch (error) {
    if (error && error.handled) throw error;
    state.units = new Map(); // names are a convenience; ids still show
  }
  state.units.set(state.me.unit.id, { ...state.units.get(state.me.unit.id), ...state.me.unit });
  renderUserBox();
}

function renderUserBox() {
  const me = state.me;
  $("user-name").textContent = me.full_name;
  $("user-unit").textContent = me.unit.name;
  const roles = me.roles.map((r) => {
    const label = roleLabel(r.role);
    return r.unit_id === me.unit.id ? label : `${label} – ${unitName(r.unit_id)}`;
  });
  $("user-roles").textContent = roles.join("; ");
  $("user-box").hidden = false;
  $("nav").hidden = false;
  $("nav-new-item").hidden = !isClerk();
  $("nav-submission-item").hidden = !isClerk();
  $("nav-dashboard-item").hidden = !isLeader();
  $("nav-admin-item").hidden = !hasRole("admin");
  $("nav-sessions-item").hidden = !(hasRole("council_secretary") || hasRole("council_member"));
  $("login-view").hidden = true;
  $("view").hidden = false;
  document.body.classList.remove("signed-out");
}

export function unitName(id) {
  const unit = state.units.get(id);
  return unit ? unit.name : `Đơn vị #${id}`;
}

export function clerkUnitIds() {
  if (!state.me) return [];
  return state.me.roles.filter((r) => r.role === "clerk").map((r) => r.unit_id);
}

export function isClerk() {
  return clerkUnitIds().length > 0;
}

export function hasRole(role) {
  return Boolean(state.me && state.me.roles.some((r) => r.role === role));
}

/** Leaders and administrators see the dashboard in the navigation (anyone may open it). */
export function isLeader() {
  return ["admin", "chairperson", "deputy_chairperson", "secretariat"].some((r) => hasRole(r));
}
