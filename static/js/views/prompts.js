// Prompts: what must reach a member at once, whatever their screen shows (any tab of the
// meeting, a document open in the reader): a vote opened for them, with the question, one
// big button per option, the countdown and, once voted, the receipt; the floor given to
// them; and, for those presiding, a new request to speak. Each is dismissible, goes by
// itself when it no longer holds (the poll closed, the floor moved, the request answered)
// and may beep (Web Audio, off until the user turns it on; remembered on this device).
// For those presiding, who run the vote from the console, the prompts are a small card
// docked in a corner that hides none of its controls, and the vote prompt comes only once
// they are checked in (they can vote then); a delegate gets it in the middle of the screen.
//
// A watcher of the meeting state (followMeeting in ../meeting_state.js): the reducers keep
// the state, this draws a layer above the page from it. The meeting page lists it
// (meeting_tabs.js), and so does the reader (reader.js), which follows the meeting with
// `promptReducers` for this alone.
import { extend, language, t } from "../i18n.js";
import { call } from "../live.js";
import { meetingReducers, reducerTable } from "../meeting_state.js";
import { session } from "../session.js";
import { attempt, h, toast } from "../ui.js";
import { attendanceReducers, myEntry } from "./attendance.js";
import { floorReducers, speakingTimer } from "./speakers.js";
import { castVote, countdown, myVote, openPoll, optionClass, pollMeta, pollReducers, sendingBallot } from "./voting.js";

extend({
  vi: {
    pr_vote_now: "Đang biểu quyết", pr_time_left: "Còn lại", pr_later: "Để sau", pr_close: "Đóng",
    pr_sound: "Âm báo", pr_sound_on: "Âm báo: bật", pr_sound_off: "Âm báo: tắt",
    pr_check_in_first: "Bạn cần điểm danh trước khi biểu quyết.", pr_check_in: "Điểm danh",
    pr_floor_badge: "Phát biểu", pr_floor: "Bạn được phát biểu", pr_floor_limit: "Thời gian mỗi lượt: {limit}",
    pr_requests: "Đăng ký phát biểu mới", pr_more: "và {n} đại biểu khác đang chờ",
  },
  en: {
    pr_vote_now: "Voting now", pr_time_left: "Time left", pr_later: "Later", pr_close: "Close",
    pr_sound: "Sound", pr_sound_on: "Sound: on", pr_sound_off: "Sound: off",
    pr_check_in_first: "Please check in before voting.", pr_check_in: "Check in",
    pr_floor_badge: "Floor", pr_floor: "You have the floor", pr_floor_limit: "Time per turn: {limit}",
    pr_requests: "New request to speak", pr_more: "and {n} more waiting",
  },
});

/** What a screen following a meeting only for its prompts needs (the reader). */
export const promptReducers = reducerTable(meetingReducers, attendanceReducers, floorReducers, pollReducers);

// -- sound ------------------------------------------------------------------------------

const SOUND_KEY = "ecabinet.prompt_sound";
const TONES = { vote: [880, 1175, 880], floor: [660, 880], request: [587, 784] };
let audio = null;

// Those who preside hear a new request to speak unless they turned the sound off: they
// look at the hall, not at the screen. Everyone else turns it on themselves.
let soundByDefault = false;

function soundOn() {
  let chosen = null;
  try { chosen = window.localStorage.getItem(SOUND_KEY); } catch { /* private mode */ }
  return chosen === null ? soundByDefault : chosen === "on";
}

function setSound(on) {
  try { window.localStorage.setItem(SOUND_KEY, on ? "on" : "off"); } catch { /* private mode: this page only */ }
}

/** The audio context, made or resumed only from a user's gesture (browsers refuse otherwise). */
function unlockAudio() {
  const Context = window.AudioContext || window.webkitAudioContext;
  if (!Context) return;
  audio ||= new Context();
  if (audio.state === "suspended") audio.resume().catch(() => {});
}

/** A short beep made on the spot (no audio file), if the user turned the sound on. */
function beep(kind) {
  if (!soundOn() || !audio || audio.state !== "running") return;
  let at = audio.currentTime + 0.02;
  for (const frequency of TONES[kind]) {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.type = "sine";
    osc.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, at);
    gain.gain.exponentialRampToValueAtTime(0.25, at + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.16);
    osc.connect(gain).connect(audio.destination);
    osc.start(at);
    osc.stop(at + 0.18);
    at += 0.2;
  }
}

