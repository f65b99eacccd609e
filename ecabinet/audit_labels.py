"""What the audit log's codes are called for people: actions, their families, object types
and the keys of an entry's details, in Vietnamese and English.

The log keeps codes (`meeting.publish`): they are stable, searchable and what other systems
read; the administrator's screen and the CSV show these labels beside them. A code missing
here is shown as itself; tests/test_audit_labels.py reads the source for every action the
server can record and fails when one has no label.
"""

from __future__ import annotations

from ecabinet.i18n import DEFAULT_LANGUAGE

Labels = dict[str, str]


def _pairs(table: dict[str, tuple[str, str]]) -> dict[str, Labels]:
    return {code: {"vi": vi, "en": en} for code, (vi, en) in table.items()}


ACTIONS: dict[str, Labels] = _pairs({
    "agenda.add": ("Thêm nội dung chương trình họp", "Add an agenda item"),
    "agenda.update": ("Sửa nội dung chương trình họp", "Edit an agenda item"),
    "agenda.remove": ("Bỏ nội dung chương trình họp", "Remove an agenda item"),
    "agenda.reorder": ("Sắp xếp lại chương trình họp", "Reorder the agenda"),
    "annotation.share": ("Chia sẻ ghi chú", "Share an annotation"),
    "annotation.unshare": ("Thôi chia sẻ ghi chú", "Stop sharing an annotation"),
    "api_token.issue": ("Cấp mã truy cập API", "Issue an API token"),
    "api_token.revoke": ("Thu hồi mã truy cập API", "Revoke an API token"),
    "api_token.use": ("Dùng mã truy cập API", "Use an API token"),
    "attendance.respond": ("Trả lời giấy mời", "Answer an invitation"),
    "attendance.check_in": ("Điểm danh có mặt", "Check in"),
    "attendance.check_out": ("Rời cuộc họp", "Check out"),
    "audit.export": ("Tải nhật ký hệ thống (CSV)", "Download the audit log (CSV)"),
    "calendar.renew": ("Cấp lại đường dẫn lịch", "Renew the calendar link"),
    "calendar.revoke": ("Thu hồi đường dẫn lịch", "Revoke the calendar link"),
    "conclusion.create": ("Tạo dự thảo thông báo kết luận", "Draft the conclusions"),
    "conclusion.edit": ("Sửa dự thảo thông báo kết luận", "Edit the conclusions"),
    "conclusion.submit": ("Trình thông báo kết luận", "Submit the conclusions"),
    "conclusion.return": ("Trả lại thông báo kết luận", "Return the conclusions"),
    "conclusion.issue": ("Ban hành thông báo kết luận", "Issue the conclusions"),
    "consultation.create": ("Tạo phiếu lấy ý kiến", "Create a consultation"),
    "consultation.update": ("Sửa phiếu lấy ý kiến", "Edit a consultation"),
    "consultation.delete": ("Xóa phiếu lấy ý kiến", "Delete a consultation"),
    "consultation.submit": ("Trình lấy ý kiến", "Submit a consultation"),
    "consultation.withdraw": ("Rút lại tờ trình lấy ý kiến", "Withdraw a consultation"),
    "consultation.approve": ("Duyệt gửi lấy ý kiến", "Approve a consultation"),
    "consultation.return": ("Trả lại tờ trình lấy ý kiến", "Return a consultation"),
    "consultation.reply": ("Gửi ý kiến", "Reply to a consultation"),
    "consultation.change": ("Sửa ý kiến đã gửi", "Change a reply"),
    "consultation.close": ("Kết thúc lấy ý kiến", "Close a consultation"),
    "consultation.report": ("Lập báo cáo kết quả lấy ý kiến", "Report a consultation"),
    "consultation.tasks_assigned": ("Giao nhiệm vụ sau lấy ý kiến",
                                    "Assign tasks from a consultation"),
    "document.add": ("Thêm tài liệu", "Add a document"),
    "document.version": ("Thay tài liệu bằng bản mới", "Upload a new version"),
    "document.update": ("Sửa thông tin tài liệu", "Edit a document's details"),
    "document.remove": ("Gỡ tài liệu", "Remove a document"),
    "document.view": ("Xem tài liệu", "View a document"),
    "document.text": ("Đọc nội dung chữ của tài liệu", "Read a document's text"),
    "document.download": ("Tải tài liệu về", "Download a document"),
    "document.search": ("Tìm trong tài liệu", "Search documents"),
    "document.annotated_copy": ("Tải bản có ghi chú", "Download an annotated copy"),
    "document.sign": ("Ký số văn bản", "Sign a document"),
    "document.verify": ("Kiểm tra chữ ký số", "Verify a signature"),
    "import.accounts": ("Nhập tài khoản từ tệp", "Import accounts"),
    "live.item": ("Chuyển nội dung đang họp", "Move to an agenda item"),
    "live.settings": ("Đổi cài đặt phiên họp", "Change the session's settings"),
    "meeting.create": ("Tạo cuộc họp", "Create a meeting"),
    "meeting.update": ("Sửa cuộc họp", "Edit a meeting"),
    "meeting.submit": ("Trình duyệt cuộc họp", "Submit a meeting for approval"),
    "meeting.approve": ("Duyệt cuộc họp", "Approve a meeting"),
    "meeting.return": ("Trả lại cuộc họp", "Return a meeting"),
    "meeting.publish": ("Phát hành cuộc họp", "Publish a meeting"),
    "meeting.start": ("Khai mạc cuộc họp", "Open a meeting"),
    "meeting.adjourn": ("Bế mạc cuộc họp", "Adjourn a meeting"),
    "meeting.close": ("Kết thúc hồ sơ cuộc họp", "Close a meeting's file"),
    "meeting.cancel": ("Hủy cuộc họp", "Cancel a meeting"),
    "meeting.postpone": ("Hoãn, dời lịch cuộc họp", "Postpone a meeting"),
    "minutes.draft": ("Lập dự thảo biên bản", "Draft the minutes"),
    "minutes.redraft": ("Lập lại dự thảo biên bản", "Redraft the minutes"),
    "minutes.edit": ("Sửa biên bản", "Edit the minutes"),
    "minutes.submit": ("Trình biên bản", "Submit the minutes"),
    "minutes.approve": ("Duyệt biên bản", "Approve the minutes"),
    "minutes.return": ("Trả lại biên bản", "Return the minutes"),
    "minutes.sign": ("Ký biên bản", "Sign the minutes"),
    "poll.create": ("Tạo biểu quyết", "Create a poll"),
    "poll.update": ("Sửa biểu quyết", "Edit a poll"),
    "poll.open": ("Mở biểu quyết", "Open a poll"),
    "poll.cancel": ("Hủy biểu quyết", "Cancel a poll"),
    "poll.result": ("Công bố kết quả biểu quyết", "Announce a poll's result"),
    "question.ask": ("Gửi câu hỏi", "Ask a question"),
    "question.merge": ("Gộp câu hỏi", "Merge questions"),
    "question.answer": ("Đánh dấu đã trả lời câu hỏi", "Mark a question answered"),
    "question.reopen": ("Mở lại câu hỏi", "Reopen a question"),
    "question.move": ("Chuyển câu hỏi sang nội dung khác", "Move a question"),
    "report.export": ("Xuất báo cáo thống kê", "Export a report"),
    "signing.trust_root_add": ("Thêm chứng thư gốc tin cậy", "Add a trusted root"),
    "signing.trust_root_remove": ("Bỏ chứng thư gốc tin cậy", "Remove a trusted root"),
    "signing.key_configure": ("Cài đặt khóa ký số", "Configure a signing key"),
    "signing.key_deactivate": ("Ngừng dùng khóa ký số", "Deactivate a signing key"),
    "speaker.request": ("Đăng ký phát biểu", "Ask to speak"),
    "speaker.withdraw": ("Rút đăng ký phát biểu", "Withdraw a request to speak"),
    "speaker.grant": ("Mời phát biểu", "Give the floor"),
    "speaker.end": ("Kết thúc lượt phát biểu", "End a speech"),
    "speaker.reorder": ("Sắp xếp lại lượt phát biểu", "Reorder the speakers"),
    "task.assign": ("Giao nhiệm vụ", "Assign a task"),
    "task.progress": ("Báo cáo tiến độ nhiệm vụ", "Report a task's progress"),
    "task.deliver": ("Hoàn thành nhiệm vụ", "Deliver a task"),
    "task.reopen": ("Mở lại nhiệm vụ", "Reopen a task"),
    "task.file_view": ("Xem tệp của nhiệm vụ", "View a task's file"),
    "unit.create": ("Tạo đơn vị", "Create a unit"),
    "unit.update": ("Sửa đơn vị", "Edit a unit"),
    "unit.delete": ("Xóa đơn vị", "Delete a unit"),
    "user.create": ("Tạo tài khoản", "Create an account"),
    "user.update": ("Sửa tài khoản", "Edit an account"),
    "user.login": ("Đăng nhập", "Log in"),
    "user.login_failed": ("Đăng nhập không thành công", "Failed login"),
    "user.password": ("Tự đổi mật khẩu", "Change one's own password"),
    "video.recording_start": ("Bắt đầu ghi hình", "Start recording"),
    "video.recording_stop": ("Dừng ghi hình", "Stop recording"),
    "video.recording_download": ("Tải bản ghi hình", "Download a recording"),
    "vote.cast": ("Bỏ phiếu", "Cast a vote"),
    "vote.change": ("Đổi phiếu", "Change a vote"),
    "webhook.register": ("Đăng ký webhook", "Register a webhook"),
    "webhook.update": ("Sửa webhook", "Edit a webhook"),
    "webhook.delete": ("Xóa webhook", "Delete a webhook"),
    "webhook.redeliver": ("Gửi lại sự kiện webhook", "Redeliver a webhook event"),
})

