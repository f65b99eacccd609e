// Prepare or change a written consultation (the office's secretary): the matter, its
// questions and their answers, who is asked, the time to reply and the rule. Saved as a
// draft, or saved and submitted to the chair at once.
import { get, post, put } from "../api.js";
import { t } from "../i18n.js";
import { navigate } from "../router.js";
import { hasRole, session } from "../session.js";
import { h, mount, toast } from "../ui.js";
import { inTreeOrder, unitGroups } from "../units.js";
import "./consultations_i18n.js";
import "./meetings_i18n.js"; // "Khác": people of no known unit, as in the meeting form

// The server's defaults, in Vietnamese whatever the UI's language: the ballot is an
// official paper of a Vietnamese committee. The first answer agrees.
const DEFAULT_OPTIONS = ["Đồng ý", "Không đồng ý", "Ý kiến khác"];
const MAX_QUESTIONS = 20;
const MAX_OPTIONS = 10;
// Who answers for a person (a remote room or the hall screen is never asked); a unit
// asked as a whole is its chairs and delegates.
const ANSWERING = ["chair", "delegate", "secretary"];
const UNIT_MEMBERS = ["chair", "delegate"];

function forbidden(editing, message) {
  mount(h("h1", {}, editing ? t("cs_edit") : t("cs_new")),
    h("div", { class: "card", id: "form-forbidden", role: "alert" },
      h("p", {}, h("strong", {}, message || t("cs_forbidden"))),
      message ? null : h("p", { class: "muted" }, t("cs_forbidden_hint")),
      h("a", { class: "button ghost", href: editing ? `/consultations/${editing}` : "/consultations", "data-link": true },
        editing ? t("back") : t("cs_back_to_list"))));
  return null;
}

/** One answer's line: its text and a button that removes it. */
function optionRow(value, list) {
  const input = h("input", { class: "cs-option-input", value, maxlength: 200 });
  const remove = h("button", { type: "button", class: "ghost icon cs-remove-option" }, "×");
  remove.addEventListener("click", () => {
    if (list.children.length <= 2) return;
    remove.closest(".cs-option-row").remove();
    list.renumber();
  });
  return h("li", { class: "cs-option-row" }, input, remove);
}

/** A question being written: its text and its answers (at least two, at most ten). */
function questionEditor(question, questions) {
  const list = h("ol", { class: "cs-option-list" });
  list.renumber = () => {
    const rows = [...list.children];
    rows.forEach((row, i) => {
      row.querySelector("input").setAttribute("aria-label", t("cs_f_option_n", { n: i + 1 }));
      const remove = row.querySelector(".cs-remove-option");
      remove.setAttribute("aria-label", t("cs_f_remove_option", { n: i + 1 }));
      remove.disabled = rows.length <= 2;
    });
    add.disabled = rows.length >= MAX_OPTIONS;
  };
  const add = h("button", { type: "button", class: "ghost cs-add-option" }, t("cs_f_add_option"));
  add.addEventListener("click", () => {
    list.append(optionRow("", list));
    list.renumber();
    list.lastElementChild.querySelector("input").focus();
  });
  (question.options || DEFAULT_OPTIONS).forEach((o) => list.append(optionRow(o, list)));
  list.renumber();
  const text = h("textarea", { class: "cs-question-text", rows: 2, maxlength: 1000 }, question.text || "");
  const remove = h("button", { type: "button", class: "ghost danger cs-remove-question" }, t("cs_f_remove_question"));
  const box = h("fieldset", { class: "cs-question-edit" },
    h("legend", {}, ""),
    h("label", {}, t("cs_f_question_text"), text),
    h("div", { class: "cs-options-head" }, h("span", { class: "cs-label" }, t("cs_f_options"))),
    list, add,
    h("div", { class: "row cs-question-foot" }, h("span", { class: "spacer" }), remove));
  remove.addEventListener("click", () => {
    if (questions.children.length <= 1) return;
    box.remove();
    questions.renumber();
  });
  box.read = () => ({
    text: text.value.trim(),
    options: [...list.querySelectorAll(".cs-option-input")].map((i) => i.value.trim()).filter(Boolean),
  });
  box.focusText = () => text.focus();
  return box;
}