const SVG = "http://www.w3.org/2000/svg";
function speakerIcon(on) {
  const el = document.createElementNS(SVG, "svg");
  el.setAttribute("viewBox", "0 0 24 24");
  el.setAttribute("class", "icon");
  el.setAttribute("aria-hidden", "true");
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", on ? "M4 9h4l5-4v14l-5-4H4zM16 8.5a5 5 0 0 1 0 7M18.5 6a8.5 8.5 0 0 1 0 12" : "M4 9h4l5-4v14l-5-4H4zM16 9l5 6M21 9l-5 6");
  el.append(path);
  return el;
}

// -- what stays true across the screens of this browser tab ------------------------------

// Keys: `vote:<poll id>`, `floor:<request id>`, `request:<request id>`.
const dismissed = new Set();
const raised = new Set(); // requests to speak announced to this presider as they came
const votedHere = new Set(); // polls voted from a prompt: it shows the receipt, then goes
const receiptUntil = new Map(); // poll id -> when its receipt leaves the prompt
const RECEIPT_MS = 10000;

function me() { return session.user ? session.user.id : null; }

function myFloor(state) {
  const current = state.speakers && state.speakers.current;
  return current && current.user_id === me() ? current : null;
}

function openIds(state) {
  return new Set((state.polls ? state.polls.polls : []).filter((p) => p.status === "open").map((p) => p.id));
}

function queueIds(state) {
  return new Set(((state.speakers && state.speakers.queue) || []).map((r) => r.id));
}

function presides(state) { return Boolean(state.live && state.live.presides); }

/**
 * The layer of prompts for one screen of a meeting: a watcher {note, react} to list with
 * followMeeting, and close() when the screen goes. `rerender` redraws the rest of the
 * screen after a ballot cast from a prompt (the tablet's ballot shows it too).
 */
