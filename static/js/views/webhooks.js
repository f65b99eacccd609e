// Webhooks (admin): the addresses other systems receive events at, and each delivery's log
// with its attempts, sent again on request.
import { api, del, get, post } from "../api.js";
import { formatDateTimeShort } from "../format.js";
import { extend, t } from "../i18n.js";
import { attempt, confirmDialog, h, toast } from "../ui.js";
import { secretDialog } from "./secret_dialog.js";

extend({
  vi: {
    wh_title: "Webhook (thông báo sự kiện cho hệ thống khác)",
    wh_explain: "eCabinet gửi yêu cầu POST có chữ ký HMAC-SHA256 tới địa chỉ đăng ký mỗi khi sự kiện được chọn xảy ra; gửi không thành công thì tự gửi lại trong một ngày.",
    wh_none: "Chưa đăng ký webhook nào.", wh_add: "Đăng ký webhook", wh_url: "Địa chỉ nhận sự kiện (https://…)",
    wh_description: "Mô tả", wh_events: "Sự kiện gửi đi", wh_pause: "Tạm dừng", wh_resume: "Tiếp tục",
    wh_paused: "Đang tạm dừng", wh_active: "Đang hoạt động", wh_delete: "Xóa", wh_delete_q: "Xóa webhook “{url}”?",
    wh_delete_text: "Nhật ký gửi của webhook này và các sự kiện đang chờ gửi cũng bị xóa.",
    wh_log: "Nhật ký gửi", wh_log_hide: "Ẩn nhật ký", wh_log_none: "Chưa có lần gửi nào.",
    wh_redeliver: "Gửi lại", wh_redelivered: "Đã xếp lịch gửi lại.",
    wh_col_event: "Sự kiện", wh_col_created: "Thời điểm", wh_col_status: "Kết quả", wh_col_attempts: "Các lần gửi",
    wh_status_pending: "Đang chờ gửi", wh_status_delivered: "Đã nhận", wh_status_failed: "Thất bại",
    wh_next: "lần gửi tiếp theo {at}", wh_attempt: "{at}: {result} ({ms} ms)", wh_no_answer: "không trả lời",
    wh_secret_title: "Khóa ký của webhook",
    wh_secret_warn: "Hãy sao chép khóa này vào hệ thống nhận ngay bây giờ: eCabinet chỉ hiển thị một lần.",
    wh_secret_use: "Mỗi yêu cầu có tiêu đề X-Ecabinet-Signature = sha256=HMAC-SHA256(khóa, X-Ecabinet-Timestamp + \".\" + nội dung).",
    wh_saved: "Tôi đã lưu khóa", wh_pick_event: "Hãy chọn ít nhất một sự kiện.",
    "ev_meeting.published": "Cuộc họp được phát hành", "ev_meeting.changed": "Cuộc họp thay đổi",
    "ev_meeting.postponed": "Cuộc họp bị hoãn", "ev_meeting.cancelled": "Cuộc họp bị hủy",
    "ev_conclusion.issued": "Thông báo kết luận được ban hành", "ev_task.assigned": "Nhiệm vụ được giao",
    "ev_task.due_soon": "Nhiệm vụ sắp đến hạn", "ev_task.overdue": "Nhiệm vụ quá hạn", "ev_task.done": "Nhiệm vụ hoàn thành",
    "ev_consultation.sent": "Phiếu lấy ý kiến được gửi", "ev_consultation.closed": "Phiếu lấy ý kiến kết thúc",
  },
  en: {
    wh_title: "Webhooks (events for other systems)",
    wh_explain: "eCabinet POSTs an HMAC-SHA256-signed request to the registered address whenever a chosen event happens; a failed delivery is retried for a day.",
    wh_none: "No webhooks registered.", wh_add: "Register a webhook", wh_url: "Address receiving the events (https://…)",
    wh_description: "Description", wh_events: "Events sent", wh_pause: "Pause", wh_resume: "Resume",
    wh_paused: "Paused", wh_active: "Active", wh_delete: "Delete", wh_delete_q: "Delete the webhook “{url}”?",
    wh_delete_text: "Its delivery log and the events waiting to be sent are deleted too.",
    wh_log: "Delivery log", wh_log_hide: "Hide the log", wh_log_none: "Nothing sent yet.",
    wh_redeliver: "Send again", wh_redelivered: "Scheduled to be sent again.",
    wh_col_event: "Event", wh_col_created: "When", wh_col_status: "Result", wh_col_attempts: "Attempts",
    wh_status_pending: "Waiting", wh_status_delivered: "Received", wh_status_failed: "Failed",
    wh_next: "next attempt {at}", wh_attempt: "{at}: {result} ({ms} ms)", wh_no_answer: "no answer",
    wh_secret_title: "The webhook's signing key",
    wh_secret_warn: "Copy this key into the receiving system now: eCabinet shows it only once.",
    wh_secret_use: "Each request carries X-Ecabinet-Signature = sha256=HMAC-SHA256(key, X-Ecabinet-Timestamp + \".\" + body).",
    wh_saved: "I have saved it", wh_pick_event: "Choose at least one event.",
    "ev_meeting.published": "Meeting published", "ev_meeting.changed": "Meeting changed",
    "ev_meeting.postponed": "Meeting postponed", "ev_meeting.cancelled": "Meeting cancelled",
    "ev_conclusion.issued": "Conclusion notice issued", "ev_task.assigned": "Task assigned",
    "ev_task.due_soon": "Task due soon", "ev_task.overdue": "Task overdue", "ev_task.done": "Task done",
    "ev_consultation.sent": "Consultation sent", "ev_consultation.closed": "Consultation closed",
  },
});

