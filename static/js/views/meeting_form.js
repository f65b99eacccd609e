// Create or edit a meeting: the invitation's chair, attendees, content, time and place.
import { get, post, put } from "../api.js";
import { t } from "../i18n.js";
import { navigate } from "../router.js";
import { h, mount, toast } from "../ui.js";

function localInput(iso) {
  // <input type=datetime-local> wants local wall time; meetings are held in Vietnam (UTC+7).
  if (!iso) return "";
  const d = new Date(new Date(iso).getTime() + 7 * 3600 * 1000);
  return d.toISOString().slice(0, 16);
}

function toIso(local) {
  return local ? `${local}:00+07:00` : null;
}

export async function meetingFormView(params) {
  const editing = params.id ? Number(params.id) : null;
  const [units, users, snapshot] = await Promise.all([
    get("/api/units"), get("/api/users"), editing ? get(`/api/meetings/${editing}`) : null,
  ]);
  const m = snapshot ? snapshot.meeting : null;
  const chosen = new Map((m ? m.participants : []).map((p) => [p.user_id, p.role]));
  const invited = new Map((m ? m.invited_units : []).map((u) => [u.unit_id, u.remote]));
  const field = (name, attrs = {}) => h("input", { name, id: `f-${name}`, ...attrs });
  const title = field("title", { required: true, value: m ? m.title : "" });
  const place = field("place", { value: m ? m.place : "" });
  const starts = field("starts_at", { type: "datetime-local", required: true, value: m ? localInput(m.starts_at) : "" });
  const ends = field("ends_at", { type: "datetime-local", value: m ? localInput(m.ends_at) : "" });
  const urgent = h("input", { type: "checkbox", name: "urgent", id: "f-urgent", checked: m ? m.urgent : false });
  const description = h("textarea", { name: "description", id: "f-description" }, m ? m.description : "");
  const unit = h("select", { name: "unit_id", id: "f-unit" },
    units.units.map((u) => h("option", { value: u.id, selected: m ? m.unit.id === u.id : false }, u.name)));
  const chairs = users.filter((u) => u.role === "chair" && u.active);
  const chair = h("select", { name: "chair_id", id: "f-chair" },
    chairs.map((u) => h("option", { value: u.id, selected: m ? m.chair.id === u.id : false }, `${u.full_name} — ${u.title}`)));
  const people = users.filter((u) => ["delegate", "chair", "secretary", "observer"].includes(u.role) && u.active)
    .map((u) => h("label", { class: "inline" },
      h("input", { type: "checkbox", name: "participant", value: u.id, checked: chosen.has(u.id),
                   dataset: { role: u.role === "observer" ? "observer" : u.role === "secretary" ? "secretary" : "delegate" } }),
      `${u.full_name}`, h("span", { class: "muted" }, u.title ? ` — ${u.title}` : "")));
  const unitBoxes = units.units.filter((u) => u.parent_id !== null).map((u) => h("label", { class: "inline" },
    h("input", { type: "checkbox", name: "invited_unit", value: u.id, checked: invited.has(u.id) }), u.name));
  const error = h("p", { class: "error", role: "alert", id: "form-error" });
  const submit = h("button", { type: "submit" }, editing ? t("save") : t("create"));

  const form = h("form", {
    class: "card",
    onsubmit: async (event) => {
      event.preventDefault();
      error.textContent = "";
      const body = {
        title: title.value, place: place.value, description: description.value,
        starts_at: toIso(starts.value), ends_at: toIso(ends.value), urgent: urgent.checked,
        unit_id: Number(unit.value), chair_id: Number(chair.value),
        participants: [...form.querySelectorAll("input[name=participant]:checked")]
          .map((box) => ({ user_id: Number(box.value), role: box.dataset.role })),
        invited_units: [...form.querySelectorAll("input[name=invited_unit]:checked")]
          .map((box) => ({ unit_id: Number(box.value), remote: true })),
      };
      submit.disabled = true;
      try {
        const result = editing ? await put(`/api/meetings/${editing}`, body) : await post("/api/meetings", body);
        toast(editing ? t("saved") : t("created"));
        navigate(`/meetings/${result.meeting.id}`);
      } catch (err) {
        error.textContent = err.message;
      } finally {
        submit.disabled = false;
      }
    },
  },
    h("label", { for: "f-title" }, t("title")), title,
    h("div", { class: "grid" },
      h("div", {}, h("label", { for: "f-starts_at" }, t("starts_at")), starts),
      h("div", {}, h("label", { for: "f-ends_at" }, t("ends_at")), ends)),
    h("label", { class: "inline" }, urgent, t("urgent_hint")),
    h("label", { for: "f-place" }, t("place")), place,
    h("div", { class: "grid" },
      h("div", {}, h("label", { for: "f-unit" }, t("unit")), unit),
      h("div", {}, h("label", { for: "f-chair" }, t("chair")), chair)),
    h("label", { for: "f-description" }, t("description")), description,
    h("label", {}, t("participants")), h("div", { class: "people" }, people),
    h("label", {}, t("invited_units")), h("div", { class: "people" }, unitBoxes),
    error,
    h("div", { class: "row" }, submit,
      h("a", { class: "button ghost", href: editing ? `/meetings/${editing}` : "/", "data-link": true }, t("cancel"))),
  );
  mount(h("h1", {}, editing ? t("edit") : t("nav_new_meeting")), form);
  return null;
}
