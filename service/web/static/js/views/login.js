/* Signing in (the static form in index.html) and out (the header's button). */

import { api } from "../api.js";
import { clearError, reportError, showError, showNotice } from "../alerts.js";
import { $ } from "../dom.js";
import { route } from "../router.js";
import { hasRole, loadSession, setToken, showLogin, signOut } from "../session.js";

export async function onLogin(event) {
  event.preventDefault();
  clearError();
  showNotice("");
  const username = $("login-username").value.trim();
  const password = $("login-password").value;
  if (!username || !password) {
    showError({ message: "Vui lòng nhập tên đăng nhập và mật khẩu." });
    return;
  }
  const button = event.target.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const token = await api("/auth/token", { method: "POST", form: { username, password }, auth: false });
    setToken(token.access_token);
    $("login-password").value = "";
    await loadSession();
    // Administrators land on the dashboard, everyone else on their inbox.
    const home = hasRole("admin") ? "#/dashboard" : "#/inbox";
    if (!location.hash || location.hash === "#" || location.hash === "#/") location.hash = home;
    else route();
  } catch (error) {
    reportError(error);
  } finally {
    button.disabled = false;
  }
}

export function onLogout() {
  signOut();
  clearError();
  showNotice("Bạn đã đăng xuất.");
  history.replaceState(null, "", "#/");
  showLogin();
}
