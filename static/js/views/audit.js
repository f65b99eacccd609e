// The audit log (admin): entries looked up by person, action, object and day, paged back,
// exported as CSV, and the hash chain checked from the first entry, showing where it breaks.
import { get } from "../api.js";
import { dayField } from "../dates.js";
import { formatDateTimeShort } from "../format.js";
import { extend, t } from "../i18n.js";
import { hasRole } from "../session.js";
import { attempt, h, mount, refuseField } from "../ui.js";

extend({
  vi: {
    nav_audit: "Nhật ký", audit_title: "Nhật ký hệ thống",
    audit_intro: "Mọi thao tác quan trọng (đăng nhập, phát hành, biểu quyết, ký số, xem tài liệu mật, dùng mã truy cập API...) được ghi lại và nối với nhau bằng mã băm SHA-256: sửa hay xóa một bản ghi trong cơ sở dữ liệu đều bị phát hiện.",
    audit_admins_only: "Chỉ quản trị hệ thống mở được trang này.",
    audit_check: "Kiểm tra tính toàn vẹn", audit_checking: "Đang kiểm tra…",
    audit_intact: "Nhật ký toàn vẹn: đã kiểm tra {n} bản ghi, không bản ghi nào bị sửa hay xóa.",
    audit_broken: "Nhật ký đã bị can thiệp: chuỗi mã băm gãy tại bản ghi số {id}, sau {n} bản ghi đúng.",
    audit_broken_tail: "Nhật ký đã bị can thiệp: {n} bản ghi đầu đúng nhưng các bản ghi cuối đã bị xóa.",
    audit_show_broken: "Xem bản ghi bị gãy",
    audit_actor: "Người thực hiện", audit_anyone: "(Mọi người)", audit_action: "Hành động", audit_any_action: "(Mọi hành động)",
    audit_object_type: "Loại đối tượng", audit_object_id: "Mã đối tượng", audit_since: "Từ ngày", audit_until: "Đến ngày",
    audit_filter: "Lọc", audit_clear: "Bỏ lọc", audit_csv: "Tải CSV", audit_more: "Xem các bản ghi cũ hơn",
    audit_none: "Không có bản ghi nào khớp.", audit_system: "Hệ thống",
    audit_col_id: "Số", audit_col_at: "Thời điểm", audit_col_actor: "Người thực hiện", audit_col_action: "Hành động",
    audit_col_object: "Đối tượng", audit_col_data: "Chi tiết", audit_bad_day: "Ngày phải theo dạng dd/mm/yyyy.", audit_bad_range: "“Đến ngày” phải từ “Từ ngày” trở về sau.",
    audit_any_type: "(Mọi loại)", audit_raw: "Dữ liệu gốc (JSON)",
    audit_yes: "có", audit_no: "không", audit_more_keys: "… và {n} mục khác",
  },
  en: {
    nav_audit: "Audit log", audit_title: "Audit log",
    audit_intro: "Every significant act (logging in, publishing, voting, signing, reading restricted documents, API token use...) is recorded and chained by SHA-256: editing or deleting an entry in the database is detected.",
    audit_admins_only: "Only administrators can open this page.",
    audit_check: "Check integrity", audit_checking: "Checking…",
    audit_intact: "The log is intact: {n} entries checked, none edited or removed.",
    audit_broken: "The log was tampered with: the hash chain breaks at entry {id}, after {n} good entries.",
    audit_broken_tail: "The log was tampered with: the first {n} entries hold but the last ones were removed.",
    audit_show_broken: "Show the broken entry",
    audit_actor: "Person", audit_anyone: "(Anyone)", audit_action: "Action", audit_any_action: "(Any action)",
    audit_object_type: "Object type", audit_object_id: "Object id", audit_since: "From", audit_until: "To",
    audit_filter: "Filter", audit_clear: "Clear", audit_csv: "Download CSV", audit_more: "Show older entries",
    audit_none: "No entries match.", audit_system: "System",
    audit_col_id: "No.", audit_col_at: "When", audit_col_actor: "Person", audit_col_action: "Action",
    audit_col_object: "Object", audit_col_data: "Details", audit_bad_day: "Dates are written dd/mm/yyyy.", audit_bad_range: "“To” must not be before “From”.",
    audit_any_type: "(Any type)", audit_raw: "Raw data (JSON)",
    audit_yes: "yes", audit_no: "no", audit_more_keys: "… and {n} more",
  },
});

const SHOWN_KEYS = 6; // a row stays a few lines high; the rest is in the raw JSON
const VALUE_CHARS = 60;