/** People by unit, the units in tree order; each person a checkbox. */
function peoplePicker(people, units, chosen) {
  const order = new Map(inTreeOrder(units).map((u, i) => [u.id, i]));
  const unitName = new Map(units.map((u) => [u.id, u.name]));
  const groups = new Map();
  for (const person of people) {
    const key = unitName.has(person.unit_id) ? person.unit_id : 0;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(person);
  }
  const keys = [...groups.keys()].sort((a, b) => (order.get(a) ?? 1e9) - (order.get(b) ?? 1e9));
  return h("div", { class: "people-groups cs-people", id: "cs-people" }, keys.map((key) => h("fieldset", { class: "people-group" },
    h("legend", {}, h("span", { class: "cs-group-name" }, key ? unitName.get(key) : t("other_people"))),
    h("div", { class: "people" }, groups.get(key).map((u) => h("label", { class: "inline person" },
      h("input", { type: "checkbox", name: "cs-member", value: u.id, checked: chosen.has(u.id) }),
      h("span", {}, h("span", { class: "name" }, u.full_name), u.title ? h("small", { class: "muted" }, u.title) : null)))))));
}

export async function consultationFormView(params) {
  const editing = params.id ? Number(params.id) : null;
  // Only the office's secretaries prepare consultations; others are told so.
  if (!hasRole("secretary")) return forbidden(editing);
  const [unitData, users, c] = await Promise.all([
    get("/api/units"), get("/api/users"), editing ? get(`/api/consultations/${editing}`) : null,
  ]);
  if (c && !(c.actions || []).includes("edit")) return forbidden(editing, t("cs_not_editable"));
  const units = unitData.units || [];
  const me = session.user;
  // The units a secretary consults for: their own and every unit below it.
  const below = new Set([me.unit_id]);
  for (const unit of inTreeOrder(units)) if (below.has(unit.parent_id)) below.add(unit.id);
  const mine = units.filter((u) => below.has(u.id));
  const active = users.filter((u) => u.active);
  const people = active.filter((u) => ANSWERING.includes(u.role));
  const chairs = active.filter((u) => u.role === "chair");
  const unitMembers = (unitIds) => people.filter((u) => unitIds.has(u.unit_id) && UNIT_MEMBERS.includes(u.role)).map((u) => u.id);

  const field = (name, attrs = {}) => h("input", { name, id: `cs-f-${name}`, ...attrs });
  const title = field("title", { required: true, maxlength: 300, value: c ? c.title : "" });
  const matter = h("textarea", { id: "cs-f-matter", rows: 6, maxlength: 20000, "aria-describedby": "cs-matter-hint" }, c ? c.matter : "");
  const unit = h("select", { id: "cs-f-unit" }, unitGroups(mine).map((group) => h("optgroup", { label: group.label },
    group.units.map((u) => h("option", { value: u.id, selected: u.id === (c ? c.unit_id : me.unit_id) }, u.name)))));
  const chair = h("select", { id: "cs-f-chair" }, chairs.map((u) => h("option", { value: u.id, selected: c ? c.chair_id === u.id : false },
    u.title ? `${u.full_name} — ${u.title}` : u.full_name)));

  const questions = h("div", { class: "cs-questions", id: "cs-questions" });
  questions.renumber = () => {
    const boxes = [...questions.children];
    boxes.forEach((box, i) => {
      box.querySelector("legend").textContent = t("cs_f_question_n", { n: i + 1 });
      box.querySelector(".cs-remove-question").disabled = boxes.length <= 1;
    });
    addQuestion.disabled = boxes.length >= MAX_QUESTIONS;
  };
  const addQuestion = h("button", { type: "button", class: "ghost", id: "cs-add-question" }, t("cs_f_add_question"));
  addQuestion.addEventListener("click", () => {
    const box = questionEditor({}, questions);
    questions.append(box);
    questions.renumber();
    box.focusText();
  });
  (c ? c.questions : [{}]).forEach((q) => questions.append(questionEditor(q, questions)));
  questions.renumber();

  // Who is asked: the unit's chairs and delegates (the server's default), or people and
  // units picked. The detail lists the members asked, not how they were chosen: a draft
  // asking exactly its unit's members opens on the default, any other on the people.
  const asked = new Set(c && c.members ? c.members.map((m) => m.user_id) : []);
  const sameAsUnit = (unitId) => {
    const own = new Set(unitMembers(new Set([unitId])));
    return own.size === asked.size && [...own].every((id) => asked.has(id));
  };
  const picking = Boolean(c) && !sameAsUnit(c.unit_id);
  const whoUnit = h("input", { type: "radio", name: "cs-who", id: "cs-who-unit", value: "unit", checked: !picking });
  const whoPick = h("input", { type: "radio", name: "cs-who", id: "cs-who-pick", value: "pick", checked: picking });
  const preview = h("p", { class: "field-hint", id: "cs-who-preview", "aria-live": "polite" });
  const picker = h("div", { class: "cs-picker", id: "cs-picker" },
    h("span", { class: "cs-label" }, t("cs_f_people")), peoplePicker(people, units, picking ? asked : new Set()),
    h("fieldset", { class: "cs-unit-boxes" }, h("legend", {}, t("cs_f_units")),
      unitGroups(units).map((group) => h("div", { class: "cs-unit-group" },
        h("div", { class: "muted unit-group-label" }, group.label),
        group.units.map((u) => h("label", { class: "inline" },
          h("input", { type: "checkbox", name: "cs-unit", value: u.id }), u.name))))));
  const checked = (name) => [...form.querySelectorAll(`input[name=${name}]:checked`)].map((box) => Number(box.value));
  const whoIsAsked = () => {
    if (whoUnit.checked) return new Set(unitMembers(new Set([Number(unit.value)])));
    return new Set([...checked("cs-member"), ...unitMembers(new Set(checked("cs-unit")))]);
  };
  const showWho = () => {
    picker.hidden = !whoPick.checked;
    const ids = whoIsAsked();
    const names = people.filter((u) => ids.has(u.id)).map((u) => u.full_name);
    preview.textContent = ids.size ? `${t("cs_f_asked_n", { n: ids.size })}: ${names.join(", ")}` : t("cs_f_asked_none");
    preview.classList.toggle("bad", !ids.size);
  };

  const days = h("input", { type: "number", id: "cs-f-days", min: 1, max: 30, step: 1, inputmode: "numeric",
                             value: c ? c.working_days : 5, "aria-describedby": "cs-days-hint" });
  const daysHint = h("span", { class: "field-hint", id: "cs-days-hint" });
  const showDays = () => { daysHint.textContent = t("cs_f_days_hint", { n: days.value || 5 }); };
  days.addEventListener("input", showDays);
  // Two choices written out in full: a <select> would cut them short on a phone.
  const rules = ["half", "two_thirds"].map((r) => h("input", { type: "radio", name: "cs-rule", id: `cs-f-rule-${r}`, value: r,
                                                               checked: c ? c.rule === r : r === "half" }));
  const toggle = (id, on, label) => {
    const box = h("input", { type: "checkbox", id, checked: on });
    return [box, h("label", { class: "inline cs-toggle" }, box, label)];
  };
  const [changeable, changeableRow] = toggle("cs-f-changeable", c ? c.changeable : true, t("cs_f_changeable"));
  const [openReplies, openRow] = toggle("cs-f-open-replies", c ? c.open_replies : false, t("cs_f_open_replies"));
  const [closeWhenAll, closeRow] = toggle("cs-f-close-when-all", c ? c.close_when_all : false, t("cs_f_close_when_all"));
  const [signedReplies, signedRow] = toggle("cs-f-signed", c ? Boolean(c.signed_replies) : false, t("cs_f_signed"));
  signedReplies.setAttribute("aria-describedby", "cs-signed-hint");

  /** The body to send, or what is wrong and where. */
  const collect = () => {
    if (!title.value.trim()) return { problem: t("cs_f_title_required"), at: title };
    const boxes = [...questions.children];
    const given = boxes.map((box) => box.read());
    for (const [i, q] of given.entries()) {
      if (!q.text) return { problem: t("cs_f_question_required", { n: i + 1 }), at: boxes[i].querySelector("textarea") };
      if (q.options.length < 2 || new Set(q.options).size !== q.options.length) {
        return { problem: t("cs_f_options_invalid", { n: i + 1 }), at: boxes[i].querySelector(".cs-option-input") };
      }
    }
    if (!whoIsAsked().size) return { problem: t("cs_f_who_required"), at: whoPick.checked ? whoPick : unit };
    const body = {
      title: title.value.trim(), matter: matter.value, unit_id: Number(unit.value), chair_id: Number(chair.value),
      questions: given, working_days: Number(days.value) || 5, rule: rules.find((r) => r.checked).value,
      changeable: changeable.checked, open_replies: openReplies.checked, close_when_all: closeWhenAll.checked,
      signed_replies: signedReplies.checked,
    };
    // Neither people nor units: the server asks the unit's chairs and delegates.
    if (whoPick.checked) Object.assign(body, { member_ids: checked("cs-member"), unit_ids: checked("cs-unit") });
    return { body };
  };

  const error = h("p", { class: "error", role: "alert", id: "form-error" });
  const save = h("button", { type: "submit", class: "ghost", id: "cs-save", value: "save" }, t("cs_f_save"));
  const saveSubmit = h("button", { type: "submit", id: "cs-save-submit", value: "submit" }, t("cs_f_save_submit"));
  const form = h("form", { class: "card cs-form", novalidate: true },
    c && c.return_comment ? h("div", { class: "notice cs-returned", id: "cs-return-comment", role: "note" },
      h("strong", {}, t("cs_returned_with")), " ", h("em", {}, c.return_comment)) : null,
    h("label", { for: "cs-f-title" }, t("cs_f_title")), title,
    h("label", { for: "cs-f-matter" }, t("cs_f_matter")), matter,
    h("span", { class: "field-hint", id: "cs-matter-hint" }, t("cs_f_matter_hint")),
    h("div", { class: "grid cs-grid" },
      h("div", {}, h("label", { for: "cs-f-unit" }, t("cs_f_unit")), unit),
      h("div", {}, h("label", { for: "cs-f-chair" }, t("cs_f_chair")), chair)),
    h("h2", {}, t("cs_f_questions")),
    h("p", { class: "muted field-hint" }, t("cs_f_options_hint")),
    questions, addQuestion,
    h("h2", {}, t("cs_f_who")),
    h("div", { class: "cs-who", role: "radiogroup", "aria-label": t("cs_f_who") },
      h("label", { class: "inline cs-toggle" }, whoUnit, t("cs_f_who_unit")),
      h("label", { class: "inline cs-toggle" }, whoPick, t("cs_f_who_pick"))),
    preview, picker,
    h("div", { class: "grid cs-grid" },
      h("div", {}, h("label", { for: "cs-f-days" }, t("cs_f_days")), days, daysHint),
      h("div", { role: "radiogroup", "aria-labelledby": "cs-rule-label" },
        h("span", { class: "cs-label", id: "cs-rule-label" }, t("cs_f_rule")),
        rules.map((box) => h("label", { class: "inline cs-toggle" }, box, t(`cs_rule_${box.value}`))))),
    h("div", { class: "cs-toggles" }, changeableRow, openRow, closeRow, signedRow,
      h("span", { class: "field-hint cs-signed-hint", id: "cs-signed-hint" }, t("cs_f_signed_hint"))),
    error,
    h("div", { class: "row cs-form-buttons" },
      h("a", { class: "button ghost", href: editing ? `/consultations/${editing}` : "/consultations", "data-link": true }, t("cancel")),
      h("span", { class: "spacer" }), save, saveSubmit));
  form.addEventListener("change", showWho);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    const { body, problem, at } = collect();
    if (problem) {
      // Said where the eye is too: the line above the buttons may be off screen.
      error.textContent = problem;
      toast(problem, "error");
      at.setAttribute("aria-invalid", "true");
      at.addEventListener("input", () => at.removeAttribute("aria-invalid"), { once: true });
      at.focus();
      return;
    }
    const andSubmit = event.submitter === saveSubmit;
    save.disabled = saveSubmit.disabled = true;
    let saved;
    try {
      saved = editing ? await put(`/api/consultations/${editing}`, body) : await post("/api/consultations", body);
    } catch (err) {
      error.textContent = err.message;
      toast(err.message, "error");
      save.disabled = saveSubmit.disabled = false;
      return;
    }
    let message = t("cs_saved");
    if (andSubmit) {
      try {
        await post(`/api/consultations/${saved.id}/submit`);
        message = t("cs_submitted");
      } catch (err) {
        // Saved, not submitted: the draft's page says why and offers "Trình duyệt" again
        // (staying here would make a second draft on the next try).
        message = null;
        toast(err.message, "error");
      }
    }
    if (message) toast(message);
    navigate(`/consultations/${saved.id}`);
  });
  showWho();
  showDays();
  mount(h("h1", {}, editing ? t("cs_edit") : t("cs_new")), form);
  return null;
}
