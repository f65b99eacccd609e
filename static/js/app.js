// Start-up: who is logged in, the top bar, and the routes of every screen.
import { get, post } from "./api.js";
import { extend, language, setLanguage, t } from "./i18n.js";
import { connect, disconnect, onConnectionChange, onNotice } from "./live.js";
import { watchReplies } from "./reply_outbox.js";
import { navigate, render, route, start } from "./router.js";
import { hasRole, loadSession, logOut, session } from "./session.js";
import { h } from "./ui.js";
import { adminView } from "./views/admin.js";
import { integrationsView } from "./views/integrations.js";
import { accountView } from "./views/account.js";
import { auditView } from "./views/audit.js";
import { reportsView } from "./views/reports.js";
import { revalidateBriefcases } from "./views/briefcase.js";
import { checkinView, entranceView } from "./views/attendance.js";
import { consultationFormView } from "./views/consultation_form.js";
import { consultationView } from "./views/consultation.js";
import { consultationsView } from "./views/consultations.js";
import { hallView } from "./views/hall.js";
import { loginView } from "./views/login.js";
import { meetingFormView } from "./views/meeting_form.js";
import { meetingView } from "./views/meeting.js";
import { meetingsView } from "./views/meetings.js";
import { draftReaderView, readerView } from "./views/reader.js";
import { tasksView } from "./views/tasks.js";
import { signingAdminView, verifyView } from "./views/verify.js";

extend({
  vi: { reminders_title: "Việc của tôi: {mine_overdue} quá hạn, {mine_soon} sắp đến hạn · Theo dõi: {followed} quá hạn · Thông báo kết luận cần ban hành: {notices}" },
  en: { reminders_title: "My tasks: {mine_overdue} overdue, {mine_soon} due soon · Followed: {followed} overdue · Conclusion notices due: {notices}" },
});

// What needs the user's attention, as a badge on "Tasks" on every screen.
const reminders = { data: null, at: 0 };

async function refreshReminders(force = false) {
  if (!session.user || hasRole("observer") || (!force && Date.now() - reminders.at < 60000)) return;
  reminders.at = Date.now();
  try {
    reminders.data = await get("/api/reminders");
  } catch {
    return; // offline: keep the last count
  }
  renderChrome();
}

function reminderBadge() {
  const r = reminders.data;
  if (!r || !r.total) return null;
  return h("span", {
    class: "badge urgent reminder", id: "reminder-badge",
    title: t("reminders_title", { mine_overdue: r.my_overdue, mine_soon: r.my_due_soon, followed: r.followed_overdue, notices: r.notices_due }),
  }, String(r.total));
}

/** The consultations waiting for the user's reply, on "Lấy ý kiến": urgent on a last day. */
function consultationBadge() {
  const r = reminders.data;
  if (!r || !r.consultations_waiting) return null;
  const last = r.consultations_last_day || 0;
  return h("span", {
    class: `badge reminder ${last ? "urgent" : "waiting"}`, id: "consultations-badge",
    dataset: { lastDay: last },
    title: last ? t("cs_badge_title_last_day", { n: r.consultations_waiting, last })
      : t("cs_badge_title", { n: r.consultations_waiting }),
  }, String(r.consultations_waiting));
}

/** The live channel's state in the top bar; nothing before login (no channel is opened). */
function showConnection(state) {
  const conn = document.getElementById("conn");
  if (state) conn.dataset.state = state;
  const now = conn.dataset.state;
  conn.textContent = !session.user ? "" : t(now === "online" ? "online" : now === "offline" ? "offline" : "connecting");
}

/** After logging out (here or elsewhere): no channel, and the next login starts "connecting". */
function leave() {
  disconnect();
  showConnection("connecting");
  navigate("/login");
}

function requireLogin(view) {
  return async (params, query) => {
    if (!session.user) {
      navigate(`/login?next=${encodeURIComponent(location.pathname)}`, { replace: true });
      return null;
    }
    // A password an administrator chose is replaced before anything else is done.
    if (session.user.must_change_password && view !== accountView) {
      navigate("/account", { replace: true });
      return null;
    }
    return view(params, query);
  };
}

