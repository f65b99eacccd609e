// The floor: which agenda item is on, who asked to speak, who speaks now and for how long.
import { clockText, observeServerTime, serverNow, tick } from "../clock.js";
import { extend, t } from "../i18n.js";
import { call } from "../live.js";
import { itemsOf } from "../meeting_state.js";
import { session } from "../session.js";
import { attempt, h, toast } from "../ui.js";

extend({
  vi: {
    live_current_item: "Nội dung đang thảo luận", live_no_item: "Chưa đưa nội dung nào ra thảo luận",
    live_item_n: "Nội dung {n}", live_presenter: "Trình bày: {name}", live_documents: "Tài liệu",
    sp_speaking_now: "Đang phát biểu", sp_nobody: "Chưa có đại biểu phát biểu",
    sp_queue: "Đăng ký phát biểu", sp_queue_empty: "Chưa có ai đăng ký phát biểu.", sp_on_item: "Đăng ký ở nội dung {item}",
    sp_request: "Đăng ký phát biểu", sp_withdraw: "Rút đăng ký", sp_waiting: "Bạn đang chờ phát biểu (thứ {n})",
    sp_you_speak: "Bạn đang phát biểu", sp_yield: "Kết thúc phát biểu", sp_grant: "Mời phát biểu",
    sp_end: "Kết thúc lượt", sp_up: "Lên", sp_down: "Xuống", sp_strike: "Bỏ khỏi danh sách",
    sp_history: "Đã phát biểu", sp_remote: "Điểm cầu", sp_limit: "Thời gian mỗi lượt",
    sp_over: "Quá giờ", sp_minutes: "{n} phút", sp_requested: "Đã đăng ký phát biểu.",
    sp_next: "Tiếp theo",
  },
  en: {
    live_current_item: "Item under discussion", live_no_item: "No item is under discussion yet",
    live_item_n: "Item {n}", live_presenter: "Presented by {name}", live_documents: "Documents",
    sp_speaking_now: "Speaking now", sp_nobody: "Nobody has the floor",
    sp_queue: "Requests to speak", sp_queue_empty: "Nobody has asked to speak.", sp_on_item: "Asked during {item}",
    sp_request: "Ask to speak", sp_withdraw: "Withdraw", sp_waiting: "You are waiting to speak (no. {n})",
    sp_you_speak: "You have the floor", sp_yield: "Finish speaking", sp_grant: "Give the floor",
    sp_end: "End turn", sp_up: "Up", sp_down: "Down", sp_strike: "Remove from the list",
    sp_history: "Spoke", sp_remote: "Remote room", sp_limit: "Time per turn",
    sp_over: "Over time", sp_minutes: "{n} min", sp_requested: "You asked to speak.",
    sp_next: "Next",
  },
});

/** The floor's live state: the current item, the settings, the speakers. */
export const floorReducers = {
  "live.item": (state, event) => {
    state.live.current_item = event.data.current_item;
    observeServerTime(event.at);
  },
  "live.settings": (state, event) => { Object.assign(state.live, event.data); },
  "speakers.updated": (state, event) => {
    state.speakers = event.data;
    observeServerTime(event.at);
  },
};

// -- the current item -----------------------------------------------------------------

export function currentItemCard(state, meetingId, { documents = true } = {}) {
  const item = state.live && state.live.current_item;
  if (!item) return h("div", { class: "card live-item empty", id: "current-item" }, h("div", { class: "muted" }, t("live_no_item")));
  const index = itemsOf(state).findIndex((i) => i.id === item.id);
  return h("div", { class: "card live-item", id: "current-item", dataset: { itemId: item.id } },
    h("div", { class: "eyebrow" }, t("live_current_item"), " · ", t("live_item_n", { n: index < 0 ? item.position : index + 1 })),
    h("h2", { class: "live-item-title" }, item.title),
    item.presenter ? h("div", { class: "muted" }, t("live_presenter", { name: item.presenter })) : null,
    documents ? itemDocuments(state, meetingId, item.id) : null);
}

