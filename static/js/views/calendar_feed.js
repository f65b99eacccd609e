// The user's calendar feed: a secret address Outlook, Thunderbird or a phone's calendar
// subscribes to, made (shown once), made anew, or revoked, from the meeting list.
import { del, get, post } from "../api.js";
import { extend, formatDateTime, t } from "../i18n.js";
import { attempt, h, toast } from "../ui.js";
import "./meetings_i18n.js";

extend({
  vi: {
    cal_button: "Lịch của tôi", cal_title: "Đồng bộ lịch họp",
    cal_explain: "Thêm lịch họp của đồng chí vào Outlook, Thunderbird hoặc lịch điện thoại bằng cách đăng ký (subscribe) địa chỉ bên dưới. Cuộc họp hoãn hay hủy được cập nhật tự động.",
    cal_secret: "Địa chỉ này là bí mật: ai có địa chỉ đều xem được lịch họp của đồng chí. Chỉ hiển thị một lần.",
    cal_none: "Chưa có địa chỉ lịch.", cal_active: "Đang có địa chỉ lịch, tạo {at}. Tạo địa chỉ mới thì địa chỉ cũ ngừng hoạt động.",
    cal_make: "Tạo địa chỉ lịch", cal_remake: "Tạo địa chỉ mới",
    cal_revoke: "Thu hồi địa chỉ", cal_revoked: "Đã thu hồi địa chỉ lịch.", cal_copy: "Sao chép",
    cal_copied: "Đã sao chép địa chỉ lịch.", cal_url: "Địa chỉ lịch (iCalendar)",
  },
  en: {
    cal_button: "My calendar", cal_title: "Sync my meetings to a calendar",
    cal_explain: "Add your meetings to Outlook, Thunderbird or your phone's calendar by subscribing to the address below. Postponed or cancelled meetings update by themselves.",
    cal_secret: "This address is secret: anyone who has it can see your meetings. It is shown only once.",
    cal_none: "No calendar address yet.", cal_active: "A calendar address is active, made {at}. A new address stops the old one.",
    cal_make: "Make a calendar address", cal_remake: "Make a new address",
    cal_revoke: "Revoke the address", cal_revoked: "The calendar address was revoked.", cal_copy: "Copy",
    cal_copied: "Calendar address copied.", cal_url: "Calendar address (iCalendar)",
  },
});

function openDialog() {
  const body = h("div", { id: "cal-body" });
  const close = h("button", { type: "button", class: "ghost", dataset: { answer: "cancel" } }, t("close_dialog"));
  const dialog = h("dialog", { class: "ask-dialog", id: "calendar-dialog", "aria-labelledby": "cal-title" },
    h("h2", { id: "cal-title" }, t("cal_title")), h("p", {}, t("cal_explain")), body,
    h("div", { class: "row dialog-buttons" }, h("span", { class: "spacer" }), close));
  close.addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => dialog.remove());

  const draw = (state, url = "") => {
    const make = h("button", { type: "button", id: "cal-make" }, state.active ? t("cal_remake") : t("cal_make"));
    make.addEventListener("click", () => attempt(async () => {
      const made = await post("/api/calendar/feed");
      draw(made, made.url);
    }, make));
    const revoke = h("button", { type: "button", class: "ghost", id: "cal-revoke" }, t("cal_revoke"));
    revoke.addEventListener("click", () => attempt(async () => {
      draw(await del("/api/calendar/feed"));
      toast(t("cal_revoked"));
    }, revoke));
    const parts = [h("p", { id: "cal-state", dataset: { active: String(state.active) } },
      state.active ? t("cal_active", { at: formatDateTime(state.created_at) }) : t("cal_none"))];
    if (url) {
      const field = h("input", { id: "cal-url", readonly: true, value: url, "aria-describedby": "cal-secret" });
      const copy = h("button", { type: "button", class: "ghost small", id: "cal-copy" }, t("cal_copy"));
      copy.addEventListener("click", async () => {
        field.select();
        try { await navigator.clipboard.writeText(url); } catch { document.execCommand("copy"); }
        toast(t("cal_copied"));
      });
      parts.push(h("label", { for: "cal-url" }, t("cal_url")), h("div", { class: "row cal-url-row" }, field, copy),
        h("p", { class: "field-hint", id: "cal-secret" }, t("cal_secret")));
    }
    parts.push(h("div", { class: "row" }, make, state.active ? revoke : null));
    body.replaceChildren(...parts);
  };
  document.body.append(dialog);
  dialog.showModal();
  attempt(async () => draw(await get("/api/calendar/feed")));
}

/** The button that opens the calendar feed's dialog. */
export function calendarButton() {
  return h("button", { type: "button", class: "ghost", id: "calendar-button", onclick: openDialog }, "📅 ", t("cal_button"));
}