export function renderChrome() {
  const bar = document.getElementById("topbar");
  bar.hidden = !session.user;
  if (!session.user) return;
  const links = [["/", t("nav_meetings")]];
  if (hasRole("secretary")) links.push(["/meetings/new", t("nav_new_meeting")]);
  // The hall screen's account (observer) has no tasks and signs nothing: its list of
  // meetings, each with the hall display to open, is all it uses.
  if (!hasRole("observer")) links.push(["/tasks", t("nav_tasks")]);
  // Consultations are answered by people: the hall screen and the remote rooms are never asked.
  if (!hasRole("observer", "remote_room")) links.push(["/consultations", t("nav_consultations")]);
  if (!hasRole("observer")) links.push(["/verify", t("nav_verify")]);
  if (hasRole("admin", "secretary", "chair")) links.push(["/reports", t("nav_reports")]);
  if (hasRole("admin")) links.push(["/admin", t("nav_admin")]);
  if (hasRole("admin")) links.push(["/signing", t("nav_signing")]);
  if (hasRole("admin")) links.push(["/integrations", t("nav_integrations")]);
  if (hasRole("admin")) links.push(["/audit", t("nav_audit")]);
  // On a phone the name (which leads to one's account) is hidden: the account is a nav
  // item, for people (the hall screen's account is a screen).
  if (!hasRole("observer")) links.push(["/account", t("nav_account")]);
  const badges = { "/tasks": reminderBadge, "/consultations": consultationBadge };
  // A consultation's page and form are under the list's link.
  const here = (href) => location.pathname === href ||
    (href === "/consultations" && location.pathname.startsWith("/consultations/"));
  document.getElementById("nav").replaceChildren(
    ...links.map(([href, label]) => h("a", {
      href, "data-link": true, class: [here(href) ? "active" : "", href === "/account" ? "nav-account" : ""].join(" ").trim(),
    }, label, badges[href] ? badges[href]() : null)),
  );
  refreshReminders();
  showConnection();
  document.getElementById("who").replaceChildren(h("a", { href: "/account", "data-link": true, id: "who-link",
    title: t("account_title") }, session.user.full_name));
  document.getElementById("logout").textContent = t("logout");
  document.getElementById("lang").textContent = language() === "vi" ? "EN" : "VI";
}

async function main() {
  await loadSession();
  document.documentElement.lang = language();
  route("/login", loginView);
  route("/", requireLogin(meetingsView));
  route("/meetings/new", requireLogin(meetingFormView));
  route("/meetings/:id/edit", requireLogin(meetingFormView));
  route("/meetings/:id", requireLogin(meetingView));
  route("/meetings/:id/:tab", requireLogin(meetingView));
  route("/meetings/:id/documents/:doc", requireLogin(readerView));
  route("/admin", requireLogin(adminView));
  route("/integrations", requireLogin(integrationsView));
  route("/audit", requireLogin(auditView));
  route("/reports", requireLogin(reportsView));
  route("/account", requireLogin(accountView));
  route("/tasks", requireLogin(tasksView));
  route("/consultations", requireLogin(consultationsView));
  route("/consultations/new", requireLogin(consultationFormView));
  route("/consultations/:id/edit", requireLogin(consultationFormView));
  route("/consultations/:id", requireLogin(consultationView));
  route("/consultations/:id/documents/:doc", requireLogin(draftReaderView));
  route("/verify", requireLogin(verifyView));
  route("/signing", requireLogin(signingAdminView));
  route("/hall/:id", requireLogin(hallView));
  route("/entrance/:id", requireLogin(entranceView));
  route("/checkin/:token", requireLogin(checkinView));
  document.addEventListener("routechange", renderChrome);
  document.getElementById("logout").addEventListener("click", async () => {
    await logOut().catch(() => {});
    Object.assign(reminders, { data: null, at: 0 });
    leave();
  });
  document.getElementById("lang").addEventListener("click", async () => {
    const next = language() === "vi" ? "en" : "vi";
    await post("/api/language", { language: next }).catch(() => {});
    setLanguage(next);
    renderChrome();
    render();
  });
  // The first report comes before any socket was opened: "connecting", not "offline".
  let first = true;
  onConnectionChange((up) => {
    showConnection(up ? "online" : first ? "connecting" : "offline");
    first = false;
    // Back online (or just started): drop what the user lost access to while away.
    if (up) revalidateBriefcases();
  });
  onNotice("meetings.changed", () => revalidateBriefcases());
  onNotice("tasks.changed", () => refreshReminders(true));
  // Sent, closed or replied here: the consultations waiting for this user change.
  onNotice("consultations.changed", () => refreshReminders(true));
  document.addEventListener("reminders:stale", () => refreshReminders(true));
  watchReplies();
  // Logged out elsewhere, deactivated, or the password changed: the server closes this
  // socket right after; the screen goes back to the login form.
  onNotice("session.ended", () => loadSession().then(() => {
    if (session.user) return;
    leave();
  }));
  onNotice("meeting.left", ({ meeting_id: id }) => {
    if (location.pathname.startsWith(`/meetings/${id}`)) navigate("/");
  });
  if (session.user) connect();
  await start();
}

main();