export function promptLayer({ meetingId, rerender = null }) {
  const root = h("div", { class: "prompt-layer", id: "prompt-layer", "aria-live": "assertive" });
  document.body.append(root);
  let state = null;
  let timer = null;
  let receiptTimer = null;
  const shown = new Map(); // key -> {sig, el}
  const onGesture = () => { if (soundOn()) unlockAudio(); };
  document.addEventListener("pointerdown", onGesture, true);
  const ctx = {
    meetingId,
    get state() { return state; },
    rerender: () => { draw(); if (rerender) rerender(); },
  };

  // -- the prompts ------------------------------------------------------------------------

  function paintToggle(b) {
    const on = soundOn();
    b.setAttribute("aria-pressed", String(on));
    b.title = on ? t("pr_sound_on") : t("pr_sound_off");
    b.replaceChildren(speakerIcon(on), h("span", { class: "prompt-sound-label" }, b.title));
  }

  function soundToggle() {
    const b = h("button", { type: "button", class: "ghost small prompt-sound", "aria-label": t("pr_sound") });
    paintToggle(b);
    b.addEventListener("click", () => {
      setSound(!soundOn());
      if (soundOn()) { unlockAudio(); beep("request"); }
      root.querySelectorAll(".prompt-sound").forEach(paintToggle);
    });
    return b;
  }

  /** The prompt's top line: what it is, then the sound toggle and the button that sets it aside. */
  function head(badge, extra, keys, closeLabel) {
    const close = h("button", { type: "button", class: "ghost small prompt-dismiss", title: closeLabel }, closeLabel);
    close.addEventListener("click", () => { keys.forEach((key) => dismissed.add(key)); draw(); });
    return h("div", { class: "prompt-head" }, badge, extra, h("span", { class: "spacer" }), soundToggle(), close);
  }

  function votePrompt(poll, mine, present) {
    const key = `vote:${poll.id}`;
    const sending = sendingBallot(poll.id);
    let body;
    if (mine) {
      body = h("div", { class: "my-ballot prompt-receipt", dataset: { role: "receipt" } },
        h("strong", {}, "✔ ", t("v_you_voted"), mine.choice !== null && mine.choice !== undefined ? `: ${poll.options[mine.choice]}` : ""),
        mine.receipt ? h("div", {}, t("v_receipt"), ": ", h("code", { class: "lv-receipt" }, mine.receipt)) : null,
        mine.receipt && poll.visibility === "secret" ? h("div", { class: "muted small-text" }, t("v_receipt_hint")) : null);
    } else if (!present) {
      const b = h("button", { type: "button", class: "big-action prompt-check-in" }, t("pr_check_in"));
      b.addEventListener("click", () => attempt(async () => {
        const ack = await call("attendance:checkin", { meeting_id: meetingId });
        if (!ack.ok) throw new Error(ack.error.message || ack.error.code);
      }, b));
      body = h("div", { class: "prompt-check" }, h("p", { class: "notice" }, t("pr_check_in_first")), b);
    } else {
      body = h("div", {},
        h("div", { class: "prompt-options" }, poll.options.map((option, i) => {
          const b = h("button", { type: "button", class: `${optionClass(poll, i)} ballot-option`, dataset: { choice: i }, disabled: sending }, option);
          b.addEventListener("click", () => {
            votedHere.add(poll.id);
            castVote(ctx, poll, i);
          });
          return b;
        })),
        sending ? h("p", { class: "notice sending" }, t("v_sending")) : null);
    }
    return h("section", { class: "prompt prompt-vote", role: "dialog", "aria-modal": "false",
      "aria-labelledby": `prompt-q-${poll.id}`, dataset: { pollId: poll.id, kind: "vote" } },
    head(h("span", { class: "badge live-badge" }, "● ", t("pr_vote_now")),
      poll.closes_at && !mine ? h("span", { class: "prompt-countdown" }, t("pr_time_left"), " ", countdown(poll)) : null,
      [key], mine ? t("pr_close") : t("pr_later")),
    h("h2", { class: "prompt-question", id: `prompt-q-${poll.id}` }, poll.question),
    pollMeta(poll), body);
  }

  function floorPrompt(current) {
    const key = `floor:${current.id}`;
    const end = h("button", { type: "button", class: "ghost" }, t("sp_yield"));
    end.addEventListener("click", () => attempt(async () => {
      const ack = await call("speaker:end", { meeting_id: meetingId });
      if (!ack.ok) throw new Error(ack.error.message || ack.error.code);
    }, end));
    const limit = current.limit_seconds ? `${Math.floor(current.limit_seconds / 60)}:${String(current.limit_seconds % 60).padStart(2, "0")}` : null;
    return h("section", { class: "prompt prompt-floor", role: "dialog", "aria-modal": "false", "aria-labelledby": "prompt-floor-title",
      dataset: { requestId: current.id, kind: "floor" } },
    head(h("span", { class: "badge live-badge" }, "● ", t("pr_floor_badge")), null, [key], t("pr_close")),
    h("h2", { class: "prompt-title", id: "prompt-floor-title" }, t("pr_floor")),
    h("div", { class: "row prompt-floor-row" }, speakingTimer(current),
      limit ? h("span", { class: "muted" }, t("pr_floor_limit", { limit })) : null, h("span", { class: "spacer" }), end));
  }

  function requestPrompt(requests, waiting) {
    const shownRequests = requests.slice(-3);
    const rows = shownRequests.map((r) => {
      const give = h("button", { type: "button", class: "small", dataset: { grant: r.user_id } }, t("sp_grant"));
      give.addEventListener("click", () => attempt(async () => {
        const ack = await call("speaker:grant", { meeting_id: meetingId, request_id: r.id });
        if (!ack.ok) throw new Error(ack.error.message || ack.error.code);
      }, give));
      return h("li", { class: "prompt-request-row", dataset: { requestId: r.id } },
        h("span", { class: "who-line" }, h("strong", {}, r.name), r.title ? h("span", { class: "muted" }, ` — ${r.title}`) : null,
          r.remote ? h("span", { class: "badge remote" }, t("sp_remote")) : null),
        r.note ? h("div", { class: "muted small-text" }, r.note) : null, give);
    });
    const more = waiting - shownRequests.length;
    // "Later" sets aside every request listed; a new one brings the prompt back.
    return h("section", { class: "prompt prompt-request", role: "dialog", "aria-modal": "false", dataset: { kind: "request" } },
      head(h("span", { class: "badge prompt-hand" }, t("pr_requests")), null, requests.map((r) => `request:${r.id}`), t("pr_later")),
      h("ul", { class: "prompt-requests" }, rows),
      more > 0 ? h("div", { class: "muted small-text" }, t("pr_more", { n: more })) : null);
  }

  // -- what to show, from the state ----------------------------------------------------------

  function wanted() {
    const out = [];
    if (!state || !session.user) return out;
    const poll = openPoll(state);
    // Those presiding run the vote from the console: their prompt is docked (see draw), and
    // it comes only when they can vote there and then (checked in), never to ask them to
    // check in over the controls of the vote.
    const presiding = presides(state);
    const canVoteNow = !presiding || Boolean(myEntry(state) && myEntry(state).present);
    if (poll && state.polls.voter && canVoteNow && !dismissed.has(`vote:${poll.id}`)) {
      const mine = myVote(state, poll);
      // A ballot for this poll already on the page (the tablet, the voting tab) needs no prompt.
      const onPage = document.querySelector(`#main #ballot[data-poll-id="${poll.id}"]`);
      if (mine && votedHere.has(poll.id) && !receiptUntil.has(poll.id)) receiptUntil.set(poll.id, Date.now() + RECEIPT_MS);
      const receiptLeft = mine ? (receiptUntil.get(poll.id) || 0) - Date.now() : 0;
      if ((!mine || receiptLeft > 0) && !(onPage && !votedHere.has(poll.id))) {
        const entry = myEntry(state);
        const present = Boolean(entry && entry.present);
        if (mine && !receiptTimer) receiptTimer = setTimeout(() => { receiptTimer = null; draw(); }, receiptLeft + 50);
        out.push({ key: `vote:${poll.id}`, sig: [poll.id, present, mine && mine.receipt, mine && mine.choice, sendingBallot(poll.id), language()].join("|"),
          build: () => votePrompt(poll, mine, present) });
      }
    }
    const floor = myFloor(state);
    // The room's video screen shows its turn itself (the on-air banner and its end button):
    // a card over it would hide the room's own picture.
    const floorOnPage = document.querySelector("#main #video-on-air:not([hidden]), #main #my-floor.speaking");
    if (floor && !floorOnPage && !dismissed.has(`floor:${floor.id}`)) {
      out.push({ key: "floor", sig: [floor.id, floor.started_at, floor.limit_seconds, language()].join("|"), build: () => floorPrompt(floor) });
    }
    // The console shows the queue itself, in view: there a new request is heard, not carded.
    const queueOnPage = document.querySelector("#main #console-floor");
    if (presides(state) && !queueOnPage) {
      const queue = (state.speakers && state.speakers.queue) || [];
      const fresh = queue.filter((r) => raised.has(r.id) && !dismissed.has(`request:${r.id}`));
      if (fresh.length) {
        out.push({ key: "requests", sig: [fresh.map((r) => r.id).join(","), queue.length, language()].join("|"),
          build: () => requestPrompt(fresh, queue.length) });
      }
    }
    return out;
  }

  function draw() {
    clearTimeout(timer);
    const items = wanted();
    const els = items.map((item) => {
      const kept = shown.get(item.key);
      if (kept && kept.sig === item.sig) return kept.el;
      const el = item.build();
      if (!kept) el.classList.add("arriving"); // slides in when it comes, not on every change
      shown.set(item.key, { sig: item.sig, el });
      return el;
    });
    for (const key of [...shown.keys()]) if (!items.some((item) => item.key === key)) shown.delete(key);
    const current = [...root.children];
    if (current.length !== els.length || current.some((el, i) => el !== els[i])) root.replaceChildren(...els);
    root.hidden = !els.length;
    // Presiding, the prompts are a small non-modal card in a corner, not over the console.
    root.classList.toggle("docked", Boolean(state && presides(state)));
  }

  // -- the watcher ---------------------------------------------------------------------------

  return {
    note: (s) => ({ open: openIds(s), floor: myFloor(s)?.id ?? null, queue: queueIds(s) }),
    react: (noted, s) => {
      state = s;
      soundByDefault = presides(s);
      if (noted) {
        const poll = openPoll(s);
        if (poll && !noted.open.has(poll.id) && s.polls.voter && !myVote(s, poll)) beep("vote");
        const floor = myFloor(s);
        if (floor && floor.id !== noted.floor) beep("floor");
        if (presides(s)) {
          const fresh = ((s.speakers && s.speakers.queue) || []).filter((r) => !noted.queue.has(r.id) && r.user_id !== me());
          fresh.forEach((r) => raised.add(r.id));
          if (fresh.length) beep("request");
        }
      }
      // After the page has drawn this change too: it may show the ballot itself.
      clearTimeout(timer);
      timer = setTimeout(draw, 0);
    },
    close: () => {
      clearTimeout(timer);
      clearTimeout(receiptTimer);
      document.removeEventListener("pointerdown", onGesture, true);
      root.remove();
    },
  };
}