/** A detail's value in words: a meeting's statuses named, yes/no, lists and objects kept short. */
function detailValue(objectType, key, value) {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "boolean") return value ? t("audit_yes") : t("audit_no");
  // The status_ labels are a meeting's; other objects' steps (a consultation's) differ.
  if (objectType === "meeting" && (key === "from" || key === "to") && t(`status_${value}`) !== `status_${value}`) {
    return t(`status_${value}`);
  }
  if (Array.isArray(value) && !value.length) return "—";
  // A moment the entry records (a meeting's actual start, say) in the office's usual form.
  if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value)) return formatDateTimeShort(value) || value;
  const text = typeof value === "object" ? (Array.isArray(value) ? value.map((v) => (typeof v === "object" ? JSON.stringify(v) : String(v))).join(", ")
    : JSON.stringify(value)) : String(value);
  return text.length > VALUE_CHARS ? `${text.slice(0, VALUE_CHARS - 1)}…` : text;
}

/** The details as a short "key: value" list, with the JSON itself a click away. */
function detailsCell(objectType, data, labels) {
  const keys = Object.keys(data || {});
  if (!keys.length) return [];
  const shown = keys.slice(0, SHOWN_KEYS);
  return [h("dl", { class: "audit-details" }, shown.map((k) => [
    h("dt", { title: k }, labels[k] || k), h("dd", { title: typeof data[k] === "string" ? data[k] : null }, detailValue(objectType, k, data[k]))])),
  keys.length > SHOWN_KEYS ? h("p", { class: "muted audit-more-keys" }, t("audit_more_keys", { n: keys.length - SHOWN_KEYS })) : null,
  h("details", { class: "audit-raw" }, h("summary", {}, t("audit_raw")), h("pre", {}, JSON.stringify(data, null, 2)))];
}

function entryRow(entry, labels = {}) {
  return h("tr", { dataset: { entry: entry.id, action: entry.action, objectType: entry.object_type } },
    h("td", { "data-label": t("audit_col_id") }, String(entry.id)),
    h("td", { "data-label": t("audit_col_at") }, formatDateTimeShort(entry.at)),
    h("td", { "data-label": t("audit_col_actor") }, entry.actor ? `${entry.actor.name} (${entry.actor.username})` : t("audit_system")),
    // The label to read, the code beneath: administrators still search and filter by code.
    h("td", { "data-label": t("audit_col_action"), class: "audit-action" },
      h("span", { class: "audit-action-label" }, entry.action_label || entry.action),
      entry.action_label && entry.action_label !== entry.action ? h("code", { class: "muted" }, entry.action) : null),
    h("td", { "data-label": t("audit_col_object") }, entry.object_type
      ? [h("span", { title: entry.object_type }, entry.object_type_label || entry.object_type), entry.object_id ? ` #${entry.object_id}` : null] : ""),
    h("td", { "data-label": t("audit_col_data"), class: "audit-data" }, detailsCell(entry.object_type, entry.data, labels)));
}

/** The families of actions ("meeting." covers meeting.publish, meeting.postpone...), labelled. */
function actionOptions(families, selected) {
  return [h("option", { value: "" }, t("audit_any_action")),
    ...families.map((f) => h("optgroup", { label: f.family_name },
      h("option", { value: f.family, selected: selected === f.family }, f.family_label),
      f.actions.map((a) => h("option", { value: a.action, selected: a.action === selected, title: a.action },
        a.action_label === a.action ? a.action : `${a.action_label} (${a.action})`))))];
}

/** Every object type the server records, by name; the code is what the filter sends. */
function objectTypeOptions(types, selected) {
  return [h("option", { value: "" }, t("audit_any_type")),
    ...types.map((o) => h("option", { value: o.object_type, selected: o.object_type === selected }, o.object_type_label))];
}