# A family is an action's prefix: its group heading in the filter, and what choosing the
# whole family ("meeting.") means.
FAMILIES: dict[str, Labels] = _pairs({
    "agenda": ("Chương trình họp", "Agenda"),
    "annotation": ("Ghi chú", "Annotations"),
    "api_token": ("Mã truy cập API", "API tokens"),
    "attendance": ("Tham dự họp", "Attendance"),
    "audit": ("Nhật ký hệ thống", "Audit log"),
    "calendar": ("Đường dẫn lịch", "Calendar links"),
    "conclusion": ("Thông báo kết luận", "Conclusions"),
    "consultation": ("Phiếu lấy ý kiến", "Consultations"),
    "document": ("Tài liệu", "Documents"),
    "import": ("Nhập dữ liệu", "Imports"),
    "live": ("Điều hành phiên họp", "Running the session"),
    "meeting": ("Cuộc họp", "Meetings"),
    "minutes": ("Biên bản", "Minutes"),
    "poll": ("Biểu quyết", "Polls"),
    "question": ("Câu hỏi", "Questions"),
    "report": ("Báo cáo thống kê", "Reports"),
    "signing": ("Ký số", "Signing"),
    "speaker": ("Phát biểu", "Speakers"),
    "task": ("Nhiệm vụ", "Tasks"),
    "unit": ("Đơn vị", "Units"),
    "user": ("Tài khoản", "Accounts"),
    "video": ("Ghi hình", "Video"),
    "vote": ("Phiếu biểu quyết", "Votes"),
    "webhook": ("Webhook", "Webhooks"),
})

