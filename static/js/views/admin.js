// Administration: the unit tree and the accounts, each editable in place.
import { del, get, post, put } from "../api.js";
import { extend, t } from "../i18n.js";
import { attempt, confirmDialog, h, mount, toast } from "../ui.js";
import { importCard } from "./account_import.js";

extend({
  vi: {
    delete_unit: "Xóa", confirm_delete_unit: "Xóa đơn vị “{name}”?", account_edit: "Sửa tài khoản",
    password_keep: "Mật khẩu mới (để trống nếu giữ nguyên)", email_address: "Email",
  },
  en: {
    delete_unit: "Delete", confirm_delete_unit: "Delete the unit “{name}”?", account_edit: "Edit account",
    password_keep: "New password (leave empty to keep)", email_address: "Email",
  },
});

const ROLES = ["admin", "secretary", "chair", "delegate", "remote_room", "observer"];
const KINDS = ["province", "district", "commune", "department"];

const options = (values, label, selected) =>
  values.map((v) => h("option", { value: v, selected: v === selected }, label(v)));

/** The fields of a unit, for adding one or editing it. */
function unitFields(units, unit = null) {
  const below = new Set();
  if (unit) {
    // A unit cannot move under itself or its own sub-units.
    const children = (id) => units.filter((u) => u.parent_id === id);
    const walk = (id) => { below.add(id); children(id).forEach((c) => walk(c.id)); };
    walk(unit.id);
  }
  return {
    name: h("input", { name: "unit_name", required: true, value: unit ? unit.name : "", placeholder: t("units") }),
    code: h("input", { name: "unit_code", value: unit?.code || "", placeholder: t("code"), size: 10 }),
    kind: h("select", { name: "unit_kind" }, options(KINDS, (k) => t(`kind_${k}`), unit ? unit.kind : "district")),
    parent: h("select", { name: "unit_parent" }, h("option", { value: "" }, t("none")),
      units.filter((u) => !below.has(u.id)).map((u) => h("option", { value: u.id, selected: unit && u.id === unit.parent_id }, u.name))),
  };
}

const unitBody = (f) => ({
  name: f.name.value, code: f.code.value, kind: f.kind.value,
  parent_id: f.parent.value ? Number(f.parent.value) : null,
});

function unitTree(nodes, units, refresh) {
  return h("ul", {}, nodes.map((n) => {
    const line = h("div", { class: "row unit-line", dataset: { unit: n.id } },
      h("strong", {}, n.name), h("span", { class: "muted" }, `${t(`kind_${n.kind}`)}${n.code ? " · " + n.code : ""}`));
    const edit = h("button", { class: "small ghost", type: "button", dataset: { action: "edit-unit" } }, t("edit"));
    const remove = h("button", { class: "small ghost", type: "button", dataset: { action: "delete-unit" } }, t("delete_unit"));
    edit.addEventListener("click", () => {
      const f = unitFields(units, units.find((u) => u.id === n.id));
      const form = h("form", {
        class: "row", onsubmit: (e) => { e.preventDefault(); attempt(async () => {
          await put(`/api/units/${n.id}`, unitBody(f)); toast(t("saved")); refresh();
        }); },
      }, f.name, f.code, f.kind, f.parent, h("button", { type: "submit" }, t("save")),
      h("button", { class: "ghost", type: "button", onclick: () => refresh() }, t("cancel")));
      line.replaceWith(form);
    });
    remove.addEventListener("click", () => attempt(async () => {
      if (!await confirmDialog({ id: "delete-unit-dialog", title: t("confirm_delete_unit", { name: n.name }),
        confirmLabel: t("delete_unit"), danger: true })) return;
      await del(`/api/units/${n.id}`); toast(t("saved")); refresh();
    }, remove));
    line.append(edit, remove);
    return h("li", {}, line, n.children.length ? unitTree(n.children, units, refresh) : null);
  }));
}

