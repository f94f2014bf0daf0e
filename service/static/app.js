/* Thi đua – Khen thưởng: a small single page over API v1.
 *
 * Security rule: user-provided text is only ever inserted with textContent / text nodes
 * (through the el() helper below); this file never assigns innerHTML.
 */
"use strict";

(function () {
  const API = "/api/v1";
  const TOKEN_KEY = "thidua.token";
  const TIME_ZONE = "Asia/Ho_Chi_Minh";
  const PAGE_SIZE = 20;

  // ---------------------------------------------------------------- labels

  const STATUS_LABELS = {
    in_progress: "Đang xét duyệt",
    returned: "Trả lại để chỉnh sửa",
    awarded: "Đã khen thưởng",
    rejected: "Không được khen thưởng",
    withdrawn: "Đã rút",
  };
  const ACTION_LABELS = {
    submit: "Nộp hồ sơ",
    approve: "Đồng ý",
    return: "Trả lại",
    resubmit: "Nộp lại",
    reject: "Không đồng ý",
    withdraw: "Rút hồ sơ",
    award: "Quyết định khen thưởng",
    reminder: "Nhắc việc",
    escalation: "Báo quá hạn",
    workflow_started: "Khởi động quy trình",
    timer_fired: "Đến hạn hẹn giờ",
    workflow_completed: "Kết thúc quy trình",
  };
  const OUTCOME_LABELS = { approve: "Đồng ý", return: "Trả lại", reject: "Không đồng ý" };
  const NOMINEE_KINDS = {
    individual: "Cá nhân",
    collective: "Tập thể",
    household: "Hộ gia đình",
    clan: "Dòng họ",
  };
  const PERIOD_KINDS = {
    annual: "Hằng năm",
    preliminary_review: "Sơ kết 2025",
    final_review: "Tổng kết 2030",
  };
  const ROLE_LABELS = {
    clerk: "Cán bộ thi đua",
    council_secretary: "Thư ký Hội đồng TĐKT",
    council_member: "Thành viên Hội đồng TĐKT",
    appraiser: "Chuyên viên thẩm định",
    chairperson: "Chủ tịch",
    secretariat: "Thường trực phong trào",
    admin: "Quản trị hệ thống",
  };
  const STEP_KIND_LABELS = { council: "Hội đồng xét", appraisal: "Thẩm định", sign: "Ký quyết định" };
  const FIELD_LABELS = {
    award_form: "Hình thức khen thưởng",
    proposing_unit_id: "Đơn vị đề nghị",
    "nominee.kind": "Loại đối tượng",
    "nominee.name": "Tên đối tượng",
    "period.kind": "Kỳ xét",
    "period.year": "Năm",
    achievements: "Thành tích",
    criteria: "Tiêu chuẩn",
    comment: "Ý kiến",
    reason: "Lý do",
  };
  const REVISION_STEP = "revision";

  // ---------------------------------------------------------------- state

  const state = {
    token: sessionStorage.getItem(TOKEN_KEY),
    me: null,
    units: new Map(), // id -> unit
    awardForms: null, // list from the catalogue
    renderSeq: 0,
    pendingNotice: null,
  };

  // ---------------------------------------------------------------- DOM helpers

  const $ = (id) => document.getElementById(id);

  /** Create an element. Strings among the children become text nodes, never markup. */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    if (attrs) {
      for (const [key, value] of Object.entries(attrs)) {
        if (value === undefined || value === null || value === false) continue;
        if (key === "class") node.className = value;
        else if (key === "text") node.textContent = String(value);
        else if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
        else if (key === "value") node.value = value;
        else if (key === "checked" || key === "selected" || key === "disabled" || key === "hidden" || key === "required") node[key] = Boolean(value);
        else if (value === true) node.setAttribute(key, "");
        else node.setAttribute(key, String(value));
      }
    }
    appendChildren(node, children);
    return node;
  }

  function appendChildren(node, children) {
    for (const child of children.flat(Infinity)) {
      if (child === undefined || child === null || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  let idCounter = 0;
  function uid(prefix) {
    idCounter += 1;
    return `${prefix}-${idCounter}`;
  }

  /** A labelled form field; `control` is an input, select or textarea element. */
  function field(label, control, hint) {
    if (!control.id) control.id = uid("f");
    const children = [el("label", { for: control.id }, label)];
    if (hint) {
      const hintId = uid("hint");
      control.setAttribute("aria-describedby", hintId);
      children.push(el("p", { class: "hint", id: hintId }, hint));
    }
    children.push(control);
    return el("div", { class: "field" }, children);
  }

  function options(select, entries, selected) {
    for (const [value, label] of entries) {
      select.append(el("option", { value, selected: value === selected }, label));
    }
    return select;
  }

  function statusBadge(status) {
    return el("span", { class: `badge status-${status}` }, STATUS_LABELS[status] || status);
  }

  // ---------------------------------------------------------------- alerts

  function showError(error) {
    const box = $("alert");
    clear(box);
    const problem = error && error.problem ? error.problem : null;
    const detail =
      (problem && (problem.detail || problem.title)) ||
      (error && error.message) ||
      "Đã có lỗi xảy ra. Vui lòng thử lại.";
    box.append(el("p", { class: "alert-detail" }, detail));
    if (problem && Array.isArray(problem.errors) && problem.errors.length) {
      box.append(
        el(
          "ul",
          { class: "alert-errors" },
          problem.errors.map((e) => el("li", null, `${FIELD_LABELS[e.field] || e.field || "Nội dung"}: ${e.message}`)),
        ),
      );
    }
    box.hidden = false;
    box.scrollIntoView({ block: "nearest" });
  }

  function clearError() {
    const box = $("alert");
    clear(box);
    box.hidden = true;
  }

  function showNotice(text) {
    const box = $("notice");
    box.textContent = text;
    box.hidden = !text;
  }

  // ---------------------------------------------------------------- dates

  const dateParts = new Intl.DateTimeFormat("en-GB", {
    timeZone: TIME_ZONE,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  });

  /** dd/mm/yyyy HH:mm in Asia/Ho_Chi_Minh. */
  function formatDateTime(iso) {
    if (!iso) return "—";
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return String(iso);
    const p = Object.fromEntries(dateParts.formatToParts(date).map((x) => [x.type, x.value]));
    return `${p.day}/${p.month}/${p.year} ${p.hour}:${p.minute}`;
  }

  function timeElement(iso) {
    return el("time", { datetime: iso || undefined }, formatDateTime(iso));
  }

  function currentYear() {
    const parts = new Intl.DateTimeFormat("en-GB", { timeZone: TIME_ZONE, year: "numeric" }).formatToParts(new Date());
    return Number(parts.find((x) => x.type === "year").value);
  }

  // ---------------------------------------------------------------- API

  class ApiError extends Error {
    constructor(problem, status) {
      super(problem.detail || problem.title || `HTTP ${status}`);
      this.problem = problem;
      this.status = status;
    }
  }

  async function api(path, { method = "GET", json, form, headers = {}, auth = true } = {}) {
    const h = { Accept: "application/json, application/problem+json", ...headers };
    if (auth && state.token) h.Authorization = `Bearer ${state.token}`;
    let body;
    if (form) {
      body = new URLSearchParams(form);
      h["Content-Type"] = "application/x-www-form-urlencoded";
    } else if (json !== undefined) {
      body = JSON.stringify(json);
      h["Content-Type"] = "application/json";
    }
    let response;
    try {
      response = await fetch(API + path, { method, headers: h, body, credentials: "same-origin", cache: "no-store" });
    } catch (_e) {
      throw new ApiError({ status: 0, detail: "Không kết nối được tới máy chủ. Vui lòng kiểm tra mạng và thử lại." }, 0);
    }
    let data = null;
    const type = response.headers.get("content-type") || "";
    if (response.status !== 204 && type.includes("json")) {
      data = await response.json().catch(() => null);
    }
    if (!response.ok) {
      const problem =
        data && typeof data === "object"
          ? data
          : { status: response.status, detail: `Máy chủ trả lỗi ${response.status}. Vui lòng thử lại sau.` };
      const error = new ApiError(problem, response.status);
      if (response.status === 401 && auth) {
        signOut();
        state.pendingNotice = null;
        showLogin();
        showError(error);
        error.handled = true;
      }
      throw error;
    }
    return data;
  }

  function reportError(error) {
    if (error && error.handled) return;
    showError(error);
  }

  async function loadAwardForms() {
    if (!state.awardForms) state.awardForms = await api("/award-forms");
    return state.awardForms;
  }

  function awardFormName(code) {
    const form = (state.awardForms || []).find((f) => f.code === code);
    return form ? form.name : code;
  }

  function unitName(id) {
    const unit = state.units.get(id);
    return unit ? unit.name : `Đơn vị #${id}`;
  }

  function clerkUnitIds() {
    if (!state.me) return [];
    return state.me.roles.filter((r) => r.role === "clerk").map((r) => r.unit_id);
  }

  function isClerk() {
    return clerkUnitIds().length > 0;
  }

  // ---------------------------------------------------------------- session

  function signOut() {
    state.token = null;
    state.me = null;
    state.units = new Map();
    state.awardForms = null;
    sessionStorage.removeItem(TOKEN_KEY);
    $("nav").hidden = true;
    $("user-box").hidden = true;
    clear($("view"));
  }

  function showLogin() {
    document.body.classList.add("signed-out");
    $("view").hidden = true;
    $("login-view").hidden = false;
    $("nav").hidden = true;
    $("user-box").hidden = true;
    document.title = "Đăng nhập – Thi đua – Khen thưởng";
    $("login-username").focus();
  }

  async function onLogin(event) {
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
      state.token = token.access_token;
      sessionStorage.setItem(TOKEN_KEY, state.token);
      $("login-password").value = "";
      await loadSession();
      if (!location.hash || location.hash === "#" || location.hash === "#/") location.hash = "#/inbox";
      else route();
    } catch (error) {
      reportError(error);
    } finally {
      button.disabled = false;
    }
  }

  async function loadSession() {
    state.me = await api("/me");
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
      const label = ROLE_LABELS[r.role] || r.role;
      return r.unit_id === me.unit.id ? label : `${label} – ${unitName(r.unit_id)}`;
    });
    $("user-roles").textContent = roles.join("; ");
    $("user-box").hidden = false;
    $("nav").hidden = false;
    $("nav-new-item").hidden = !isClerk();
    $("login-view").hidden = true;
    $("view").hidden = false;
    document.body.classList.remove("signed-out");
  }

  function onLogout() {
    signOut();
    clearError();
    showNotice("Bạn đã đăng xuất.");
    history.replaceState(null, "", "#/inbox");
    showLogin();
  }

  // ---------------------------------------------------------------- routing

  function parseHash() {
    const raw = location.hash.replace(/^#/, "") || "/inbox";
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

  async function route() {
    const seq = ++state.renderSeq;
    clearError();
    if (state.pendingNotice) {
      showNotice(state.pendingNotice);
      state.pendingNotice = null;
    } else {
      showNotice("");
    }
    if (!state.token) {
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
    let render;
    let nav = null;
    if (parts[0] === "inbox" || parts.length === 0) {
      nav = "inbox";
      render = () => renderInbox(stale);
    } else if (parts[0] === "nominations" && parts[1]) {
      nav = "nominations";
      render = () => renderDetail(parts[1], stale);
    } else if (parts[0] === "nominations") {
      nav = "nominations";
      render = () => renderNominations(params, stale);
    } else if (parts[0] === "new") {
      nav = "new";
      render = () => renderCreate(stale);
    } else {
      render = async () => [el("h1", { tabindex: "-1" }, "Không tìm thấy trang"), el("p", null, el("a", { href: "#/inbox" }, "Về trang Việc cần xử lý"))];
    }
    setActiveNav(nav);
    view.setAttribute("aria-busy", "true");
    try {
      const content = await render();
      if (stale()) return;
      clear(view);
      appendChildren(view, [content]);
      const heading = view.querySelector("h1");
      if (heading) {
        document.title = `${heading.textContent} – Thi đua – Khen thưởng`;
        heading.setAttribute("tabindex", "-1");
        heading.focus({ preventScroll: true });
      }
    } catch (error) {
      if (!stale()) reportError(error);
    } finally {
      if (!stale()) view.removeAttribute("aria-busy");
    }
  }

  // ---------------------------------------------------------------- inbox

  async function renderInbox(stale) {
    const [page] = await Promise.all([api("/tasks"), loadAwardForms()]);
    if (stale()) return null;
    const heading = el("div", { class: "page-head" }, el("h1", null, "Việc cần xử lý"), el("p", { class: "muted count" }, `${page.total} việc đang chờ`));
    if (!page.items.length) {
      return [heading, el("p", { class: "empty card" }, "Không có việc nào cần xử lý.")];
    }
    const list = el("ul", { class: "task-list" }, page.items.map((task) => taskCard(task)));
    return [heading, list];
  }

  function taskCard(task) {
    const titleId = uid("task");
    const nominee = task.nominee_name || "(không rõ tên)";
    const meta = el(
      "dl",
      { class: "meta" },
      el("div", null, el("dt", null, "Hình thức"), el("dd", null, awardFormName(task.award_form))),
      el("div", null, el("dt", null, "Bước"), el("dd", null, task.step_name)),
      el("div", null, el("dt", null, "Đơn vị xử lý"), el("dd", null, unitName(task.unit_id))),
      el("div", null, el("dt", null, "Nhận lúc"), el("dd", null, timeElement(task.created_at))),
      el(
        "div",
        null,
        el("dt", null, "Hạn xử lý"),
        el("dd", { class: task.overdue ? "due overdue-text" : "due" }, timeElement(task.due_at), task.overdue ? el("span", { class: "badge badge-overdue" }, "Quá hạn") : null),
      ),
    );
    const notes = (task.notifications || []).length
      ? el(
          "ul",
          { class: "notes", "aria-label": "Thông báo" },
          task.notifications.map((n) =>
            el("li", { class: `note note-${n.kind}` }, el("strong", null, ACTION_LABELS[n.kind] || n.kind), " · ", timeElement(n.created_at), ": ", n.message),
          ),
        )
      : null;

    let actions;
    if (task.step === REVISION_STEP) {
      actions = el(
        "div",
        { class: "task-actions" },
        el("p", { class: "muted" }, "Hồ sơ bị trả lại: hãy chỉnh sửa, bổ sung và nộp lại."),
        el("a", { class: "button button-primary", href: `#/nominations/${task.nomination_id}` }, "Chỉnh sửa và nộp lại hồ sơ"),
      );
    } else {
      const comment = el("textarea", { rows: "2", maxlength: "20000", name: "comment" });
      const buttons = [
        ["approve", "button-primary"],
        ["return", "button-secondary"],
        ["reject", "button-danger"],
      ].map(([outcome, cls]) =>
        el("button", { type: "button", class: `button ${cls}`, "data-outcome": outcome }, OUTCOME_LABELS[outcome]),
      );
      const form = el(
        "div",
        { class: "task-actions" },
        field("Ý kiến", comment, "Không bắt buộc. Nên ghi rõ lý do khi trả lại hoặc không đồng ý."),
        el("div", { class: "actions", role: "group", "aria-label": `Xử lý hồ sơ ${nominee}` }, buttons),
      );
      for (const button of buttons) {
        button.addEventListener("click", () => completeTask(task, button.dataset.outcome, comment, buttons));
      }
      actions = form;
    }
    return el(
      "li",
      { class: task.overdue ? "card task overdue" : "card task", "aria-labelledby": titleId },
      el("h2", { id: titleId, class: "task-title" }, el("a", { href: `#/nominations/${task.nomination_id}` }, nominee)),
      meta,
      notes,
      actions,
    );
  }

  async function completeTask(task, outcome, commentBox, buttons) {
    clearError();
    const comment = commentBox.value.trim();
    if (outcome === "reject" && !window.confirm("Không đồng ý sẽ kết thúc hồ sơ này. Bạn chắc chắn?")) return;
    for (const b of buttons) b.disabled = true;
    try {
      await api(`/tasks/${encodeURIComponent(task.id)}/complete`, {
        method: "POST",
        json: { outcome, comment: comment || null },
      });
      state.pendingNotice = `Đã ghi nhận ý kiến «${OUTCOME_LABELS[outcome]}» cho hồ sơ ${task.nominee_name || ""}.`.replace(" .", ".");
      await route();
    } catch (error) {
      reportError(error);
      for (const b of buttons) b.disabled = false;
    }
  }

  // ---------------------------------------------------------------- nomination list

  async function renderNominations(params, stale) {
    await loadAwardForms();
    const offset = Math.max(0, Number(params.get("offset")) || 0);
    const query = new URLSearchParams();
    for (const key of ["status", "award_form", "year", "q"]) {
      const value = (params.get(key) || "").trim();
      if (value) query.set(key, value);
    }
    query.set("limit", String(PAGE_SIZE));
    query.set("offset", String(offset));
    const page = await api(`/nominations?${query}`);
    if (stale()) return null;

    const status = options(el("select", { name: "status" }), [["", "Tất cả"], ...Object.entries(STATUS_LABELS)], params.get("status") || "");
    const award = options(el("select", { name: "award_form" }), [["", "Tất cả"], ...state.awardForms.map((f) => [f.code, f.name])], params.get("award_form") || "");
    const year = el("input", { type: "number", name: "year", min: "2000", max: "2100", inputmode: "numeric", value: params.get("year") || "" });
    const q = el("input", { type: "search", name: "q", maxlength: "200", value: params.get("q") || "", placeholder: "Tên đối tượng, thành tích…" });
    const filters = el(
      "form",
      { class: "card filters", role: "search", "aria-label": "Lọc hồ sơ" },
      field("Tìm kiếm", q),
      field("Trạng thái", status),
      field("Hình thức khen thưởng", award),
      field("Năm", year),
      el("div", { class: "actions" }, el("button", { type: "submit", class: "button button-primary" }, "Lọc"), el("a", { href: "#/nominations", class: "button button-secondary" }, "Xoá bộ lọc")),
    );
    filters.addEventListener("submit", (event) => {
      event.preventDefault();
      const next = new URLSearchParams();
      for (const [key, control] of [["q", q], ["status", status], ["award_form", award], ["year", year]]) {
        if (control.value.trim()) next.set(key, control.value.trim());
      }
      const target = `#/nominations${next.toString() ? `?${next}` : ""}`;
      if (location.hash === target) route();
      else location.hash = target;
    });

    const head = el(
      "div",
      { class: "page-head" },
      el("h1", null, "Hồ sơ đề nghị"),
      isClerk() ? el("a", { href: "#/new", class: "button button-primary" }, "Tạo đề nghị") : null,
    );
    let body;
    if (!page.items.length) {
      body = el("p", { class: "empty card" }, "Không có hồ sơ nào phù hợp.");
    } else {
      const rows = page.items.map((n) =>
        el(
          "tr",
          null,
          el("td", null, el("a", { href: `#/nominations/${n.id}` }, n.nominee.name), el("div", { class: "muted small" }, NOMINEE_KINDS[n.nominee.kind] || n.nominee.kind)),
          el("td", null, n.award_form_name || n.award_form),
          el("td", null, n.proposing_unit.name),
          el("td", null, `${PERIOD_KINDS[n.period.kind] || n.period.kind} ${n.period.year}`),
          el("td", null, statusBadge(n.status), n.current_step_name ? el("div", { class: "muted small" }, n.current_step_name) : null),
          el("td", null, timeElement(n.updated_at)),
        ),
      );
      const table = el(
        "table",
        { class: "table" },
        el("caption", { class: "visually-hidden" }, "Danh sách hồ sơ đề nghị khen thưởng"),
        el(
          "thead",
          null,
          el("tr", null, ["Đối tượng", "Hình thức khen thưởng", "Đơn vị đề nghị", "Kỳ xét", "Trạng thái", "Cập nhật"].map((h) => el("th", { scope: "col" }, h))),
        ),
        el("tbody", null, rows),
      );
      body = el("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Danh sách hồ sơ" }, table);
    }
    const pager = pagination(params, page);
    return [head, filters, el("p", { class: "muted count", role: "status" }, `Tìm thấy ${page.total} hồ sơ.`), body, pager];
  }

  function pagination(params, page) {
    if (page.total <= page.limit) return null;
    const link = (offset, label) => {
      const next = new URLSearchParams(params);
      next.set("offset", String(offset));
      return el("a", { class: "button button-secondary", href: `#/nominations?${next}` }, label);
    };
    const from = page.offset + 1;
    const to = Math.min(page.offset + page.items.length, page.total);
    return el(
      "nav",
      { class: "pager", "aria-label": "Phân trang" },
      page.offset > 0 ? link(Math.max(0, page.offset - page.limit), "‹ Trang trước") : null,
      el("span", null, `${from}–${to} / ${page.total}`),
      to < page.total ? link(page.offset + page.limit, "Trang sau ›") : null,
    );
  }

  // ---------------------------------------------------------------- create

  /** crypto.randomUUID() where the page is a secure context; the same v4 UUID from getRandomValues elsewhere. */
  function newIdempotencyKey() {
    if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const hex = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  function criteriaFromText(text) {
    return text
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter(Boolean)
      .map((line) => ({ text: line, met: true }));
  }

  async function renderCreate(stale) {
    const forms = await loadAwardForms();
    if (stale()) return null;
    const units = clerkUnitIds();
    if (!units.length) {
      return [el("h1", null, "Tạo đề nghị"), el("p", { class: "card empty" }, "Chỉ cán bộ thi đua của đơn vị mới được tạo hồ sơ đề nghị khen thưởng.")];
    }
    // One Idempotency-Key per form fill: a retry of the same submission reuses it.
    let idempotencyKey = newIdempotencyKey();

    const unit = options(el("select", { name: "proposing_unit_id", required: true }), units.map((id) => [String(id), unitName(id)]), String(units[0]));
    const award = options(el("select", { name: "award_form", required: true }), forms.map((f) => [f.code, f.name]), forms[0] ? forms[0].code : "");
    const nomineeKind = el("select", { name: "nominee_kind", required: true });
    const nomineeName = el("input", { type: "text", name: "nominee_name", required: true, maxlength: "300", autocomplete: "off" });
    const periodKind = el("select", { name: "period_kind", required: true });
    const year = el("input", { type: "number", name: "year", required: true, min: "2000", max: "2100", inputmode: "numeric", value: String(currentYear()) });
    const achievements = el("textarea", { name: "achievements", rows: "6", required: true, maxlength: "20000" });
    const criteria = el("textarea", { name: "criteria", rows: "4" });
    const routeBox = el("div", { class: "route-preview", "aria-live": "polite" });
    const submit = el("button", { type: "submit", class: "button button-primary" }, "Nộp hồ sơ");

    function fillKinds() {
      const form = forms.find((f) => f.code === award.value);
      const previousKind = nomineeKind.value;
      const previousPeriod = periodKind.value;
      clear(nomineeKind);
      clear(periodKind);
      const kinds = (form ? form.nominee_kinds : Object.keys(NOMINEE_KINDS)).map((k) => [k, NOMINEE_KINDS[k] || k]);
      const periods = (form ? form.periods : Object.keys(PERIOD_KINDS)).map((k) => [k, PERIOD_KINDS[k] || k]);
      options(nomineeKind, kinds, previousKind);
      options(periodKind, periods, previousPeriod);
    }

    let routeSeq = 0;
    async function loadRoute() {
      const seq = ++routeSeq;
      clear(routeBox);
      if (!award.value) return;
      routeBox.append(el("p", { class: "muted" }, "Đang tải quy trình…"));
      try {
        const steps = await api(`/award-forms/${encodeURIComponent(award.value)}/route?unit_id=${encodeURIComponent(unit.value)}`);
        if (seq !== routeSeq) return;
        clear(routeBox);
        routeBox.append(el("h2", null, "Quy trình xét duyệt"), routeList(steps, null, null));
        const days = steps.reduce((sum, s) => sum + (s.working_days || 0), 0);
        routeBox.append(el("p", { class: "muted small" }, `Tổng thời hạn dự kiến: ${days} ngày làm việc.`));
      } catch (error) {
        if (seq !== routeSeq) return;
        clear(routeBox);
        reportError(error);
      }
    }

    award.addEventListener("change", () => {
      fillKinds();
      loadRoute();
    });
    unit.addEventListener("change", loadRoute);
    fillKinds();

    const form = el(
      "form",
      { class: "card form create-form", novalidate: true, "aria-labelledby": "create-title" },
      units.length > 1 ? field("Đơn vị đề nghị", unit) : el("p", null, el("strong", null, "Đơn vị đề nghị: "), unitName(units[0])),
      field("Hình thức khen thưởng", award),
      routeBox,
      el(
        "fieldset",
        null,
        el("legend", null, "Đối tượng được đề nghị"),
        el("div", { class: "grid-2" }, field("Loại đối tượng", nomineeKind), field("Tên đối tượng", nomineeName)),
      ),
      el("fieldset", null, el("legend", null, "Kỳ xét khen thưởng"), el("div", { class: "grid-2" }, field("Kỳ xét", periodKind), field("Năm", year))),
      field("Thành tích", achievements, "Tóm tắt thành tích đạt được (báo cáo thành tích)."),
      field("Tiêu chuẩn đã đạt", criteria, "Mỗi dòng một tiêu chuẩn."),
      el("div", { class: "actions" }, submit, el("a", { href: "#/nominations", class: "button button-secondary" }, "Huỷ")),
    );

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearError();
      const missing = [];
      if (!award.value) missing.push("Hình thức khen thưởng");
      if (!nomineeName.value.trim()) missing.push("Tên đối tượng");
      const yearValue = Number(year.value);
      if (!Number.isInteger(yearValue) || yearValue < 2000 || yearValue > 2100) missing.push("Năm (2000–2100)");
      if (!achievements.value.trim()) missing.push("Thành tích");
      if (missing.length) {
        showError({ message: `Vui lòng nhập đủ: ${missing.join(", ")}.` });
        return;
      }
      const body = {
        award_form: award.value,
        proposing_unit_id: Number(unit.value),
        nominee: { kind: nomineeKind.value, name: nomineeName.value.trim() },
        period: { kind: periodKind.value, year: yearValue },
        achievements: achievements.value.trim(),
        criteria: criteriaFromText(criteria.value),
      };
      submit.disabled = true;
      try {
        const created = await api("/nominations", { method: "POST", json: body, headers: { "Idempotency-Key": idempotencyKey } });
        state.pendingNotice = "Đã nộp hồ sơ đề nghị khen thưởng.";
        location.hash = `#/nominations/${created.id}`;
      } catch (error) {
        if (error && error.problem && error.problem.code === "idempotency_key_reused") {
          // This form's earlier submission was saved with other content: a new attempt needs a new key.
          idempotencyKey = newIdempotencyKey();
        }
        reportError(error);
        submit.disabled = false;
      }
    });

    loadRoute();
    return [el("h1", { id: "create-title" }, "Tạo đề nghị khen thưởng"), form];
  }

  // ---------------------------------------------------------------- route list

  function routeList(steps, currentStep, status) {
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
          stateLabel = "Đang xử lý";
        }
        return el(
          "li",
          { class: `route-step step-${stepState}`, "aria-current": stepState === "current" ? "step" : undefined },
          el("span", { class: "step-no", "aria-hidden": "true" }, String(i + 1)),
          el(
            "div",
            { class: "step-body" },
            el("span", { class: "step-name" }, step.name),
            el("span", { class: "muted small" }, [step.unit_name || unitName(step.unit_id), `${STEP_KIND_LABELS[step.kind] || step.kind}`, `${step.working_days} ngày làm việc`].join(" · ")),
            stateLabel ? el("span", { class: `badge badge-${stepState}` }, stateLabel) : null,
          ),
        );
      }),
    );
  }

  // ---------------------------------------------------------------- detail

  async function renderDetail(id, stale) {
    await loadAwardForms();
    const [n, history] = await Promise.all([
      api(`/nominations/${encodeURIComponent(id)}`),
      api(`/nominations/${encodeURIComponent(id)}/history`),
    ]);
    if (stale()) return null;
    const stepNames = new Map(n.route.map((s) => [s.key, s.name]));
    stepNames.set(REVISION_STEP, "Đơn vị đề nghị chỉnh sửa, bổ sung hồ sơ");

    const head = el(
      "div",
      { class: "page-head" },
      el("div", null, el("p", { class: "eyebrow" }, "Hồ sơ đề nghị khen thưởng"), el("h1", null, n.nominee.name)),
      statusBadge(n.status),
    );
    const facts = el(
      "dl",
      { class: "facts" },
      fact("Đối tượng", `${NOMINEE_KINDS[n.nominee.kind] || n.nominee.kind}: ${n.nominee.name}`),
      fact("Hình thức khen thưởng", n.award_form_name || n.award_form),
      fact("Đơn vị đề nghị", n.proposing_unit.name),
      fact("Kỳ xét", `${PERIOD_KINDS[n.period.kind] || n.period.kind} – năm ${n.period.year}`),
      fact("Trạng thái", STATUS_LABELS[n.status] || n.status),
      n.current_step_name ? fact("Bước hiện tại", n.current_step_name) : null,
      fact("Ngày tạo", timeElement(n.created_at)),
      fact("Cập nhật", timeElement(n.updated_at)),
      n.decided_at ? fact("Ngày kết thúc", timeElement(n.decided_at)) : null,
    );
    const summary = el("section", { class: "card", "aria-labelledby": "facts-title" }, el("h2", { id: "facts-title" }, "Thông tin hồ sơ"), facts);

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
              el("li", { class: c.met === false ? "unmet" : "met" }, el("span", { class: "visually-hidden" }, c.met === false ? "Chưa đạt: " : "Đạt: "), el("span", { "aria-hidden": "true", class: "mark" }, c.met === false ? "✗" : "✓"), " ", c.text, c.evidence ? el("span", { class: "muted small" }, ` (Minh chứng: ${c.evidence})`) : null),
            ),
          )
        : el("p", { class: "muted" }, "Chưa nêu tiêu chuẩn."),
    );

    const routeSection = el(
      "section",
      { class: "card", "aria-labelledby": "route-title" },
      el("h2", { id: "route-title" }, "Quy trình xét duyệt"),
      n.status === "returned" ? el("p", { class: "returned-note" }, "Hồ sơ đang được trả lại đơn vị đề nghị để chỉnh sửa, bổ sung.") : null,
      routeList(n.route, n.current_step, n.status),
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
                el("div", { class: "event-head" }, el("strong", { class: "event-action" }, ACTION_LABELS[item.action] || item.action), " ", timeElement(item.at)),
                el("div", { class: "muted small" }, [item.actor, item.step ? stepNames.get(item.step) || item.step : null].filter(Boolean).join(" · ")),
                item.comment ? el("p", { class: "event-comment prewrap" }, item.comment) : null,
              ),
            ),
          )
        : el("p", { class: "muted" }, "Chưa có sự kiện nào."),
    );

    const clerk = state.me.roles.some((r) => r.role === "clerk" && r.unit_id === n.proposing_unit.id);
    const actions = [];
    if (clerk && n.status === "returned") actions.push(resubmitForm(n));
    if (clerk && (n.status === "in_progress" || n.status === "returned")) actions.push(withdrawForm(n));

    return [
      el("p", { class: "breadcrumb" }, el("a", { href: "#/nominations" }, "‹ Danh sách hồ sơ")),
      head,
      el("div", { class: "detail-grid" }, el("div", { class: "detail-main" }, summary, achievements, actions), el("div", { class: "detail-side" }, routeSection, timeline)),
    ];
  }

  function fact(label, value) {
    return el("div", null, el("dt", null, label), el("dd", null, value));
  }

  function resubmitForm(n) {
    const award = (state.awardForms || []).find((f) => f.code === n.award_form);
    const kinds = award ? award.nominee_kinds : Object.keys(NOMINEE_KINDS);
    const nomineeKind = options(el("select", { name: "nominee_kind" }), kinds.map((k) => [k, NOMINEE_KINDS[k] || k]), n.nominee.kind);
    const nomineeName = el("input", { type: "text", name: "nominee_name", maxlength: "300", value: n.nominee.name });
    const achievements = el("textarea", { name: "achievements", rows: "6", maxlength: "20000" });
    achievements.value = n.achievements;
    const originalCriteria = n.criteria.map((c) => c.text).join("\n");
    const criteria = el("textarea", { name: "criteria", rows: "4" });
    criteria.value = originalCriteria;
    const comment = el("textarea", { name: "comment", rows: "2", maxlength: "20000" });
    const submit = el("button", { type: "submit", class: "button button-primary" }, "Nộp lại hồ sơ");
    const form = el(
      "form",
      { class: "card form", "aria-labelledby": "resubmit-title", novalidate: true },
      el("h2", { id: "resubmit-title" }, "Chỉnh sửa và nộp lại"),
      el("div", { class: "grid-2" }, field("Loại đối tượng", nomineeKind), field("Tên đối tượng", nomineeName)),
      field("Thành tích", achievements),
      field("Tiêu chuẩn đã đạt", criteria, "Mỗi dòng một tiêu chuẩn."),
      field("Ý kiến giải trình", comment),
      el("div", { class: "actions" }, submit),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearError();
      const body = { comment: comment.value.trim() || null };
      const name = nomineeName.value.trim();
      if (!name || !achievements.value.trim()) {
        showError({ message: "Tên đối tượng và thành tích không được để trống." });
        return;
      }
      if (name !== n.nominee.name || nomineeKind.value !== n.nominee.kind) {
        body.nominee = { ...n.nominee, kind: nomineeKind.value, name };
      }
      if (achievements.value.trim() !== n.achievements) body.achievements = achievements.value.trim();
      if (criteria.value.trim() !== originalCriteria.trim()) body.criteria = criteriaFromText(criteria.value);
      submit.disabled = true;
      try {
        await api(`/nominations/${encodeURIComponent(n.id)}/resubmit`, { method: "POST", json: body });
        state.pendingNotice = "Đã nộp lại hồ sơ.";
        await route();
      } catch (error) {
        reportError(error);
        submit.disabled = false;
      }
    });
    return form;
  }

  function withdrawForm(n) {
    const reason = el("textarea", { name: "reason", rows: "2", maxlength: "20000" });
    const submit = el("button", { type: "submit", class: "button button-danger" }, "Rút hồ sơ");
    const form = el(
      "form",
      { class: "card form", "aria-labelledby": "withdraw-title", novalidate: true },
      el("h2", { id: "withdraw-title" }, "Rút hồ sơ"),
      field("Lý do rút hồ sơ", reason, "Hồ sơ đã rút sẽ không được xét tiếp."),
      el("div", { class: "actions" }, submit),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearError();
      if (!window.confirm("Rút hồ sơ này? Hồ sơ đã rút sẽ không được xét tiếp.")) return;
      submit.disabled = true;
      try {
        await api(`/nominations/${encodeURIComponent(n.id)}/withdraw`, { method: "POST", json: { reason: reason.value.trim() || null } });
        state.pendingNotice = "Đã rút hồ sơ.";
        await route();
      } catch (error) {
        reportError(error);
        submit.disabled = false;
      }
    });
    return form;
  }

  // ---------------------------------------------------------------- start

  function start() {
    $("login-form").addEventListener("submit", onLogin);
    $("logout-button").addEventListener("click", onLogout);
    $("skip-link").addEventListener("click", (event) => {
      event.preventDefault();
      $("main").focus();
    });
    window.addEventListener("hashchange", route);
    route();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