export async function auditView() {
  if (!hasRole("admin")) {
    mount(h("h1", {}, t("audit_title")), h("p", { class: "muted" }, t("audit_admins_only")));
    return null;
  }
  const users = await get("/api/users").catch(() => []);
  const filter = {};
  const f = {
    actor: h("select", { id: "audit-actor" }, h("option", { value: "" }, t("audit_anyone")),
      users.map((u) => h("option", { value: u.id }, `${u.full_name} (${u.username})`))),
    action: h("select", { id: "audit-action" }, h("option", { value: "" }, t("audit_any_action"))),
    objectType: h("select", { id: "audit-object-type" }, h("option", { value: "" }, t("audit_any_type"))),
    objectId: h("input", { id: "audit-object-id", maxlength: 80, autocomplete: "off" }),
    since: dayField({ id: "audit-since" }),
    until: dayField({ id: "audit-until" }),
  };
  const error = h("p", { class: "error", role: "alert", hidden: true });
  const rows = h("tbody");
  const none = h("p", { class: "muted", id: "audit-none", hidden: true }, t("audit_none"));
  const more = h("button", { type: "button", class: "ghost", id: "audit-more", hidden: true }, t("audit_more"));
  const csv = h("a", { class: "button ghost", id: "audit-csv", href: "/api/audit.csv", download: "" }, t("audit_csv"));
  const verdict = h("div", { id: "audit-verdict", hidden: true });
  const check = h("button", { type: "button", id: "audit-check" }, t("audit_check"));
  let nextBefore = null;
  const labels = {}; // the details' key labels, gathered page by page

  const query = (extra = {}) => new URLSearchParams(Object.entries({ ...filter, ...extra })
    .filter(([, v]) => v !== "" && v !== null && v !== undefined)).toString();
  const load = async (append) => {
    const page = await get(`/api/audit?${query(append ? { before_id: nextBefore } : {})}`);
    Object.assign(labels, page.data_labels);
    if (!append) {
      const chosen = f.action.value;
      f.action.replaceChildren(...actionOptions(page.families, chosen));
      const type = f.objectType.value;
      f.objectType.replaceChildren(...objectTypeOptions(page.object_types, type));
      rows.replaceChildren();
    }
    rows.append(...page.entries.map((e) => entryRow(e, labels)));
    nextBefore = page.next_before_id;
    more.hidden = nextBefore === null;
    none.hidden = rows.children.length > 0;
    csv.href = `/api/audit.csv?${query()}`;
  };
  const apply = () => {
    error.hidden = true;
    const since = f.since.value.trim() ? f.since.read() : "";
    const until = f.until.value.trim() ? f.until.read() : "";
    const refuse = (message, field) => refuseField(error, message, field);
    f.since.removeAttribute("aria-invalid");
    f.until.removeAttribute("aria-invalid");
    if (since === null) return refuse(t("audit_bad_day"), f.since);
    if (until === null) return refuse(t("audit_bad_day"), f.until);
    if (since && until && until < since) return refuse(t("audit_bad_range"), f.until);
    Object.assign(filter, { actor_id: f.actor.value, action: f.action.value, object_type: f.objectType.value,
      object_id: f.objectId.value.trim(), since, until, before_id: "" });
    return load(false);
  };
  const form = h("form", { id: "audit-filter", class: "audit-filter", novalidate: true },
    h("label", {}, t("audit_actor"), f.actor), h("label", {}, t("audit_action"), f.action),
    h("label", {}, t("audit_object_type"), f.objectType), h("label", {}, t("audit_object_id"), f.objectId),
    h("label", {}, t("audit_since"), f.since), h("label", {}, t("audit_until"), f.until),
    h("div", { class: "row audit-buttons" }, h("button", { type: "submit" }, t("audit_filter")),
      h("button", { type: "button", class: "ghost", id: "audit-clear", onclick: () => {
        form.reset();
        Object.keys(filter).forEach((k) => delete filter[k]);
        attempt(() => load(false));
      } }, t("audit_clear")), csv),
    error);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    attempt(async () => {
      try {
        await apply();
      } catch (err) { // said beside the filters, not only in a passing toast
        error.textContent = err.message || String(err);
        error.hidden = false;
      }
    }, e.submitter);
  });
  more.addEventListener("click", () => attempt(() => load(true), more));
  check.addEventListener("click", () => attempt(async () => {
    check.textContent = t("audit_checking");
    try {
      const result = await get("/api/audit/check");
      verdict.hidden = false;
      verdict.className = result.intact ? "notice good" : "notice bad";
      verdict.dataset.intact = String(result.intact);
      const parts = [h("strong", {}, result.intact ? t("audit_intact", { n: result.checked })
        : result.broken_at > 0 ? t("audit_broken", { id: result.broken_at, n: result.checked })
          : t("audit_broken_tail", { n: result.checked }))];
      if (result.entry) {
        const show = h("button", { type: "button", class: "small ghost", id: "audit-show-broken" }, t("audit_show_broken"));
        show.addEventListener("click", () => attempt(async () => {
          form.reset();
          Object.keys(filter).forEach((k) => delete filter[k]);
          filter.before_id = result.broken_at + 1;
          await load(false);
          const row = rows.querySelector(`[data-entry="${result.broken_at}"]`);
          row?.classList.add("audit-broken");
          row?.scrollIntoView({ block: "center" });
        }, show));
        parts.push(h("table", { class: "audit-table audit-one" }, h("tbody", {}, entryRow(result.entry, labels))), show);
      }
      verdict.replaceChildren(...parts);
    } finally {
      check.textContent = t("audit_check");
    }
  }, check));

  mount(h("h1", {}, t("audit_title")), h("p", { class: "muted" }, t("audit_intro")),
    h("div", { class: "card" }, h("div", { class: "row" }, check), verdict),
    h("div", { class: "card" }, form),
    h("div", { class: "card" }, h("div", { class: "table-scroll" }, h("table", { class: "audit-table", id: "audit-table" },
      h("thead", {}, h("tr", {}, ["audit_col_id", "audit_col_at", "audit_col_actor", "audit_col_action", "audit_col_object",
        "audit_col_data"].map((k) => h("th", {}, t(k))))), rows)), none, more));
  await attempt(() => load(false));
  return null;
}
