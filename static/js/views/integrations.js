// Integration with the office's other systems (admin): service accounts and their API tokens,
// and the webhooks that tell those systems what happened, with each delivery's log.
import { del, get, post, put } from "../api.js";
import { dayField } from "../dates.js";
import { formatDate, formatDateTimeShort } from "../format.js";
import { extend, language, t } from "../i18n.js";
import { hasRole } from "../session.js";
import { askDialog, attempt, confirmDialog, h, mount, toast } from "../ui.js";
import { secretDialog } from "./secret_dialog.js";
import { webhooksCard } from "./webhooks.js";

extend({
  vi: {
    int_title: "Tích hợp hệ thống", nav_integrations: "Tích hợp",
    int_admins_only: "Chỉ quản trị hệ thống mở được trang này.",
    int_intro: "Kết nối eCabinet với hệ thống quản lý văn bản (eOffice), trục liên thông (LGSP) và các hệ thống khác của cơ quan.",
    svc_title: "Tài khoản dịch vụ và mã truy cập API",
    svc_explain: "Mỗi hệ thống khác dùng một tài khoản dịch vụ. Tài khoản thấy và làm được như một người cùng vai trò, cùng đơn vị; mỗi mã truy cập còn bị giới hạn trong các phạm vi được cấp.",
    svc_none: "Chưa có tài khoản dịch vụ.", svc_add: "Thêm tài khoản dịch vụ",
    svc_username: "Tên đăng nhập", svc_name: "Tên hệ thống", svc_no_unit: "(Không thuộc đơn vị)",
    svc_inactive: "Đã khóa", svc_lock: "Khóa", svc_unlock: "Mở khóa",
    tok_issue: "Cấp mã truy cập", tok_issue_for: "Cấp mã truy cập cho {name}",
    tok_name: "Tên mã (để nhận biết)", tok_scopes: "Phạm vi", tok_expires: "Hết hạn sau ngày",
    tok_rate: "Số yêu cầu tối đa mỗi phút", tok_none: "Chưa có mã truy cập.",
    tok_col_name: "Mã", tok_col_scopes: "Phạm vi", tok_col_expires: "Hết hạn", tok_col_rate: "Giới hạn/phút",
    tok_col_state: "Trạng thái", tok_col_used: "Dùng lần cuối", tok_never: "Chưa dùng",
    tok_state_active: "Đang dùng", tok_state_expired: "Hết hạn", tok_state_revoked: "Đã thu hồi",
    tok_revoke: "Thu hồi", tok_revoke_q: "Thu hồi mã “{name}”?",
    tok_revoke_text: "Hệ thống đang dùng mã này sẽ bị từ chối ngay lập tức. Không thể hoàn tác.",
    tok_revoked: "Đã thu hồi mã truy cập.",
    tok_secret_title: "Mã truy cập mới", tok_secret_warn: "Hãy sao chép và lưu mã này vào hệ thống cần kết nối ngay bây giờ: eCabinet chỉ hiển thị một lần và không lưu lại mã.",
    tok_secret_use: "Gửi kèm mỗi yêu cầu trong tiêu đề: Authorization: Bearer <mã>",
    tok_copy: "Sao chép", tok_copied: "Đã sao chép.", tok_saved: "Tôi đã lưu mã",
    tok_pick_scope: "Hãy chọn ít nhất một phạm vi.", tok_pick_name: "Hãy đặt tên cho mã truy cập.", tok_pick_day: "Hãy nhập ngày hết hạn (dd/mm/yyyy).",
  },
  en: {
    int_title: "Integration", nav_integrations: "Integration",
    int_admins_only: "Only administrators can open this page.",
    int_intro: "Connect eCabinet with the document-management system (eOffice), the data-sharing hub (LGSP) and the office's other systems.",
    svc_title: "Service accounts and API tokens",
    svc_explain: "Each other system uses a service account. It sees and may do what a person of its role and unit would; each token is further limited to its scopes.",
    svc_none: "No service accounts yet.", svc_add: "Add a service account",
    svc_username: "Username", svc_name: "System name", svc_no_unit: "(No unit)",
    svc_inactive: "Deactivated", svc_lock: "Deactivate", svc_unlock: "Activate",
    tok_issue: "Issue a token", tok_issue_for: "Issue a token to {name}",
    tok_name: "Token name (to tell it apart)", tok_scopes: "Scopes", tok_expires: "Expires after",
    tok_rate: "Most requests per minute", tok_none: "No tokens yet.",
    tok_col_name: "Token", tok_col_scopes: "Scopes", tok_col_expires: "Expires", tok_col_rate: "Limit/min",
    tok_col_state: "State", tok_col_used: "Last used", tok_never: "Never",
    tok_state_active: "Active", tok_state_expired: "Expired", tok_state_revoked: "Revoked",
    tok_revoke: "Revoke", tok_revoke_q: "Revoke the token “{name}”?",
    tok_revoke_text: "The system using it is refused at once. This cannot be undone.",
    tok_revoked: "The token was revoked.",
    tok_secret_title: "New API token", tok_secret_warn: "Copy this token into the system that connects now: eCabinet shows it only once and does not keep it.",
    tok_secret_use: "Send it with every request in the header: Authorization: Bearer <token>",
    tok_copy: "Copy", tok_copied: "Copied.", tok_saved: "I have saved it",
    tok_pick_scope: "Choose at least one scope.", tok_pick_name: "Give the token a name.", tok_pick_day: "Enter the expiry date (dd/mm/yyyy).",
  },
});