/** The current item's documents, each opening in the reader (the agenda tab for all). */
function itemDocuments(state, meetingId, itemId) {
  const docs = (state.documents || []).filter((d) => d.item_id === itemId && d.readable);
  return h("div", { class: "row live-docs", id: "current-item-docs" },
    docs.map((d) => h("a", { class: "button ghost", href: `/meetings/${meetingId}/documents/${d.id}`, "data-link": true, dataset: { documentId: d.id } },
      d.restricted ? "🔒 " : "", d.title)),
    h("a", { class: "button ghost", href: `/meetings/${meetingId}/agenda`, "data-link": true }, t("live_documents")));
}

// -- the speakers --------------------------------------------------------------------

export function mySpeakerRequest(state) {
  const me = session.user && session.user.id;
  const sp = state.speakers || { queue: [] };
  if (sp.current && sp.current.user_id === me) return { request: sp.current, place: 0 };
  const index = sp.queue.findIndex((r) => r.user_id === me);
  return index < 0 ? null : { request: sp.queue[index], place: index + 1 };
}

function whoLine(r) {
  return h("span", { class: "who-line" }, h("strong", {}, r.name),
    r.title ? h("span", { class: "muted" }, ` — ${r.title}`) : null,
    r.remote ? h("span", { class: "badge remote" }, t("sp_remote")) : null);
}

/** The running speaking time of the current speaker, turning red past the limit. */
export function speakingTimer(current, { big = false } = {}) {
  const el = h("span", { class: `lv-timer${big ? " big" : ""}`, dataset: { role: "speaking-timer" } });
  if (!current || !current.started_at) return el;
  const started = Date.parse(current.started_at);
  tick(el, () => {
    const elapsed = (serverNow() - started) / 1000;
    const limit = current.limit_seconds || 0;
    el.textContent = clockText(elapsed);
    el.classList.toggle("over", Boolean(limit) && elapsed > limit);
    el.classList.toggle("near", Boolean(limit) && elapsed > limit - 30 && elapsed <= limit);
  });
  return el;
}

export function currentSpeakerBlock(state, { big = false } = {}) {
  const current = state.speakers && state.speakers.current;
  if (!current) return h("div", { class: "speaker-now empty muted", id: "speaker-now" }, t("sp_nobody"));
  return h("div", { class: "speaker-now", id: "speaker-now", dataset: { userId: current.user_id } },
    h("div", { class: "eyebrow" }, t("sp_speaking_now")),
    h("div", { class: "speaker-name" }, current.name),
    h("div", { class: "muted" }, [current.title, current.unit].filter(Boolean).join(" · ")),
    current.remote ? h("span", { class: "badge remote" }, t("sp_remote")) : null,
    h("div", { class: "speaker-timer" }, speakingTimer(current, { big }),
      current.limit_seconds ? h("span", { class: "muted" }, ` / ${clockText(current.limit_seconds)}`) : null));
}

/** The delegate's own button: ask, wait, withdraw, or yield the floor. */
export function askToSpeak(ctx) {
  const mine = mySpeakerRequest(ctx.state);
  const m = ctx.meetingId;
  if (!mine) {
    const b = h("button", { type: "button", class: "big-action", id: "ask-to-speak" }, "✋ ", t("sp_request"));
    b.addEventListener("click", () => attempt(async () => {
      const ack = await call("speaker:request", { meeting_id: m });
      if (!ack.ok) throw new Error(ack.error.message || ack.error.code);
      toast(t("sp_requested"));
    }, b));
    return b;
  }
  if (mine.place === 0) {
    const b = h("button", { type: "button", class: "ghost" }, t("sp_yield"));
    b.addEventListener("click", () => attempt(async () => {
      const ack = await call("speaker:end", { meeting_id: m });
      if (!ack.ok) throw new Error(ack.error.message);
    }, b));
    return h("div", { class: "my-floor speaking", id: "my-floor" }, h("strong", {}, t("sp_you_speak")), speakingTimer(mine.request), b);
  }
  const b = h("button", { type: "button", class: "ghost" }, t("sp_withdraw"));
  b.addEventListener("click", () => attempt(async () => {
    const ack = await call("speaker:withdraw", { meeting_id: m, request_id: mine.request.id });
    if (!ack.ok) throw new Error(ack.error.message);
  }, b));
  return h("div", { class: "my-floor", id: "my-floor" }, h("strong", {}, "✋ ", t("sp_waiting", { n: mine.place })), b);
}

