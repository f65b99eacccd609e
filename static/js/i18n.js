// Vietnamese first, English on request. Keys are shared with server error codes where they overlap.
const dictionaries = {
  vi: {
    app_name: "eCabinet — Phòng họp không giấy",
    login: "Đăng nhập", logout: "Đăng xuất", username: "Tên đăng nhập", password: "Mật khẩu",
    login_title: "Phòng họp không giấy", login_hint: "Dành cho đại biểu, thư ký và lãnh đạo UBND",
    nav_meetings: "Cuộc họp", nav_admin: "Quản trị", nav_new_meeting: "Tạo cuộc họp",
    online: "Trực tuyến", offline: "Mất kết nối", connecting: "Đang kết nối…",
    meetings: "Danh sách cuộc họp", no_meetings: "Chưa có cuộc họp nào.",
    status_draft: "Dự thảo", status_submitted: "Chờ duyệt", status_approved: "Đã duyệt",
    status_published: "Đã phát hành", status_in_session: "Đang họp", status_adjourned: "Đã kết thúc phiên họp",
    status_closed: "Đã đóng", status_cancelled: "Đã hủy", postponed: "Đã hoãn", urgent: "Họp khẩn", in_preparation: "Đang chuẩn bị",
    title: "Tên cuộc họp", description: "Nội dung", unit: "Đơn vị", chair: "Chủ trì",
    starts_at: "Thời gian bắt đầu", ends_at: "Thời gian kết thúc", place: "Địa điểm",
    participants: "Thành phần tham dự", invited_units: "Đơn vị, điểm cầu được mời",
    remote: "Họp trực tuyến từ điểm cầu", save: "Lưu", cancel: "Hủy", edit: "Sửa",
    create: "Tạo", created: "Đã tạo cuộc họp.", saved: "Đã lưu.",
    urgent_hint: "Họp khẩn: không áp dụng thời hạn gửi giấy mời 3 ngày làm việc",
    overview: "Thông tin chung", role_chair: "Chủ trì", role_secretary: "Thư ký", role_delegate: "Đại biểu",
    role_invited: "Khách mời", role_remote_room: "Điểm cầu", role_observer: "Quan sát",
    role_admin: "Quản trị", t_submit: "Trình duyệt", t_approve: "Phê duyệt", t_return: "Trả lại",
    t_publish: "Phát hành", t_start: "Bắt đầu họp", t_adjourn: "Kết thúc phiên họp", t_close: "Đóng cuộc họp", t_cancel: "Hủy cuộc họp",
    return_comment: "Ý kiến khi trả lại", returned_with: "Chương trình bị trả lại với ý kiến:",
    updated_live: "Cuộc họp vừa được cập nhật.", admin: "Quản trị hệ thống", units: "Đơn vị",
    users: "Tài khoản", add_unit: "Thêm đơn vị", add_user: "Thêm tài khoản", parent_unit: "Đơn vị cấp trên",
    kind: "Cấp", code: "Mã", full_name: "Họ và tên", position: "Chức vụ", role: "Vai trò",
    active: "Hoạt động", deactivate: "Khóa", activate: "Mở khóa",
    reset_password: "Đặt lại mật khẩu", new_password: "Mật khẩu mới", none: "(không)",
    kind_province: "Tỉnh", kind_district: "Huyện", kind_commune: "Xã", kind_department: "Sở, ban, ngành",
    kind_village: "Thôn, tổ dân phố",
    network_error: "Không kết nối được máy chủ. Kiểm tra mạng và thử lại.",
    confirm: "Xác nhận", back: "Quay lại", loading: "Đang tải…", search: "Tìm kiếm",
    dialog_required: "Vui lòng nhập nội dung.", page_error: "Không mở được trang này.",
    back_to_meetings: "Về danh sách cuộc họp", back_to_consultations: "Về danh sách phiếu lấy ý kiến", switch_language: "English",
    day_placeholder: "dd/mm/yyyy", time_placeholder: "hh:mm",
  },
  en: {
    app_name: "eCabinet — Paperless meetings",
    login: "Log in", logout: "Log out", username: "Username", password: "Password",
    login_title: "Paperless meeting room", login_hint: "For delegates, secretaries and People's Committee leaders",
    nav_meetings: "Meetings", nav_admin: "Administration", nav_new_meeting: "New meeting",
    online: "Online", offline: "Offline", connecting: "Connecting…",
    meetings: "Meetings", no_meetings: "No meetings yet.",
    status_draft: "Draft", status_submitted: "Awaiting approval", status_approved: "Approved",
    status_published: "Published", status_in_session: "In session", status_adjourned: "Adjourned",
    status_closed: "Closed", status_cancelled: "Cancelled", postponed: "Postponed", urgent: "Urgent", in_preparation: "In preparation",
    title: "Title", description: "Content", unit: "Unit", chair: "Chair",
    starts_at: "Starts", ends_at: "Ends", place: "Place",
    participants: "Participants", invited_units: "Invited units and remote rooms",
    remote: "Joins by video", save: "Save", cancel: "Cancel", edit: "Edit",
    create: "Create", created: "Meeting created.", saved: "Saved.",
    urgent_hint: "Urgent: the 3-working-day invitation lead time does not apply",
    overview: "Overview", role_chair: "Chair", role_secretary: "Secretary", role_delegate: "Delegate",
    role_invited: "Guest", role_remote_room: "Remote room", role_observer: "Observer",
    role_admin: "Administrator", t_submit: "Submit for approval", t_approve: "Approve", t_return: "Return",
    t_publish: "Publish", t_start: "Start meeting", t_adjourn: "Adjourn", t_close: "Close meeting", t_cancel: "Cancel the meeting",
    return_comment: "Comment for returning", returned_with: "The agenda was returned with this comment:",
    updated_live: "The meeting was just updated.", admin: "Administration", units: "Units",
    users: "Accounts", add_unit: "Add unit", add_user: "Add account", parent_unit: "Parent unit",
    kind: "Level", code: "Code", full_name: "Full name", position: "Position", role: "Role",
    active: "Active", deactivate: "Deactivate", activate: "Activate",
    reset_password: "Reset password", new_password: "New password", none: "(none)",
    kind_province: "Province", kind_district: "District", kind_commune: "Commune", kind_department: "Department",
    kind_village: "Village",
    network_error: "Cannot reach the server. Check the network and try again.",
    confirm: "Confirm", back: "Back", loading: "Loading…", search: "Search",
    dialog_required: "Please fill this in.", page_error: "This page could not be opened.",
    back_to_meetings: "Back to the meetings", back_to_consultations: "Back to the consultations", switch_language: "Tiếng Việt",
    day_placeholder: "dd/mm/yyyy", time_placeholder: "hh:mm",
  },
};

let current = (document.cookie.match(/(?:^|; )ecabinet_lang=(vi|en)/) || [])[1] || "vi";

/** Register more keys (feature modules add their own labels). */
export function extend(more) {
  for (const lang of Object.keys(more)) Object.assign(dictionaries[lang], more[lang]);
}

/** The translated text for `key`, with {name} placeholders filled from params. */
export function t(key, params = {}) {
  const text = dictionaries[current][key] ?? dictionaries.vi[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => params[name] ?? "");
}

export function language() { return current; }

export function setLanguage(lang) {
  current = lang === "en" ? "en" : "vi";
  document.documentElement.lang = current;
}

/** Date and time as Vietnamese offices write them (24 h, day first), in Vietnam's time zone. */
export function formatDateTime(iso) {
  if (!iso) return "";
  return new Intl.DateTimeFormat(current === "vi" ? "vi-VN" : "en-GB", {
    dateStyle: "full", timeStyle: "short", timeZone: "Asia/Ho_Chi_Minh",
  }).format(new Date(iso));
}
