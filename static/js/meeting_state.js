// A screen's copy of one meeting's state, the same for the meeting page, the hall display
// and the entrance screen: the channel's snapshot, then every later event applied in order
// by the reducers that screen lists. Reducers only change the state; whatever else a screen
// does about a change (a toast, the offline briefcase) is a watcher of the state.
import { get } from "./api.js";
import { MeetingChannel } from "./live.js";

/** The meeting's own record: every screen of a meeting follows it. */
export const meetingReducers = {
  "meeting.updated": (state, event) => {
    state.meeting = event.data.meeting;
    state.people = null; // fetched again when next shown
  },
  "meeting.status": (state, event) => {
    state.meeting.status = event.data.status;
    if (event.data.transition === "cancel") state.meeting.change_reason = event.data.comment;
    else state.meeting.return_comment = event.data.comment;
    state.stale = true; // the user's allowed transitions changed: refetch
  },
};

/**
 * One table from the reducers of several features, each {eventType: (state, event) => void}.
 * When several features follow an event type, their reducers run in the order listed.
 */
export function reducerTable(...features) {
  const table = new Map();
  for (const feature of features) {
    for (const [type, reducer] of Object.entries(feature)) {
      if (!table.has(type)) table.set(type, []);
      table.get(type).push(reducer);
    }
  }
  return table;
}

/** Apply one event: each reducer of its type, in order; the state is then current to its seq. */
export function applyEvent(reducers, state, event) {
  for (const reducer of reducers.get(event.type) || []) reducer(state, event);
  state.seq = event.seq;
}

/**
 * Follow a meeting's channel. The state is the last snapshot with every later event
 * applied by `reducers` (a reducerTable). onSnapshot(state) runs after each (re)load,
 * onEvent(state, event) after each event. A watcher {note(state), react(noted, state)}
 * sees every change: `noted` is what note() said of the state just before the event,
 * or null after a snapshot. Returns {state, close()}.
 */
export function followMeeting(meetingId, { reducers, watchers = [], onSnapshot, onEvent, onError }) {
  const meeting = { state: null, close: () => channel.close() };
  const channel = new MeetingChannel(meetingId, {
    onSnapshot: (snapshot) => {
      meeting.state = snapshot;
      for (const watcher of watchers) watcher.react(null, snapshot);
      onSnapshot(snapshot);
    },
    onEvent: (event) => {
      const state = meeting.state;
      if (!state) return;
      const noted = watchers.map((watcher) => watcher.note(state));
      applyEvent(reducers, state, event);
      watchers.forEach((watcher, index) => watcher.react(noted[index], state));
      onEvent(state, event);
    },
    onError,
  }).open();
  return meeting;
}

/**
 * The people invited by name. The snapshot counts them (`meeting.participant_count`): a
 * thousand-member list would go to every screen on every join. A screen that lists them
 * fetches the list; null until it arrives, the screen is redrawn then.
 */
export function participantsOf(ctx) {
  const state = ctx.state;
  if (!state.people) {
    const people = state.people = { list: null };
    get(`/api/meetings/${ctx.meetingId}/participants`).then((list) => {
      if (ctx.state !== state || state.people !== people) return; // replaced meanwhile
      people.list = list;
      ctx.rerender();
    }).catch(() => { if (state.people === people) state.people = null; });
  }
  return state.people.list;
}

// -- what the state says ----------------------------------------------------------------

/** The agenda items: the agenda feature's list when present, else the live outline. */
export function itemsOf(state) {
  const agenda = state.agenda && state.agenda.items;
  return agenda && agenda.length ? agenda : (state.live ? state.live.items : []);
}

export function itemLabel(state, itemId) {
  const items = itemsOf(state);
  const index = items.findIndex((i) => i.id === itemId);
  return index < 0 ? "" : `${index + 1}. ${items[index].title}`;
}