/** The edit form of one account, in place of its table row. */
function accountEditor(user, units, refresh) {
  const f = {
    full_name: h("input", { name: "edit_full_name", required: true, value: user.full_name }),
    title: h("input", { name: "edit_title", value: user.title || "", placeholder: t("position") }),
    role: h("select", { name: "edit_role" }, options(ROLES, (r) => t(`role_${r}`), user.role)),
    unit: h("select", { name: "edit_unit" }, units.map((u) => h("option", { value: u.id, selected: u.id === user.unit_id }, u.name))),
    email: h("input", { name: "edit_email", type: "email", value: user.email || "", placeholder: t("email_address") }),
    password: h("input", { name: "edit_password", type: "password", autocomplete: "new-password", placeholder: t("password_keep") }),
  };
  const form = h("form", {
    class: "grid account-edit", onsubmit: (e) => { e.preventDefault(); attempt(async () => {
      const body = { full_name: f.full_name.value, title: f.title.value, role: f.role.value, unit_id: Number(f.unit.value),
        email: f.email.value.trim() };
      if (f.password.value) body.password = f.password.value;
      await put(`/api/users/${user.id}`, body); toast(t("saved")); refresh();
    }); },
  }, ...Object.values(f), h("div", { class: "row" }, h("button", { type: "submit" }, t("save")),
    h("button", { class: "ghost", type: "button", onclick: () => refresh() }, t("cancel"))));
  return h("tr", { dataset: { username: user.username } }, h("td", {}, user.username), h("td", { colspan: 5 }, form));
}

export async function adminView() {
  const body = h("div");
  mount(h("h1", {}, t("admin")), body);
  // Made once: an import's result (the passwords shown once) outlives the redraw it causes.
  const imports = importCard(() => refresh());
  const refresh = async () => {
    const [units, users] = await Promise.all([get("/api/units"), get("/api/users")]);
    const unitName = new Map(units.units.map((u) => [u.id, u.name]));

    const nu = unitFields(units.units);
    const unitForm = h("form", {
      class: "row", id: "unit-form", onsubmit: (e) => { e.preventDefault(); attempt(async () => {
        await post("/api/units", unitBody(nu)); toast(t("saved")); refresh();
      }); },
    }, nu.name, nu.code, nu.kind, nu.parent, h("button", { type: "submit" }, t("add_unit")));

    const f = {
      username: h("input", { name: "new_username", required: true, placeholder: t("username") }),
      full_name: h("input", { name: "new_full_name", required: true, placeholder: t("full_name") }),
      title: h("input", { name: "new_title", placeholder: t("position") }),
      email: h("input", { name: "new_email", type: "email", placeholder: t("email_address") }),
      password: h("input", { name: "new_password", type: "password", required: true, placeholder: t("password") }),
      role: h("select", { name: "new_role" }, options(ROLES, (r) => t(`role_${r}`), "delegate")),
      unit: h("select", { name: "new_unit" }, units.units.map((u) => h("option", { value: u.id }, u.name))),
    };
    const userForm = h("form", {
      class: "grid", onsubmit: (e) => { e.preventDefault(); attempt(async () => {
        await post("/api/users", { username: f.username.value, full_name: f.full_name.value, title: f.title.value,
          password: f.password.value, role: f.role.value, unit_id: Number(f.unit.value), email: f.email.value.trim() });
        toast(t("saved")); refresh();
      }); },
    }, ...Object.values(f), h("button", { type: "submit" }, t("add_user")));

    const rows = users.map((u) => {
      const toggle = h("button", { class: "small ghost", type: "button", dataset: { action: "toggle" } },
        u.active ? t("deactivate") : t("activate"));
      toggle.addEventListener("click", () => attempt(async () => {
        await put(`/api/users/${u.id}`, { active: !u.active }); refresh();
      }, toggle));
      const edit = h("button", { class: "small ghost", type: "button", dataset: { action: "edit" } }, t("edit"));
      const row = h("tr", { dataset: { username: u.username } },
        h("td", {}, u.username), h("td", {}, u.full_name, h("div", { class: "muted" }, [u.title, u.email].filter(Boolean).join(" · "))),
        h("td", {}, t(`role_${u.role}`)), h("td", {}, unitName.get(u.unit_id) || ""),
        h("td", {}, u.active ? t("active") : "—"),
        h("td", {}, h("div", { class: "row" }, edit, toggle)));
      edit.addEventListener("click", () => row.replaceWith(accountEditor(u, units.units, refresh)));
      return row;
    });
    body.replaceChildren(
      h("div", { class: "card" }, h("h2", {}, t("units")),
        h("div", { class: "tree", id: "unit-tree" }, unitTree(units.tree, units.units, refresh)), unitForm),
      imports,
      h("div", { class: "card" }, h("h2", {}, t("users")), userForm,
        h("div", { style: "overflow-x:auto" }, h("table", { id: "account-table" },
          h("tr", {}, [t("username"), t("full_name"), t("role"), t("unit"), "", ""].map((x) => h("th", {}, x))), rows))),
    );
  };
  await attempt(refresh);
  return null;
}
