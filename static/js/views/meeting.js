// The meeting page: a live state fed by the meeting's channel, shown through feature tabs.
import { get } from "../api.js";
import { t } from "../i18n.js";
import { followMeeting } from "../meeting_state.js";
import { navigate } from "../router.js";
import { h, mount, toast } from "../ui.js";
import { pageWatchers, reducers, tabs } from "./meeting_tabs.js";

export async function meetingView(params) {
  const meetingId = Number(params.id);
  const ctx = { meetingId, state: null, rerender: null, tab: params.tab || "overview" };
  const title = h("h1", { id: "meeting-title" }, t("loading"));
  const tabBar = h("nav", { class: "tabs" });
  const body = h("section", { id: "tab-body" });
  mount(title, tabBar, body);
  let tabCleanup = null;

  ctx.rerender = async () => {
    if (!ctx.state) return;
    if (ctx.state.stale) {
      ctx.state.stale = false;
      try {
        const fresh = await get(`/api/meetings/${meetingId}`);
        ctx.state.transitions = fresh.transitions;
      } catch { /* the next event or resync will retry */ }
    }
    title.textContent = ctx.state.meeting.title;
    const visible = tabs.filter((tab) => tab.visible(ctx.state));
    if (!visible.some((tab) => tab.id === ctx.tab)) ctx.tab = "overview";
    tabBar.replaceChildren(...visible.map((tab) => h("a", {
      href: `/meetings/${meetingId}/${tab.id}`, "data-link": true, class: tab.id === ctx.tab ? "active" : "",
      dataset: { tab: tab.id },
    }, tab.label(ctx.state))));
    if (typeof tabCleanup === "function") tabCleanup();
    const shown = visible.find((tab) => tab.id === ctx.tab);
    // A tab that is a whole screen (the chair's console) takes the window's full size.
    document.body.classList.toggle("screen-mode", Boolean(shown.screen));
    tabCleanup = shown.render(body, ctx);
  };

  const watchers = pageWatchers({ meetingId, rerender: () => ctx.rerender() });
  const meeting = followMeeting(meetingId, {
    reducers,
    watchers,
    onSnapshot: (state) => { ctx.state = state; ctx.rerender(); },
    onEvent: () => ctx.rerender(),
    onError: (error) => {
      toast(error ? error.message : t("network_error"), "error");
      if (error && error.code === "meeting_not_found") navigate("/", { replace: true });
    },
  });

  return () => {
    document.body.classList.remove("screen-mode");
    meeting.close();
    for (const watcher of watchers) watcher.close?.();
    if (typeof tabCleanup === "function") tabCleanup();
  };
}
