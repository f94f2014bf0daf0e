/* The Vietnamese names of the API's request fields, for the list of errors under a problem and the
 * page's own checks. The server names these fields in problem+json `errors[].field`. */

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
  name: "Tên bộ lọc",
  task_ids: "Hồ sơ đã chọn",
  "filters.unit_id": "Đơn vị đề nghị",
  "filters.year": "Năm",
  "filters.step": "Bước xử lý",
  "filters.overdue": "Thời hạn",
  "filters.q": "Tìm kiếm",
  "filters.sort": "Sắp xếp",
};

/** The field's name, or undefined for a field this table does not know. */
export function fieldLabel(name) {
  return FIELD_LABELS[name];
}