async function act(event, data, button) {
  return attempt(async () => {
    const ack = await call(event, data);
    if (!ack.ok) throw new Error(ack.error.message || ack.error.code);
  }, button);
}

/** The chair's queue: reorder, give the floor, strike; the current turn with its timer. */
export function floorConsole(ctx) {
  const sp = ctx.state.speakers || { queue: [], history: [] };
  const m = ctx.meetingId;
  const order = sp.queue.map((r) => r.id);
  const move = (index, delta) => {
    const next = [...order];
    const [moved] = next.splice(index, 1);
    next.splice(index + delta, 0, moved);
    return next;
  };
  // A hand raised on an earlier item stays queued; the chair sees which item it was for.
  const current = ctx.state.live && ctx.state.live.current_item;
  const titles = new Map(itemsOf(ctx.state).map((item, n) => [item.id, `${n + 1}. ${item.title}`]));
  const rows = sp.queue.map((r, index) => {
    const up = h("button", { type: "button", class: "small ghost", title: t("sp_up"), disabled: index === 0 }, "↑");
    const down = h("button", { type: "button", class: "small ghost", title: t("sp_down"), disabled: index === sp.queue.length - 1 }, "↓");
    const give = h("button", { type: "button", class: "small", dataset: { grant: r.user_id } }, t("sp_grant"));
    const strike = h("button", { type: "button", class: "small ghost", title: t("sp_strike") }, "✕");
    up.addEventListener("click", () => act("speaker:reorder", { meeting_id: m, order: move(index, -1) }, up));
    down.addEventListener("click", () => act("speaker:reorder", { meeting_id: m, order: move(index, 1) }, down));
    give.addEventListener("click", () => act("speaker:grant", { meeting_id: m, request_id: r.id }, give));
    strike.addEventListener("click", () => act("speaker:withdraw", { meeting_id: m, request_id: r.id }, strike));
    return h("li", { class: "lv-queue-row", dataset: { requestId: r.id } },
      h("span", { class: "lv-queue-n" }, index + 1), whoLine(r),
      r.note ? h("div", { class: "muted small-text" }, r.note) : null,
      r.item_id && (!current || current.id !== r.item_id) && titles.has(r.item_id)
        ? h("div", { class: "muted small-text lv-queue-item", dataset: { itemId: r.item_id } }, t("sp_on_item", { item: titles.get(r.item_id) }))
        : null,
      h("span", { class: "lv-queue-actions" }, up, down, give, strike));
  });
  const end = h("button", { type: "button", class: "ghost", id: "end-turn" }, t("sp_end"));
  end.addEventListener("click", () => act("speaker:end", { meeting_id: m }, end));
  return h("div", { class: "floor-console" },
    h("div", { class: "row" }, currentSpeakerBlock(ctx.state), sp.current ? end : null),
    h("h3", {}, t("sp_queue"), " ", h("span", { class: "badge" }, sp.queue.length)),
    rows.length ? h("ol", { class: "lv-queue", id: "speaker-queue" }, rows) : h("p", { class: "muted" }, t("sp_queue_empty")),
    sp.history.length ? h("details", {}, h("summary", {}, t("sp_history"), ` (${sp.history.length})`),
      h("ul", { class: "lv-history" }, sp.history.slice(0, 20).map((r) => h("li", {}, whoLine(r),
        h("span", { class: "muted" }, ` ${clockText(r.spoke_seconds || 0)}`))))) : null);
}

/** Who waits next (for the hall display). */
export function nextSpeakers(state, count = 3) {
  const queue = (state.speakers && state.speakers.queue) || [];
  if (!queue.length) return null;
  return h("div", { class: "next-speakers" }, h("div", { class: "eyebrow" }, t("sp_next")),
    h("ol", {}, queue.slice(0, count).map((r) => h("li", {}, r.name, r.remote ? ` (${t("sp_remote")})` : ""))));
}
