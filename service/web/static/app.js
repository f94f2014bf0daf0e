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
    ballot_opened: "Mở bỏ phiếu",
    ballot_void: "Bỏ phiếu không hợp lệ",
    supplement_requested: "Yêu cầu bổ sung",
    supplement_answered: "Đã bổ sung",
    disclosure_started: "Bắt đầu công khai",
    disclosure_ended: "Kết thúc công khai",
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
    deputy_chairperson: "Phó Chủ tịch",
    secretariat: "Thường trực phong trào",
    admin: "Quản trị hệ thống",
  };
  const STEP_KIND_LABELS = {
    council: "Hội đồng xét",
    appraisal: "Thẩm định",
    sign: "Ký quyết định",
    submit: "Ký tờ trình",
    propose: "Đề nghị khen thưởng",
  };
  const BALLOT_STATUS_LABELS = {
    open: "Đang bỏ phiếu",
    passed: "Đạt",
    failed: "Không đạt",
    void: "Không đủ số thành viên tham gia",
  };
  const BALLOT_MODE_LABELS = { electronic: "Bỏ phiếu điện tử", meeting: "Họp Hội đồng" };
  const DELEGATION_KINDS = { sign_on_behalf: "Ký thay (KT. CHỦ TỊCH)", substitute: "Người thay thế" };
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
    members: "Tổng số thành viên",
    present: "Số thành viên có mặt",
    votes_for: "Phiếu đồng ý",
    votes_against: "Phiếu không đồng ý",
    written_for: "Phiếu bằng văn bản đồng ý",
    written_against: "Phiếu bằng văn bản không đồng ý",
    minutes: "Số, ký hiệu biên bản",
    items: "Nội dung cần bổ sung",
    answers: "Nội dung bổ sung",
    text: "Ý kiến",
    to_username: "Người được giao",
    role: "Vai trò",
    unit_id: "Đơn vị",
    starts_on: "Từ ngày",
    ends_on: "Đến ngày",
    kind: "Hình thức giao quyền",
  };
  const REVISION_STEP = "revision";
  const SUPPLEMENT_STEP = "supplement";
  const DISCLOSURE_STEP = "disclosure";
  const SPECIAL_STEP_NAMES = {
    [REVISION_STEP]: "Đơn vị đề nghị chỉnh sửa, bổ sung hồ sơ",
    [SUPPLEMENT_STEP]: "Đơn vị bổ sung hồ sơ theo yêu cầu thẩm định",
    [DISCLOSURE_STEP]: "Công khai danh sách đề nghị khen thưởng",
  };

  // ---------------------------------------------------------------- state

  const state = {
    token: sessionStorage.getItem(TOKEN_KEY),
    me: null,
    units: new Map(), // id -> unit
    awardForms: null, // list from the catalogue
    renderSeq: 0,
    pendingNotice: null,
    voted: new Set(), // "user:nomination:step:number" of ballots this user voted in from this page
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

  /** A status message; tone "warn" for an outcome the user must not miss (a rejected nomination). */
  function showNotice(text, tone) {
    const box = $("notice");
    box.textContent = text || "";
    box.className = tone === "warn" ? "notice notice-warn" : "notice";
    box.hidden = !text;
  }

  /** A notice for the next rendered page: text, or {text, tone}. */
  function setPendingNotice(text, tone) {
    state.pendingNotice = { text, tone };
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

  /** dd/mm/yyyy of a calendar date "YYYY-MM-DD" (no time zone involved). */
  function formatDate(isoDate) {
    const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(isoDate || ""));
    return m ? `${m[3]}/${m[2]}/${m[1]}` : String(isoDate || "—");
  }

  /** Today's date "YYYY-MM-DD" in Asia/Ho_Chi_Minh. */
  function todayIso() {
    const p = Object.fromEntries(
      new Intl.DateTimeFormat("en-GB", { timeZone: TIME_ZONE, year: "numeric", month: "2-digit", day: "2-digit" })
        .formatToParts(new Date())
        .map((x) => [x.type, x.value]),
    );
    return `${p.year}-${p.month}-${p.day}`;
  }

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
    state.voted = new Set();
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
    } else if (parts[0] === "disclosures") {
      nav = "disclosures";
      render = () => renderDisclosures(stale);
    } else if (parts[0] === "delegations") {
      nav = "delegations";
      render = () => renderDelegations(stale);
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
      flushNotice();
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

  // ---------------------------------------------------------------- inbox

  /** An API list that may fail without failing the page (names and extras are a convenience). */
  function orNull(promise) {
    return promise.catch((error) => {
      if (error && error.handled) throw error;
      return null;
    });
  }

  function hasRole(role) {
    return Boolean(state.me && state.me.roles.some((r) => r.role === role));
  }

  async function renderInbox(stale) {
    const [page, openBallots] = await Promise.all([api("/tasks"), orNull(api("/ballots")), loadAwardForms()]);
    const councilTasks = page.items.filter((t) => t.decided_by_ballot);
    const ballotLists = await Promise.all(
      councilTasks.map((t) => orNull(api(`/nominations/${encodeURIComponent(t.nomination_id)}/ballots`))),
    );
    if (stale()) return null;
    const ballotsByNomination = new Map(councilTasks.map((t, i) => [t.nomination_id, ballotLists[i]]));
    const heading = el("div", { class: "page-head" }, el("h1", null, "Việc cần xử lý"), el("p", { class: "muted count" }, `${page.total} việc đang chờ`));
    const content = [heading];
    if ((openBallots && openBallots.length) || hasRole("council_member")) content.push(ballotSection(openBallots || []));
    if (!page.items.length) {
      content.push(el("p", { class: "empty card" }, "Không có việc nào cần xử lý."));
    } else {
      content.push(el("ul", { class: "task-list" }, page.items.map((task) => taskCard(task, ballotsByNomination.get(task.nomination_id)))));
    }
    return content;
  }

  // ---- electronic ballots of the council member

  function ballotSection(ballots) {
    return el(
      "section",
      { class: "ballot-section", "aria-labelledby": "ballot-title" },
      el("h2", { id: "ballot-title" }, "Bỏ phiếu"),
      el("p", { class: "muted small" }, "Bỏ phiếu kín: hệ thống chỉ ghi nhận số phiếu, không ghi ai bỏ phiếu thế nào."),
      ballots.length
        ? el("ul", { class: "task-list ballot-list" }, ballots.map((b) => ballotCard(b)))
        : el("p", { class: "empty card" }, "Không có cuộc bỏ phiếu nào đang mở."),
    );
  }

  function votedKey(b) {
    return `${state.me ? state.me.id : ""}:${b.nomination_id}:${b.step}:${b.number}`;
  }

  function votedNote() {
    return el("p", { class: "voted-note" }, "Bạn đã bỏ phiếu cho hồ sơ này.");
  }

  function ballotCard(b) {
    const titleId = uid("ballot");
    const nominee = b.nominee_name || "(không rõ tên)";
    const meta = el(
      "dl",
      { class: "meta" },
      el("div", null, el("dt", null, "Hình thức"), el("dd", null, awardFormName(b.award_form))),
      el("div", null, el("dt", null, "Lần bỏ phiếu"), el("dd", null, String(b.number))),
      el("div", null, el("dt", null, "Số thành viên Hội đồng"), el("dd", null, String(b.members))),
      el("div", null, el("dt", null, "Mở lúc"), el("dd", null, timeElement(b.opened_at))),
    );
    const box = el("div", { class: "task-actions" });
    if (state.voted.has(votedKey(b))) {
      box.append(votedNote());
    } else {
      const buttons = [
        ["for", "button-primary", "Đồng ý"],
        ["against", "button-danger", "Không đồng ý"],
      ].map(([choice, cls, label]) => el("button", { type: "button", class: `button ${cls}`, "data-choice": choice }, label));
      box.append(el("div", { class: "actions", role: "group", "aria-label": `Phiếu bầu về hồ sơ ${nominee}` }, buttons));
      for (const button of buttons) {
        button.addEventListener("click", () => castVote(b, button.dataset.choice, buttons, box));
      }
    }
    return el(
      "li",
      { class: "card ballot-card", "aria-labelledby": titleId },
      el("h3", { id: titleId, class: "task-title" }, el("a", { href: `#/nominations/${b.nomination_id}` }, nominee)),
      meta,
      box,
    );
  }

  async function castVote(b, choice, buttons, box) {
    clearError();
    for (const button of buttons) button.disabled = true;
    try {
      await api(`/nominations/${encodeURIComponent(b.nomination_id)}/ballot/votes`, { method: "POST", json: { choice } });
      state.voted.add(votedKey(b));
      // The notice does not repeat the choice: the screen may be seen by others.
      setPendingNotice(`Đã ghi nhận phiếu bầu của bạn cho hồ sơ ${b.nominee_name || ""}.`.replace(" .", "."));
      await route();
    } catch (error) {
      if (error && error.problem && error.problem.code === "already_voted") {
        state.voted.add(votedKey(b));
        clear(box);
        box.append(votedNote());
      } else {
        for (const button of buttons) button.disabled = false;
      }
      reportError(error);
    }
  }

  // ---- task cards

  function taskCard(task, ballots) {
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
    } else if (task.step === SUPPLEMENT_STEP) {
      actions = supplementAnswerForm(task);
    } else if (task.decided_by_ballot) {
      actions = councilActions(task, ballots);
    } else {
      actions = el("div", { class: "task-actions" }, decisionForm(task, ["approve", "return", "reject"]));
      if (String(task.step).startsWith("appraisal:")) actions.append(supplementRequestForm(task));
    }
    const kind = task.decided_by_ballot ? " task-council" : "";
    return el(
      "li",
      { class: `${task.overdue ? "card task overdue" : "card task"}${kind}`, "aria-labelledby": titleId },
      el("h2", { id: titleId, class: "task-title" }, el("a", { href: `#/nominations/${task.nomination_id}` }, nominee)),
      meta,
      notes,
      actions,
    );
  }

  /** The comment and outcome buttons of a task (approve / return / reject). */
  function decisionForm(task, outcomes, hint) {
    const nominee = task.nominee_name || "(không rõ tên)";
    const comment = el("textarea", { rows: "2", maxlength: "20000", name: "comment" });
    const classes = { approve: "button-primary", return: "button-secondary", reject: "button-danger" };
    const buttons = outcomes.map((outcome) =>
      el("button", { type: "button", class: `button ${classes[outcome]}`, "data-outcome": outcome }, OUTCOME_LABELS[outcome]),
    );
    for (const button of buttons) {
      button.addEventListener("click", () => completeTask(task, button.dataset.outcome, comment, buttons));
    }
    return el(
      "div",
      { class: "decision" },
      field("Ý kiến", comment, hint || "Không bắt buộc. Nên ghi rõ lý do khi trả lại hoặc không đồng ý."),
      el("div", { class: "actions", role: "group", "aria-label": `Xử lý hồ sơ ${nominee}` }, buttons),
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

  // ---- council steps: the meeting's tally or an electronic ballot

  function stripDot(text) {
    return String(text || "").trim().replace(/[.。]+$/, "");
  }

  function lastBallot(ballots, step) {
    const mine = (ballots || []).filter((b) => !step || b.step === step);
    return mine.length ? mine[mine.length - 1] : null;
  }

  function councilActions(task, ballots) {
    const open = (ballots || []).find((b) => b.step === task.step && b.status === "open");
    const last = lastBallot(ballots, task.step);
    const grid = el("div", { class: open ? "council-grid council-grid-single" : "council-grid" });
    if (!open) grid.append(tallyForm(task));
    grid.append(electronicBallotBox(task, open, last && last.status === "void" ? last : null));
    if (open) {
      // The workflow refuses a tally, a return or a rejection while the ballot is open.
      return el("div", { class: "task-actions" }, grid);
    }
    return el(
      "div",
      { class: "task-actions" },
      grid,
      el(
        "div",
        { class: "council-other" },
        el("h3", null, "Trả lại hoặc không đồng ý"),
        decisionForm(task, ["return", "reject"], "Hội đồng quyết định bằng biểu quyết; ghi rõ lý do khi trả lại hoặc không đồng ý."),
      ),
    );
  }

  function numberInput(name, value) {
    return el("input", { type: "number", name, min: "0", max: "500", step: "1", inputmode: "numeric", required: true, value: value === undefined || value === null ? "" : String(value) });
  }

  function tallyForm(task) {
    const titleId = uid("tally");
    const prefill = task.council_members ? task.council_members : "";
    const members = numberInput("members", prefill);
    const present = numberInput("present");
    const votesFor = numberInput("votes_for");
    const votesAgainst = numberInput("votes_against");
    const writtenFor = numberInput("written_for", 0);
    const writtenAgainst = numberInput("written_against", 0);
    const minutes = el("input", { type: "text", name: "minutes", required: true, maxlength: "500", autocomplete: "off", placeholder: "Ví dụ: 05/BB-HĐTĐKT" });
    const comment = el("textarea", { name: "tally_comment", rows: "2", maxlength: "5000" });
    const summary = el("p", { class: "tally-summary", "aria-live": "polite" });
    const submit = el("button", { type: "submit", class: "button button-primary" }, "Ghi kết quả họp");
    const membersHint = task.council_members
      ? `Theo danh sách trong hệ thống, Hội đồng có ${task.council_members} thành viên; sửa nếu biên bản ghi khác.`
      : "Hệ thống chưa có danh sách thành viên Hội đồng: nhập tổng số thành viên theo biên bản.";

    const value = (input) => (input.value.trim() === "" ? null : Number(input.value));
    function updateSummary() {
      const m = value(members);
      const participants = (value(present) || 0) + (value(writtenFor) || 0) + (value(writtenAgainst) || 0);
      const yes = (value(votesFor) || 0) + (value(writtenFor) || 0);
      const no = (value(votesAgainst) || 0) + (value(writtenAgainst) || 0);
      summary.textContent = `Tham gia biểu quyết: ${participants}${m ? `/${m}` : ""} thành viên · Đồng ý: ${yes} · Không đồng ý: ${no}`;
    }
    const form = el(
      "form",
      { class: "tally-form", novalidate: true, "aria-labelledby": titleId },
      el("h3", { id: titleId }, "Ghi kết quả họp Hội đồng"),
      el("p", { class: "hint tally-hint" }, membersHint),
      el(
        "div",
        { class: "number-grid" },
        field("Tổng số thành viên", members),
        field("Số thành viên có mặt", present),
        field("Phiếu đồng ý", votesFor, "Tại cuộc họp."),
        field("Phiếu không đồng ý", votesAgainst, "Tại cuộc họp."),
        field("Phiếu bằng văn bản đồng ý", writtenFor, "Của thành viên vắng mặt."),
        field("Phiếu bằng văn bản không đồng ý", writtenAgainst, "Của thành viên vắng mặt."),
      ),
      summary,
      field("Số, ký hiệu biên bản", minutes, "Bắt buộc: biên bản họp Hội đồng."),
      field("Ghi chú kết quả họp", comment),
      el("div", { class: "actions" }, submit),
    );
    form.addEventListener("input", updateSummary);
    updateSummary();
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearError();
      const numbers = { members, present, votes_for: votesFor, votes_against: votesAgainst, written_for: writtenFor, written_against: writtenAgainst };
      const bad = Object.entries(numbers)
        .filter(([, input]) => !/^\d+$/.test(input.value.trim()) || Number(input.value) > 500)
        .map(([name]) => FIELD_LABELS[name]);
      if (bad.length) {
        showError({ message: `Vui lòng nhập số nguyên không âm cho: ${bad.join(", ")}.` });
        return;
      }
      if (Number(members.value) < 1) {
        showError({ message: "Tổng số thành viên Hội đồng phải ít nhất là 1." });
        return;
      }
      if (!minutes.value.trim()) {
        showError({ message: "Vui lòng ghi số, ký hiệu biên bản họp Hội đồng." });
        minutes.focus();
        return;
      }
      const body = Object.fromEntries(Object.entries(numbers).map(([name, input]) => [name, Number(input.value)]));
      body.minutes = minutes.value.trim();
      body.comment = comment.value.trim() || null;
      submit.disabled = true;
      try {
        const result = await api(`/nominations/${encodeURIComponent(task.nomination_id)}/tally`, { method: "POST", json: body });
        await noticeCouncilResult(task, result, "Đã ghi kết quả họp Hội đồng");
        await route();
      } catch (error) {
        reportError(error);
        submit.disabled = false;
      }
    });
    return form;
  }

  function electronicBallotBox(task, open, lastVoid) {
    const titleId = uid("eballot");
    const box = el("section", { class: "eballot", "aria-labelledby": titleId }, el("h3", { id: titleId }, "Bỏ phiếu điện tử"));
    if (open) {
      const close = el("button", { type: "button", class: "button button-primary" }, "Kết thúc bỏ phiếu");
      box.append(
        el("p", { class: "ballot-open-note" }, el("span", { class: "badge ballot-open" }, BALLOT_STATUS_LABELS.open), " Lần ", String(open.number), ", mở lúc ", timeElement(open.opened_at), "."),
        el("p", { class: "muted small" }, `${open.members} thành viên Hội đồng bỏ phiếu kín trên hệ thống. Kết quả được tính khi kết thúc bỏ phiếu; trong khi bỏ phiếu không thể ghi kết quả họp, trả lại hay không đồng ý.`),
        el("div", { class: "actions" }, close),
      );
      close.addEventListener("click", async () => {
        clearError();
        if (!window.confirm("Kết thúc bỏ phiếu? Kết quả được tính theo số phiếu đã nhận.")) return;
        close.disabled = true;
        try {
          const result = await api(`/nominations/${encodeURIComponent(task.nomination_id)}/ballot/close`, { method: "POST" });
          await noticeCouncilResult(task, result, "Đã kết thúc bỏ phiếu điện tử");
          await route();
        } catch (error) {
          reportError(error);
          close.disabled = false;
        }
      });
      return box;
    }
    const noMembers = !task.council_members;
    const start = el("button", { type: "button", class: "button button-secondary", disabled: noMembers }, "Mở bỏ phiếu điện tử");
    appendChildren(box, [
      lastVoid ? el("p", { class: "void-note" }, `Lần bỏ phiếu ${lastVoid.number} không hợp lệ: ${lastVoid.reason || BALLOT_STATUS_LABELS.void}`) : null,
      el(
        "p",
        { class: "muted small" },
        noMembers
          ? "Hệ thống chưa có danh sách thành viên Hội đồng này nên chưa thể bỏ phiếu điện tử; hãy ghi kết quả họp."
          : `Thay cho cuộc họp: ${task.council_members} thành viên Hội đồng bỏ phiếu kín trên hệ thống.`,
      ),
      el("div", { class: "actions" }, start),
    ]);
    start.addEventListener("click", async () => {
      clearError();
      start.disabled = true;
      try {
        await api(`/nominations/${encodeURIComponent(task.nomination_id)}/ballot`, { method: "POST", json: {} });
        setPendingNotice(`Đã mở bỏ phiếu điện tử cho hồ sơ ${task.nominee_name || ""}. Thành viên Hội đồng bỏ phiếu tại mục «Bỏ phiếu» của trang Việc cần xử lý.`);
        await route();
      } catch (error) {
        reportError(error);
        start.disabled = false;
      }
    });
    return box;
  }

  /** The notice after a tally or a closed ballot: what the council decided, and where the nomination went. */
  async function noticeCouncilResult(task, result, prefix) {
    const name = task.nominee_name || "";
    const ballots = await orNull(api(`/nominations/${encodeURIComponent(task.nomination_id)}/ballots`));
    const last = lastBallot(ballots, task.step);
    const reason = last && last.reason ? stripDot(last.reason) : "";
    if (result.status === "rejected") {
      setPendingNotice(`${prefix} cho hồ sơ ${name}: ${reason || "Không đạt"}. Hồ sơ không được khen thưởng.`, "warn");
    } else if (last && last.status === "void") {
      setPendingNotice(`${prefix} cho hồ sơ ${name}: kết quả không hợp lệ. ${reason}. Hồ sơ vẫn ở bước xét của Hội đồng.`, "warn");
    } else if (result.status === "awarded") {
      setPendingNotice(`${prefix} cho hồ sơ ${name}: ${reason || "Đạt"}. Hồ sơ đã được khen thưởng.`);
    } else {
      setPendingNotice(`${prefix} cho hồ sơ ${name}: ${reason || "Đạt"}. Hồ sơ đã chuyển sang bước tiếp theo.`);
    }
  }

  // ---- supplement requests (appraisal) and answers (proposing clerk)

  function supplementRequestForm(task) {
    const items = el("textarea", { name: "items", rows: "4", maxlength: "15000" });
    const comment = el("textarea", { name: "supplement_comment", rows: "2", maxlength: "5000" });
    const submit = el("button", { type: "submit", class: "button button-secondary" }, "Gửi yêu cầu bổ sung");
    const form = el(
      "form",
      { class: "supplement-request", novalidate: true },
      field("Nội dung cần bổ sung", items, "Mỗi dòng một mục (tối đa 30 mục)."),
      field("Ghi chú gửi đơn vị", comment),
      el("div", { class: "actions" }, submit),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearError();
      const list = items.value
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter(Boolean);
      if (!list.length) {
        showError({ message: "Vui lòng ghi ít nhất một nội dung cần bổ sung (mỗi dòng một mục)." });
        items.focus();
        return;
      }
      if (list.length > 30 || list.some((line) => line.length > 500)) {
        showError({ message: "Tối đa 30 mục, mỗi mục không quá 500 ký tự." });
        return;
      }
      submit.disabled = true;
      try {
        await api(`/tasks/${encodeURIComponent(task.id)}/supplement`, {
          method: "POST",
          json: { items: list, comment: comment.value.trim() || null },
        });
        setPendingNotice(`Đã gửi yêu cầu bổ sung hồ sơ ${task.nominee_name || ""} tới đơn vị đề nghị.`);
        await route();
      } catch (error) {
        reportError(error);
        submit.disabled = false;
      }
    });
    return el("details", { class: "subform" }, el("summary", null, "Yêu cầu bổ sung"), form);
  }

  function supplementAnswerForm(task) {
    const asked = Array.isArray(task.details && task.details.items) ? task.details.items.filter((i) => typeof i === "string" && i) : [];
    const items = asked.length ? asked : ["Nội dung bổ sung"];
    const answers = items.map((item) => [item, el("textarea", { rows: "2", maxlength: "5000" })]);
    const comment = el("textarea", { name: "comment", rows: "2", maxlength: "5000" });
    const submit = el("button", { type: "submit", class: "button button-primary" }, "Gửi nội dung bổ sung");
    const form = el(
      "form",
      { class: "supplement-answer", novalidate: true, "aria-label": `Bổ sung hồ sơ ${task.nominee_name || ""}` },
      el("p", null, asked.length ? `Cơ quan thẩm định yêu cầu bổ sung ${asked.length} nội dung; hãy trả lời từng mục:` : "Cơ quan thẩm định yêu cầu bổ sung hồ sơ:"),
      el("fieldset", null, el("legend", null, "Nội dung bổ sung"), answers.map(([item, box]) => field(item, box))),
      field("Ý kiến giải trình", comment),
      el("div", { class: "actions" }, submit, el("a", { class: "button button-secondary", href: `#/nominations/${task.nomination_id}` }, "Xem hồ sơ")),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearError();
      const missing = answers.filter(([, box]) => !box.value.trim()).map(([item]) => item);
      if (missing.length) {
        showError({ message: `Vui lòng trả lời đủ các mục cần bổ sung: ${missing.join("; ")}.` });
        return;
      }
      submit.disabled = true;
      try {
        await api(`/nominations/${encodeURIComponent(task.nomination_id)}/supplement`, {
          method: "POST",
          json: { answers: Object.fromEntries(answers.map(([item, box]) => [item, box.value.trim()])), comment: comment.value.trim() || null },
        });
        setPendingNotice(`Đã gửi nội dung bổ sung hồ sơ ${task.nominee_name || ""}; hồ sơ trở lại bước thẩm định.`);
        await route();
      } catch (error) {
        reportError(error);
        submit.disabled = false;
      }
    });
    return el("div", { class: "task-actions" }, form);
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

  function routeList(steps, currentStep, status, currentLabel) {
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
    const path = `/nominations/${encodeURIComponent(id)}`;
    const [n, history, ballots, comments] = await Promise.all([
      api(path),
      api(`${path}/history`),
      orNull(api(`${path}/ballots`)),
      orNull(api(`${path}/comments`)),
    ]);
    if (stale()) return null;
    const stepNames = new Map(n.route.map((s) => [s.key, s.name]));
    for (const [key, name] of Object.entries(SPECIAL_STEP_NAMES)) stepNames.set(key, name);
    const currentStepName = n.current_step_name || SPECIAL_STEP_NAMES[n.current_step] || null;

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
      fact("Đối tượng", `${NOMINEE_KINDS[n.nominee.kind] || n.nominee.kind}: ${n.nominee.name}`),
      fact("Hình thức khen thưởng", n.award_form_name || n.award_form),
      fact("Đơn vị đề nghị", n.proposing_unit.name),
      fact("Kỳ xét", `${PERIOD_KINDS[n.period.kind] || n.period.kind} – năm ${n.period.year}`),
      fact("Trạng thái", STATUS_LABELS[n.status] || n.status),
      currentStepName ? fact("Bước hiện tại", currentStepName) : null,
      fact("Ngày tạo", timeElement(n.created_at)),
      fact("Cập nhật", timeElement(n.updated_at)),
      n.decided_at ? fact("Ngày kết thúc", timeElement(n.decided_at)) : null,
      n.signed_by ? fact("Người ký quyết định", n.signed_by) : null,
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
                el("div", { class: "event-head" }, el("strong", { class: "event-action" }, ACTION_LABELS[item.action] || item.action), " ", timeElement(item.at)),
                el("div", { class: "muted small" }, [item.actor, item.step ? stepNames.get(item.step) || item.step : null].filter(Boolean).join(" · ")),
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
    if (clerk && n.status === "returned") actions.push(resubmitForm(n));
    if (clerk && (n.status === "in_progress" || n.status === "returned")) actions.push(withdrawForm(n));

    return [
      el("p", { class: "breadcrumb" }, el("a", { href: "#/nominations" }, "‹ Danh sách hồ sơ")),
      head,
      banner,
      el(
        "div",
        { class: "detail-grid" },
        el("div", { class: "detail-main" }, summary, ballotSectionEl, achievements, commentsSection, actions),
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
                BALLOT_MODE_LABELS[b.mode] || b.mode,
                b.minutes ? el("div", { class: "muted small minutes" }, `Biên bản: ${b.minutes}`) : null,
                el("div", { class: "muted small" }, open ? "Mở lúc " : "Kết thúc ", timeElement(open ? b.opened_at : b.closed_at || b.opened_at)),
              ),
              el("td", { class: "num", "data-label": "Tham gia" }, open ? `—/${b.members}` : `${b.participants}/${b.members}`),
              el("td", { class: "num", "data-label": "Đồng ý" }, open ? "—" : count(b.votes_for)),
              el("td", { class: "num", "data-label": "Không đồng ý" }, open ? "—" : count(b.votes_against)),
              el("td", { "data-label": "Kết quả", class: "ballot-result" }, el("span", { class: `badge ballot-${b.status}` }, BALLOT_STATUS_LABELS[b.status] || b.status)),
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

  // ---------------------------------------------------------------- public disclosure

  async function renderDisclosures(stale) {
    const [items] = await Promise.all([api("/disclosures"), loadAwardForms()]);
    if (stale()) return null;
    const head = el("div", { class: "page-head" }, el("h1", null, "Công khai danh sách đề nghị khen thưởng"), el("p", { class: "muted count" }, `${items.length} hồ sơ đang công khai`));
    const intro = el("p", { class: "muted" }, "Danh sách được công khai trước khi Hội đồng xét. Mọi người dùng đều có thể gửi ý kiến về từng trường hợp trong thời hạn công khai.");
    if (!items.length) return [head, intro, el("p", { class: "empty card" }, "Hiện không có danh sách nào đang công khai.")];
    return [head, intro, el("ul", { class: "task-list" }, items.map((d) => disclosureCard(d)))];
  }

  function disclosureCard(d) {
    const titleId = uid("disc");
    const text = el("textarea", { name: "text", rows: "3", maxlength: "5000" });
    const submit = el("button", { type: "submit", class: "button button-primary" }, "Gửi ý kiến");
    const form = el(
      "form",
      { class: "task-actions", novalidate: true },
      field("Ý kiến của bạn", text, "Ý kiến được ghi kèm họ tên của bạn và chuyển tới Hội đồng."),
      el("div", { class: "actions" }, submit),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearError();
      if (!text.value.trim()) {
        showError({ message: "Vui lòng nhập nội dung ý kiến." });
        text.focus();
        return;
      }
      submit.disabled = true;
      try {
        await api(`/nominations/${encodeURIComponent(d.id)}/comments`, { method: "POST", json: { text: text.value.trim() } });
        setPendingNotice(`Đã gửi ý kiến về trường hợp ${d.nominee_name}.`);
        await route();
      } catch (error) {
        reportError(error);
        submit.disabled = false;
      }
    });
    return el(
      "li",
      { class: "card task task-disclosure", "aria-labelledby": titleId },
      el("h2", { id: titleId, class: "task-title" }, d.nominee_name),
      el(
        "dl",
        { class: "meta" },
        el("div", null, el("dt", null, "Hình thức"), el("dd", null, awardFormName(d.award_form))),
        el("div", null, el("dt", null, "Đơn vị đề nghị"), el("dd", null, unitName(d.proposing_unit_id))),
        el("div", null, el("dt", null, "Công khai đến"), el("dd", { class: "due" }, timeElement(d.disclosure_until))),
      ),
      form,
    );
  }

  // ---------------------------------------------------------------- delegations

  function delegationState(d) {
    if (d.revoked_at) return ["revoked", "Đã thu hồi"];
    if (d.active) return ["active", "Đang hiệu lực"];
    if (d.starts_on > todayIso()) return ["pending", "Chưa đến ngày"];
    return ["ended", "Hết hạn"];
  }

  async function renderDelegations(stale) {
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
          el("td", null, DELEGATION_KINDS[d.kind] || d.kind),
          el("td", null, d.from_name),
          el("td", null, d.to_name),
          el("td", null, ROLE_LABELS[d.role] || d.role, el("div", { class: "muted small" }, unitName(d.unit_id))),
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
    const roleLabel = (r) => `${ROLE_LABELS[r.role] || r.role} – ${unitName(r.unit_id)}`;
    const chair = roles.some((r) => r.role === "chairperson");
    const kind = options(
      el("select", { name: "kind" }),
      Object.entries(DELEGATION_KINDS).filter(([k]) => chair || k !== "sign_on_behalf"),
      chair ? "sign_on_behalf" : "substitute",
    );
    const role = el("select", { name: "role" });
    const toUser = el("input", { type: "text", name: "to_username", maxlength: "100", autocomplete: "off", autocapitalize: "none", spellcheck: "false", required: true });
    const today = todayIso();
    const starts = el("input", { type: "date", name: "starts_on", required: true, value: today, min: today });
    const ends = el("input", { type: "date", name: "ends_on", required: true, value: today, min: today });
    const reason = el("textarea", { name: "reason", rows: "2", maxlength: "2000" });
    const kindHint = el("p", { class: "hint" });
    const submit = el("button", { type: "submit", class: "button button-primary" }, "Giao quyền");

    function fillRoles() {
      const previous = role.value;
      clear(role);
      const allowed = roles.filter((r) => kind.value !== "sign_on_behalf" || r.role === "chairperson");
      options(role, allowed.map((r) => [roleValue(r), roleLabel(r)]), previous);
      kindHint.textContent =
        kind.value === "sign_on_behalf"
          ? "Người được giao phải là Phó Chủ tịch của cùng cơ quan; quyết định ghi «KT. CHỦ TỊCH – PHÓ CHỦ TỊCH»."
          : "Người thay thế xử lý các việc của vai trò này trong thời gian bạn vắng mặt.";
    }
    kind.addEventListener("change", fillRoles);
    starts.addEventListener("change", () => {
      ends.min = starts.value || today;
    });
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
      if (!toUser.value.trim()) missing.push("Tên đăng nhập người được giao");
      if (!role.value) missing.push("Vai trò được giao");
      if (!starts.value) missing.push("Từ ngày");
      if (!ends.value) missing.push("Đến ngày");
      if (missing.length) {
        showError({ message: `Vui lòng nhập đủ: ${missing.join(", ")}.` });
        return;
      }
      if (ends.value < starts.value) {
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
            starts_on: starts.value,
            ends_on: ends.value,
            reason: reason.value.trim() || null,
          },
        });
        setPendingNotice(`Đã giao quyền «${DELEGATION_KINDS[created.kind] || created.kind}» cho ${created.to_name} từ ${formatDate(created.starts_on)} đến ${formatDate(created.ends_on)}.`);
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