function deliveryLog(hook, box) {
  const load = async () => {
    const { deliveries } = await get(`/api/webhooks/${hook.id}/deliveries`);
    if (!deliveries.length) { box.replaceChildren(h("p", { class: "muted" }, t("wh_log_none"))); return; }
    const rows = deliveries.map((d) => {
      const again = h("button", { type: "button", class: "small ghost", dataset: { action: "redeliver" } }, t("wh_redeliver"));
      again.addEventListener("click", () => attempt(async () => {
        await post(`/api/webhooks/deliveries/${d.id}/redeliver`);
        toast(t("wh_redelivered"));
        await load();
      }, again));
      const tries = d.attempts.map((a) => h("li", {}, t("wh_attempt", {
        at: formatDateTimeShort(a.at), ms: a.duration_ms,
        result: a.status_code ? `HTTP ${a.status_code}` : (a.error || t("wh_no_answer")),
      })));
      if (d.status === "pending" && d.next_attempt_at) tries.push(h("li", {}, t("wh_next", { at: formatDateTimeShort(d.next_attempt_at) })));
      return h("tr", { dataset: { delivery: d.id, status: d.status } },
        h("td", { "data-label": t("wh_col_event") }, t(`ev_${d.event}`), h("div", { class: "muted" }, h("code", {}, d.event))),
        h("td", { "data-label": t("wh_col_created") }, formatDateTimeShort(d.created_at)),
        h("td", { "data-label": t("wh_col_status") }, h("span", { class: `badge delivery-${d.status}` }, t(`wh_status_${d.status}`))),
        h("td", { "data-label": t("wh_col_attempts") }, h("ol", { class: "attempts" }, tries)),
        h("td", {}, again));
    });
    box.replaceChildren(h("div", { class: "table-scroll" }, h("table", { class: "delivery-table" },
      h("thead", {}, h("tr", {}, ["wh_col_event", "wh_col_created", "wh_col_status", "wh_col_attempts"].map((k) => h("th", {}, t(k))),
        h("th", {}, ""))),
      h("tbody", {}, rows))));
  };
  return load;
}