// English names of the scopes; the server gives the Vietnamese ones.
const SCOPES_EN = {
  "meetings:read": "Read meetings, agendas and participants",
  "documents:read": "Read and download meeting documents",
  "meetings:write": "Create and edit meetings",
  "conclusions:read": "Read minutes and conclusion notices",
  "tasks:read": "Read assigned tasks and their progress",
  "tasks:write": "Report task progress and results",
};
const SERVICE_ROLES = ["secretary", "delegate", "observer"];

const isoDay = (date) => date.toISOString().slice(0, 10);

function scopeLabel(scopes, scope) {
  if (language() === "en") return SCOPES_EN[scope] || scope;
  return scopes.find((s) => s.scope === scope)?.label || scope;
}

/** The dialog that issues a token to one service account. */
async function issueToken(account, scopes, refresh) {
  const inNinetyDays = new Date(Date.now() + 90 * 86400000);
  const f = {
    name: h("input", { id: "tok-name", required: true, maxlength: 200 }),
    expires: dayField({ id: "tok-expires" }, { value: isoDay(inNinetyDays) }),
    rate: h("input", { id: "tok-rate", type: "number", min: 1, max: 6000, value: 120 }),
  };
  const boxes = scopes.map((s) => h("label", { class: "inline scope-choice" },
    h("input", { type: "checkbox", name: "tok-scope", value: s.scope }), " ", scopeLabel(scopes, s.scope),
    h("code", { class: "muted" }, ` ${s.scope}`)));
  let secret = null;
  const done = await askDialog({
    id: "token-dialog", title: t("tok_issue_for", { name: account.full_name }), confirmLabel: t("tok_issue"),
    message: [
      h("label", { for: "tok-name" }, t("tok_name")), f.name,
      h("fieldset", { id: "tok-scopes" }, h("legend", {}, t("tok_scopes")), boxes),
      h("div", { class: "row" },
        h("label", {}, t("tok_expires"), f.expires), h("label", {}, t("tok_rate"), f.rate)),
    ],
    action: async () => {
      const chosen = boxes.map((b) => b.querySelector("input")).filter((i) => i.checked).map((i) => i.value);
      if (!f.name.value.trim()) { f.name.focus(); throw new Error(t("tok_pick_name")); }
      if (!chosen.length) throw new Error(t("tok_pick_scope"));
      const day = f.expires.read();
      if (!day) throw new Error(t("tok_pick_day"));
      const issued = await post(`/api/service-accounts/${account.id}/tokens`, {
        name: f.name.value.trim(), scopes: chosen, expires_on: day, rate_per_minute: Number(f.rate.value),
      });
      secret = issued.secret;
    },
  });
  if (done === null || !secret) return;
  await refresh();
  await secretDialog({ id: "token-secret-dialog", title: t("tok_secret_title"), warning: t("tok_secret_warn"),
    hint: t("tok_secret_use"), secret, confirmLabel: t("tok_saved") });
}

