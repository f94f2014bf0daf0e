/* Hash routes (#/inbox, #/nominations?status=..., #/nominations/<id>...): each render replaces the
 * view, and a render overtaken by a newer one (the user clicked on) is dropped. */

import { clearError, reportError, showNotice } from "./alerts.js";
import { $, appendChildren, clear, el } from "./dom.js";
import { loadSession, showLogin } from "./session.js";
import { state } from "./state.js";

// [{ match(parts) -> boolean, nav, render(parts, params, stale) -> Promise<content> }], set by main.js.
let routes = [];

export function setRoutes(table) {
  routes = table;
}

function parseHash() {
  const raw = location.hash.replace(/^#/, "") || "/";
  const [path, query = ""] = raw.split("?");
  const parts = path.split("/").filter(Boolean);
  return { parts, params: new URLSearchParams(query) };
}

function setActiveNav(name) {
  for (const link of document.querySelectorAll("[data-nav]")) {
    if (link.dataset.nav === name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

async function notFound() {
  return [el("h1", { tabindex: "-1" }, "Không tìm thấy trang"), el("p", null, el("a", { href: "#/inbox" }, "Về trang Việc cần xử lý"))];
}

/** Render the page the hash names (the login page when signed out). */
export async function route() {
  const seq = ++state.renderSeq;
  clearError();
  showNotice("");
  // The notice about what was just done appears with the page that shows its effect, not over the
  // old page while the new one loads; a render overtaken by a newer one leaves it to that one.
  const flushNotice = () => {
    const pending = state.pendingNotice;
    state.pendingNotice = null;
    if (!pending) return;
    if (typeof pending === "string") showNotice(pending);
    else showNotice(pending.text, pending.tone);
  };
  if (!state.token) {
    flushNotice();
    showLogin();
    return;
  }
  try {
    if (!state.me) await loadSession();
  } catch (error) {
    reportError(error);
    return;
  }
  const { parts, params } = parseHash();
  const view = $("view");
  const stale = () => seq !== state.renderSeq;
  const found = routes.find((r) => r.match(parts));
  const render = found ? () => found.render(parts, params, stale) : notFound;
  setActiveNav(found ? found.nav : null);
  view.setAttribute("aria-busy", "true");
  try {
    const content = await render();
    if (stale()) return;
    clear(view);
    appendChildren(view, [content]);
    flushNotice();
    document.dispatchEvent(new CustomEvent("thidua:rendered"));
    const heading = view.querySelector("h1");
    if (heading) {
      document.title = `${heading.textContent} – Thi đua – Khen thưởng`;
      heading.setAttribute("tabindex", "-1");
      heading.focus({ preventScroll: true });
    }
  } catch (error) {
    if (!stale()) {
      flushNotice();
      reportError(error);
    }
  } finally {
    if (!stale()) view.removeAttribute("aria-busy");
  }
}