function webhookSection(hook, refresh) {
  const log = h("div", { class: "delivery-log", hidden: true });
  const load = deliveryLog(hook, log);
  const show = h("button", { type: "button", class: "small ghost", dataset: { action: "log" }, "aria-expanded": "false" }, t("wh_log"));
  show.addEventListener("click", () => attempt(async () => {
    const open = log.hidden;
    if (open) await load();
    log.hidden = !open;
    show.textContent = open ? t("wh_log_hide") : t("wh_log");
    show.setAttribute("aria-expanded", String(open));
  }, show));
  const pause = h("button", { type: "button", class: "small ghost", dataset: { action: "pause" } }, hook.active ? t("wh_pause") : t("wh_resume"));
  pause.addEventListener("click", () => attempt(async () => {
    await api("PATCH", `/api/webhooks/${hook.id}`, { active: !hook.active });
    refresh();
  }, pause));
  const remove = h("button", { type: "button", class: "small ghost danger", dataset: { action: "delete-webhook" } }, t("wh_delete"));
  remove.addEventListener("click", () => attempt(async () => {
    if (!await confirmDialog({ id: "delete-webhook-dialog", title: t("wh_delete_q", { url: hook.url }),
      message: t("wh_delete_text"), confirmLabel: t("wh_delete"), danger: true,
      action: () => del(`/api/webhooks/${hook.id}`) })) return;
    refresh();
  }, remove));
  return h("section", { class: "webhook", dataset: { webhook: hook.id } },
    h("div", { class: "row" },
      h("div", {}, h("h3", { class: "mono" }, hook.url),
        h("div", { class: "muted" }, hook.description || "", " ",
          h("span", { class: `badge ${hook.active ? "token-active" : "token-expired"}` }, hook.active ? t("wh_active") : t("wh_paused")))),
      h("span", { class: "spacer" }), show, pause, remove),
    h("p", { class: "muted" }, hook.events.map((e) => t(`ev_${e}`)).join(" · ")),
    log);
}

function webhookForm(events, refresh) {
  const url = h("input", { name: "wh_url", id: "wh-url", type: "url", required: true, placeholder: "https://eoffice.example.gov.vn/ecabinet" });
  const description = h("input", { name: "wh_description", id: "wh-description", maxlength: 200 });
  const boxes = events.map((e) => h("label", { class: "inline" },
    h("input", { type: "checkbox", name: "wh_event", value: e }), " ", t(`ev_${e}`)));
  const error = h("p", { class: "error", role: "alert", hidden: true });
  const form = h("form", { id: "webhook-form", novalidate: true },
    h("label", { for: "wh-url" }, t("wh_url")), url,
    h("label", { for: "wh-description" }, t("wh_description")), description,
    h("fieldset", { class: "webhook-events" }, h("legend", {}, t("wh_events")), boxes),
    error, h("button", { type: "submit" }, t("wh_add")));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const chosen = boxes.map((b) => b.querySelector("input")).filter((i) => i.checked).map((i) => i.value);
    error.hidden = true;
    if (!chosen.length) { error.textContent = t("wh_pick_event"); error.hidden = false; return; }
    attempt(async () => {
      let made;
      try {
        made = await post("/api/webhooks", { url: url.value.trim(), events: chosen, description: description.value.trim() });
      } catch (err) {
        // Said beside the form, not only in a toast at the foot of a long page.
        error.textContent = err.message || String(err);
        error.hidden = false;
        url.setAttribute("aria-invalid", "true");
        url.focus();
        return;
      }
      url.removeAttribute("aria-invalid");
      await refresh();
      await secretDialog({ id: "webhook-secret-dialog", title: t("wh_secret_title"), warning: t("wh_secret_warn"),
        hint: t("wh_secret_use"), secret: made.secret, confirmLabel: t("wh_saved") });
    }, e.submitter);
  });
  return form;
}

/** Fills `card` with the webhooks, their logs and the form that registers one. */
export async function webhooksCard(card) {
  const refresh = async () => {
    const [{ webhooks }, { events }] = await Promise.all([get("/api/webhooks"), get("/api/webhooks/events")]);
    card.replaceChildren(...[h("h2", {}, t("wh_title")), h("p", { class: "muted" }, t("wh_explain")),
      webhooks.length ? null : h("p", { class: "muted" }, t("wh_none")),
      ...webhooks.map((w) => webhookSection(w, refresh)),
      h("h3", {}, t("wh_add")), webhookForm(events, refresh)].filter(Boolean));
  };
  await refresh();
}
