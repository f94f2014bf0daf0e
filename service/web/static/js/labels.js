/* The Vietnamese names of the server's codes (statuses, actions, roles...), looked up by table.
 * Captions and titles that only this page uses stay with the views. */

const TABLES = {
  statuses: {
    in_progress: "Đang xét duyệt",
    returned: "Trả lại để chỉnh sửa",
    awarded: "Đã khen thưởng",
    rejected: "Không được khen thưởng",
    withdrawn: "Đã rút",
  },
  actions: {
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
  },
  outcomes: { approve: "Đồng ý", return: "Trả lại", reject: "Không đồng ý" },
  nominee_kinds: {
    individual: "Cá nhân",
    collective: "Tập thể",
    household: "Hộ gia đình",
    clan: "Dòng họ",
  },
  period_kinds: {
    annual: "Hằng năm",
    preliminary_review: "Sơ kết 2025",
    final_review: "Tổng kết 2030",
  },
  roles: {
    clerk: "Cán bộ thi đua",
    council_secretary: "Thư ký Hội đồng TĐKT",
    council_member: "Thành viên Hội đồng TĐKT",
    appraiser: "Chuyên viên thẩm định",
    chairperson: "Chủ tịch",
    deputy_chairperson: "Phó Chủ tịch",
    secretariat: "Thường trực phong trào",
    admin: "Quản trị hệ thống",
  },
  step_kinds: {
    council: "Hội đồng xét",
    appraisal: "Thẩm định",
    sign: "Ký quyết định",
    submit: "Ký tờ trình",
    propose: "Đề nghị khen thưởng",
  },
  phases: {
    revision: "Đơn vị đề nghị chỉnh sửa, bổ sung hồ sơ",
    supplement: "Đơn vị bổ sung hồ sơ theo yêu cầu thẩm định",
    disclosure: "Công khai danh sách đề nghị khen thưởng",
  },
  ballot_statuses: {
    open: "Đang bỏ phiếu",
    passed: "Đạt",
    failed: "Không đạt",
    void: "Không đủ số thành viên tham gia",
  },
  ballot_modes: { electronic: "Bỏ phiếu điện tử", meeting: "Họp Hội đồng" },
  ballot_choices: { for: "Đồng ý", against: "Không đồng ý" },
  delegation_kinds: { sign_on_behalf: "Ký thay (KT. CHỦ TỊCH)", substitute: "Người thay thế" },
};

/** The name of `code` in `table`; `fallback` (the code itself unless given) where it has none. */
export function label(table, code, fallback = code) {
  const names = TABLES[table];
  // Own properties only: a code such as "constructor" must not find Object's.
  return names && Object.prototype.hasOwnProperty.call(names, code) && names[code] ? names[code] : fallback;
}

/** [code, name] pairs of a table, in order (for selects). */
export function labelEntries(table) {
  return Object.entries(TABLES[table] || {});
}

/** The codes of a table, in order. */
export function labelCodes(table) {
  return Object.keys(TABLES[table] || {});
}

export const statusLabel = (code) => label("statuses", code);
export const actionLabel = (code) => label("actions", code);
export const outcomeLabel = (code) => label("outcomes", code);
export const nomineeKindLabel = (code) => label("nominee_kinds", code);
export const periodKindLabel = (code) => label("period_kinds", code);
export const roleLabel = (code) => label("roles", code);
export const stepKindLabel = (code) => label("step_kinds", code);
export const ballotStatusLabel = (code) => label("ballot_statuses", code);
export const ballotModeLabel = (code) => label("ballot_modes", code);
export const ballotChoiceLabel = (code) => label("ballot_choices", code);
export const delegationKindLabel = (code) => label("delegation_kinds", code);
/** The name of a step that is not on the route (revision, supplement, disclosure), or null. */
export const phaseLabel = (code) => label("phases", code, null);