OBJECT_TYPES: dict[str, Labels] = _pairs({
    "meeting": ("Cuộc họp", "Meeting"),
    "agenda_item": ("Nội dung chương trình", "Agenda item"),
    "document": ("Tài liệu", "Document"),
    "annotation": ("Ghi chú", "Annotation"),
    "attendance": ("Tham dự", "Attendance"),
    "speaker": ("Lượt phát biểu", "Speaker"),
    "question": ("Câu hỏi", "Question"),
    "poll": ("Biểu quyết", "Poll"),
    "ballot": ("Phiếu biểu quyết", "Ballot"),
    "minutes": ("Biên bản", "Minutes"),
    "conclusion": ("Thông báo kết luận", "Conclusions"),
    "task": ("Nhiệm vụ", "Task"),
    "consultation": ("Lấy ý kiến", "Consultation"),
    "consultation_reply": ("Phiếu ý kiến", "Consultation reply"),
    "consultation_report": ("Báo cáo lấy ý kiến", "Consultation report"),
    "pdf": ("Văn bản PDF", "PDF"),
    "recording": ("Bản ghi hình", "Recording"),
    "user": ("Tài khoản", "Account"),
    "unit": ("Đơn vị", "Unit"),
    "import": ("Lần nhập dữ liệu", "Import"),
    "api_token": ("Mã truy cập API", "API token"),
    "signer_key": ("Khóa ký số", "Signing key"),
    "trust_root": ("Chứng thư gốc", "Trusted root"),
    "webhook": ("Webhook", "Webhook"),
    "webhook_delivery": ("Lần gửi webhook", "Webhook delivery"),
    "report": ("Báo cáo", "Report"),
    "audit": ("Nhật ký hệ thống", "Audit log"),
})

