// The overview tab: what the invitation says, who takes part, and the life-cycle buttons.
import { get, post } from "../api.js";
import { formatDateTime, t } from "../i18n.js";
import { hasRole } from "../session.js";
import { attempt, h, statusBadge } from "../ui.js";

function transitionButton(ctx, name) {
  const button = h("button", { type: "button", class: name === "return" ? "ghost" : "",
                               dataset: { transition: name } }, t(`t_${name}`));
  button.addEventListener("click", () => attempt(async () => {
    let comment = "";
    if (name === "return") {
      comment = window.prompt(t("return_comment")) || "";
      if (!comment.trim()) return;
    }
    const snapshot = await post(`/api/meetings/${ctx.meetingId}/transitions/${name}`, { comment });
    ctx.state.transitions = snapshot.transitions;
    ctx.rerender();
  }, button));
  return button;
}

function overview(container, ctx) {
  const m = ctx.state.meeting;
  const people = m.participants.map((p) => h("li", {}, h("strong", {}, p.name),
    p.title ? ` — ${p.title}` : "", " ", h("span", { class: "badge" }, t(`role_${p.role}`))));
  container.replaceChildren(
    h("div", { class: "card" },
      h("div", { class: "row" }, statusBadge(m.status), m.urgent ? h("span", { class: "badge urgent" }, t("urgent")) : null,
        h("span", { class: "spacer" }),
        hasRole("secretary") && ["draft", "submitted", "approved", "published"].includes(m.status)
          ? h("a", { class: "button ghost small", href: `/meetings/${m.id}/edit`, "data-link": true }, t("edit")) : null),
      m.return_comment && m.status === "draft"
        ? h("div", { class: "notice", id: "return-comment" }, t("returned_with"), " ", h("em", {}, m.return_comment)) : null,
      h("table", {},
        h("tr", {}, h("th", {}, t("starts_at")), h("td", { id: "starts-at" }, formatDateTime(m.starts_at))),
        m.ends_at ? h("tr", {}, h("th", {}, t("ends_at")), h("td", {}, formatDateTime(m.ends_at))) : null,
        h("tr", {}, h("th", {}, t("place")), h("td", { id: "place" }, m.place)),
        h("tr", {}, h("th", {}, t("unit")), h("td", {}, m.unit.name)),
        h("tr", {}, h("th", {}, t("chair")), h("td", {}, m.chair.name)),
        m.description ? h("tr", {}, h("th", {}, t("description")), h("td", {}, m.description)) : null),
      h("div", { class: "row", id: "transitions", style: "margin-top:14px" },
        ...(ctx.state.transitions || []).map((name) => transitionButton(ctx, name)))),
    h("div", { class: "card" }, h("h2", {}, t("participants")), h("ul", { id: "participants" }, people)),
    m.invited_units.length ? h("div", { class: "card" }, h("h2", {}, t("invited_units")),
      h("ul", {}, m.invited_units.map((u) => h("li", {}, u.name, u.remote ? ` (${t("remote")})` : "")))) : null,
    recordings(m),
  );
}

/** The meeting's video recordings, kept with it once the session is over (the video tab
 * is gone by then). Each download is audited. */
function recordings(m) {
  const box = h("div", { id: "overview-recordings" });
  if (!["adjourned", "closed"].includes(m.status)) return box;
  get(`/api/meetings/${m.id}/recordings`).then((list) => {
    if (!list.length) return;
    box.replaceChildren(h("div", { class: "card" }, h("h2", {}, t("video_recordings")),
      h("ul", {}, list.map((r) => h("li", {},
        h("a", { href: `/api/meetings/${m.id}/recordings/${r.name}`, download: r.name }, formatDateTime(r.started_at)),
        h("span", { class: "muted" }, ` (${(r.size / 1048576).toFixed(1)} MB)`))))));
  }).catch(() => { /* offline: the list comes back with the page */ });
  return box;
}

export const overviewTab = { id: "overview", label: () => t("overview"), visible: () => true, render: overview };
