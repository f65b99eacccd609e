// Administration: the unit tree and the accounts.
import { get, post, put } from "../api.js";
import { t } from "../i18n.js";
import { attempt, h, mount, toast } from "../ui.js";

const ROLES = ["admin", "secretary", "chair", "delegate", "remote_room", "observer"];
const KINDS = ["province", "district", "commune", "department"];

function unitTree(nodes) {
  return h("ul", {}, nodes.map((n) => h("li", {},
    h("strong", {}, n.name), " ", h("span", { class: "muted" }, `${t(`kind_${n.kind}`)}${n.code ? " · " + n.code : ""}`),
    n.children.length ? unitTree(n.children) : null)));
}

export async function adminView() {
  const body = h("div");
  mount(h("h1", {}, t("admin")), body);
  const refresh = async () => {
    const [units, users] = await Promise.all([get("/api/units"), get("/api/users")]);
    const unitName = new Map(units.units.map((u) => [u.id, u.name]));
    const unitOptions = (selected) => units.units.map((u) => h("option", { value: u.id, selected: u.id === selected }, u.name));

    const uName = h("input", { name: "unit_name", required: true });
    const uKind = h("select", { name: "unit_kind" }, KINDS.map((k) => h("option", { value: k }, t(`kind_${k}`))));
    const uParent = h("select", { name: "unit_parent" }, h("option", { value: "" }, t("none")), unitOptions(null));
    const unitForm = h("form", {
      class: "row", onsubmit: (e) => { e.preventDefault(); attempt(async () => {
        await post("/api/units", { name: uName.value, kind: uKind.value, parent_id: uParent.value ? Number(uParent.value) : null });
        toast(t("saved")); refresh();
      }); },
    }, uName, uKind, uParent, h("button", { type: "submit" }, t("add_unit")));

    const f = {
      username: h("input", { name: "new_username", required: true, placeholder: t("username") }),
      full_name: h("input", { name: "new_full_name", required: true, placeholder: t("full_name") }),
      title: h("input", { name: "new_title", placeholder: t("position") }),
      password: h("input", { name: "new_password", type: "password", required: true, placeholder: t("password") }),
      role: h("select", { name: "new_role" }, ROLES.map((r) => h("option", { value: r }, t(`role_${r}`)))),
      unit: h("select", { name: "new_unit" }, unitOptions(null)),
    };
    const userForm = h("form", {
      class: "grid", onsubmit: (e) => { e.preventDefault(); attempt(async () => {
        await post("/api/users", { username: f.username.value, full_name: f.full_name.value, title: f.title.value,
          password: f.password.value, role: f.role.value, unit_id: Number(f.unit.value) });
        toast(t("saved")); refresh();
      }); },
    }, ...Object.values(f), h("button", { type: "submit" }, t("add_user")));

    const rows = users.map((u) => {
      const toggle = h("button", { class: "small ghost", type: "button" }, u.active && !u.locked ? t("deactivate") : t("activate"));
      toggle.addEventListener("click", () => attempt(async () => {
        await put(`/api/users/${u.id}`, { active: !(u.active && !u.locked) }); refresh();
      }, toggle));
      const reset = h("button", { class: "small ghost", type: "button" }, t("reset_password"));
      reset.addEventListener("click", () => attempt(async () => {
        const password = window.prompt(t("new_password"));
        if (password) { await put(`/api/users/${u.id}`, { password }); toast(t("saved")); }
      }, reset));
      return h("tr", { dataset: { username: u.username } },
        h("td", {}, u.username), h("td", {}, u.full_name, h("div", { class: "muted" }, u.title)),
        h("td", {}, t(`role_${u.role}`)), h("td", {}, unitName.get(u.unit_id) || ""),
        h("td", {}, u.locked ? h("span", { class: "badge urgent" }, t("locked")) : u.active ? t("active") : "—"),
        h("td", {}, h("div", { class: "row" }, toggle, reset)));
    });
    body.replaceChildren(
      h("div", { class: "card" }, h("h2", {}, t("units")), h("div", { class: "tree" }, unitTree(units.tree)), unitForm),
      h("div", { class: "card" }, h("h2", {}, t("users")), userForm,
        h("div", { style: "overflow-x:auto" }, h("table", {},
          h("tr", {}, [t("username"), t("full_name"), t("role"), t("unit"), "", ""].map((x) => h("th", {}, x))), rows))),
    );
  };
  await attempt(refresh);
  return null;
}