# The keys of an entry's details that an administrator meets most; others show as they are.
DATA_KEYS: dict[str, Labels] = _pairs({
    "from": ("Từ", "From"), "to": ("Sang", "To"), "comment": ("Ý kiến", "Comment"),
    "at": ("Lúc", "At"), "reason": ("Lý do", "Reason"), "title": ("Tiêu đề", "Title"),
    "name": ("Tên", "Name"), "number": ("Số", "Number"), "version": ("Phiên bản", "Version"),
    "rows": ("Số dòng", "Rows"), "username": ("Tài khoản", "Username"),
    "address": ("Địa chỉ máy", "Address"), "source": ("Bản gốc", "Original"),
    "full_name": ("Họ tên", "Full name"), "role": ("Vai trò", "Role"),
    "unit_id": ("Đơn vị", "Unit"), "active": ("Hoạt động", "Active"),
    "password": ("Mật khẩu", "Password"), "language": ("Ngôn ngữ", "Language"),
    "email": ("Thư điện tử", "Email"), "poll": ("Biểu quyết", "Poll"),
    "receipt": ("Mã biên nhận", "Receipt"), "choice": ("Lựa chọn", "Choice"),
    "choices": ("Các lựa chọn", "Choices"), "response": ("Trả lời", "Response"),
    "present": ("Có mặt", "Present"), "method": ("Cách điểm danh", "Method"),
    "remote": ("Trực tuyến", "Remote"), "progress": ("Tiến độ (%)", "Progress (%)"),
    "changed": ("Đã sửa", "Changed"), "document_id": ("Tài liệu", "Document"),
    "query": ("Từ khóa", "Query"), "restricted": ("Hạn chế", "Restricted"),
    "readers": ("Người được đọc", "Readers"), "sha256": ("Mã băm SHA-256", "SHA-256"),
    "fingerprint": ("Dấu vân tay", "Fingerprint"), "serial": ("Số sê-ri", "Serial"),
    "subject": ("Chủ thể", "Subject"), "scopes": ("Phạm vi", "Scopes"),
    "scope": ("Phạm vi", "Scope"), "url": ("Địa chỉ", "URL"), "events": ("Sự kiện", "Events"),
    "since": ("Từ ngày", "Since"), "until": ("Đến ngày", "Until"),
    "format": ("Định dạng", "Format"), "kind": ("Loại", "Kind"),
    "deadline": ("Thời hạn", "Deadline"), "scheduled": ("Ngày dự kiến", "Scheduled"),
    "early": ("Sớm (ngày)", "Early (days)"), "late": ("Muộn (ngày)", "Late (days)"),
    "result": ("Kết quả", "Result"), "verdict": ("Kết luận kiểm tra", "Verdict"),
    "question": ("Câu hỏi", "Question"), "text": ("Nội dung", "Text"),
    "item_id": ("Nội dung chương trình", "Agenda item"), "pages": ("Số trang", "Pages"),
    "readers_added": ("Thêm người được đọc", "Readers added"),
    "readers_removed": ("Bỏ người được đọc", "Readers removed"),
    "bytes": ("Dung lượng (byte)", "Size (bytes)"), "file": ("Tệp", "File"),
    "expires_on": ("Hết hạn", "Expires on"), "visibility": ("Hình thức", "Visibility"),
})


def _pick(table: dict[str, Labels], code: str, language: str) -> str | None:
    labels = table.get(code)
    return (labels.get(language) or labels[DEFAULT_LANGUAGE]) if labels else None


def has_action_label(action: str, language: str) -> bool:
    """Whether the table names `action` in `language` itself (no fallback)."""
    return bool(ACTIONS.get(action, {}).get(language, "").strip())


def action_label(action: str, language: str) -> str:
    """What an action is called (`meeting.publish` → “Phát hành cuộc họp”), else its code."""
    return _pick(ACTIONS, action, language) or action


def family_of(action: str) -> str:
    """An action's family: the part before the dot (`meeting.publish` → `meeting`)."""
    return action.split(".", 1)[0]


def family_name(family: str, language: str) -> str:
    """A family's heading (`meeting` → “Cuộc họp”), else its code."""
    return _pick(FAMILIES, family, language) or family


def family_label(family: str, language: str) -> str:
    """What choosing a whole family means (“Mọi thao tác với cuộc họp”)."""
    name = family_name(family, language)
    # The heading is lower-cased after “với”/“on”; a code or an acronym stays as it is.
    noun = name if name == family or name[1:2].isupper() else name[:1].lower() + name[1:]
    return f"Everything on {noun}" if language == "en" else f"Mọi thao tác với {noun}"

def object_type_label(object_type: str, language: str) -> str:
    """What an object type is called (`meeting` → “Cuộc họp”), else its code."""
    return _pick(OBJECT_TYPES, object_type, language) or object_type


def data_key_label(key: str, language: str) -> str:
    """What a key of an entry's details is called (`rows` → “Số dòng”), else the key."""
    return _pick(DATA_KEYS, key, language) or key