function tokenTable(account, scopes, refresh) {
  if (!account.tokens.length) return h("p", { class: "muted" }, t("tok_none"));
  const rows = account.tokens.map((tok) => {
    const revoke = tok.state === "active"
      ? h("button", { type: "button", class: "small ghost danger", dataset: { action: "revoke-token" } }, t("tok_revoke"))
      : null;
    revoke?.addEventListener("click", () => attempt(async () => {
      if (!await confirmDialog({ id: "revoke-token-dialog", title: t("tok_revoke_q", { name: tok.name }),
        message: t("tok_revoke_text"), confirmLabel: t("tok_revoke"), danger: true,
        action: () => del(`/api/api-tokens/${tok.id}`) })) return;
      toast(t("tok_revoked"));
      refresh();
    }, revoke));
    return h("tr", { dataset: { token: tok.id, state: tok.state } },
      h("td", { "data-label": t("tok_col_name") }, h("strong", {}, tok.name), h("div", { class: "muted mono" }, `${tok.prefix}…`)),
      h("td", { "data-label": t("tok_col_scopes") }, tok.scopes.map((s) => h("div", { title: scopeLabel(scopes, s) }, h("code", {}, s)))),
      h("td", { "data-label": t("tok_col_expires") }, formatDate(`${tok.expires_on}T12:00:00+07:00`)),
      h("td", { "data-label": t("tok_col_rate") }, String(tok.rate_per_minute)),
      h("td", { "data-label": t("tok_col_state") }, h("span", { class: `badge token-${tok.state}` }, t(`tok_state_${tok.state}`))),
      h("td", { "data-label": t("tok_col_used") }, tok.last_used_at ? formatDateTimeShort(tok.last_used_at) : t("tok_never")),
      h("td", {}, revoke));
  });
  return h("div", { class: "table-scroll" }, h("table", { class: "stack-on-phone token-table" },
    h("thead", {}, h("tr", {}, ["tok_col_name", "tok_col_scopes", "tok_col_expires", "tok_col_rate", "tok_col_state",
      "tok_col_used"].map((k) => h("th", {}, t(k))), h("th", {}, ""))),
    h("tbody", {}, rows)));
}

function accountCard(account, scopes, unitName, refresh) {
  const issue = h("button", { type: "button", class: "small", dataset: { action: "issue-token" } }, t("tok_issue"));
  issue.addEventListener("click", () => attempt(() => issueToken(account, scopes, refresh)));
  const lock = h("button", { type: "button", class: "small ghost", dataset: { action: "toggle-account" } },
    account.active ? t("svc_lock") : t("svc_unlock"));
  lock.addEventListener("click", () => attempt(async () => {
    await put(`/api/users/${account.id}`, { active: !account.active });
    refresh();
  }, lock));
  return h("section", { class: "service-account", dataset: { username: account.username } },
    h("div", { class: "row" },
      h("div", {}, h("h3", {}, account.full_name),
        h("div", { class: "muted" }, [account.username, t(`role_${account.role}`), unitName.get(account.unit_id) || t("svc_no_unit")].join(" · "),
          account.active ? null : h("span", { class: "badge" }, " ", t("svc_inactive")))),
      h("span", { class: "spacer" }), account.active ? issue : null, lock),
    tokenTable(account, scopes, refresh));
}

function accountForm(units, refresh) {
  const f = {
    username: h("input", { name: "svc_username", placeholder: t("svc_username"), "aria-label": t("svc_username"), autocomplete: "off" }),
    full_name: h("input", { name: "svc_full_name", placeholder: t("svc_name"), "aria-label": t("svc_name") }),
    role: h("select", { name: "svc_role", "aria-label": t("role") }, SERVICE_ROLES.map((r) => h("option", { value: r }, t(`role_${r}`)))),
    unit: h("select", { name: "svc_unit", "aria-label": t("unit") }, h("option", { value: "" }, t("svc_no_unit")),
      units.map((u) => h("option", { value: u.id }, u.name))),
  };
  return h("form", {
    class: "grid", id: "service-account-form", novalidate: true, onsubmit: (e) => { e.preventDefault(); attempt(async () => {
      await post("/api/service-accounts", { username: f.username.value, full_name: f.full_name.value,
        role: f.role.value, unit_id: f.unit.value ? Number(f.unit.value) : null });
      toast(t("saved"));
      refresh();
    }, e.submitter); },
  }, ...Object.values(f), h("button", { type: "submit" }, t("svc_add")));
}

export async function integrationsView() {
  if (!hasRole("admin")) {
    mount(h("h1", {}, t("int_title")), h("p", { class: "muted", id: "int-admins-only" }, t("int_admins_only")));
    return null;
  }
  const services = h("div", { class: "card", id: "service-accounts" });
  const hooks = h("div", { class: "card", id: "webhooks" });
  mount(h("h1", {}, t("int_title")), h("p", { class: "muted" }, t("int_intro")), services, hooks);
  const refresh = async () => {
    const [listing, units] = await Promise.all([get("/api/service-accounts"), get("/api/units")]);
    const unitName = new Map(units.units.map((u) => [u.id, u.name]));
    services.replaceChildren(...[h("h2", {}, t("svc_title")), h("p", { class: "muted" }, t("svc_explain")),
      listing.accounts.length ? null : h("p", { class: "muted" }, t("svc_none")),
      ...listing.accounts.map((a) => accountCard(a, listing.scopes, unitName, refresh)),
      h("h3", {}, t("svc_add")), accountForm(units.units, refresh)].filter(Boolean));
  };
  await attempt(async () => {
    await refresh();
    await webhooksCard(hooks);
  });
  return null;
}

