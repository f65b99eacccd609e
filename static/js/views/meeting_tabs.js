// The meeting page's wiring, in one place: its tabs, the reducers that keep its state
// current, and what watches that state. Each feature module exports its tab and its
// reducers; none registers itself, and nothing here is global: the hall display and the
// entrance screen list their own reducers.
//
// A tab: {id, label: () => string, visible: (state) => bool, render: (container, ctx) => cleanup?,
//   screen?: true — the tab is a whole screen (the console): the page stops scrolling and
//   the tab fills the window below the tab bar}
// Reducers: {eventType: (state, event) => void}; they change the state and nothing else.
// A watcher: {note(state), react(noted, state), close?()}; see followMeeting in ../meeting_state.js.
import { meetingReducers, reducerTable } from "../meeting_state.js";
import { agendaReducers, agendaTab, agendaWatcher } from "./agenda.js";
import { attendanceReducers, attendanceTab } from "./attendance.js";
import { conclusionReducers, conclusionTab } from "./conclusions.js";
import { videoReducers, videoTab } from "./conference.js";
import { consoleTab } from "./console.js";
import { overviewTab } from "./meeting_overview.js";
import { minutesReducers, minutesTab } from "./minutes.js";
import { promptLayer } from "./prompts.js";
import { questionReducers, questionsTab } from "./questions.js";
import { floorReducers } from "./speakers.js";
import { tabletTab } from "./tablet.js";
import { pollReducers, pollsTab } from "./voting.js";

// The tabs, in the order a meeting's users need them; each one's `visible` says to whom.
// Two are whole screens built from the live features' pieces:
//   the delegate's tablet: check-in (attendance.js), the current item and the floor
//     (speakers.js), the ballot and the last result (voting.js), the item's questions (questions.js);
//   the chair's console: the agenda control, the attendance counts, the floor, the polls,
//     the item's questions, and the video rooms (conference.js).
export const tabs = [
  overviewTab, // meeting_overview.js: the invitation and the life-cycle buttons
  agendaTab, // agenda.js: the agenda and its documents
  videoTab, // conference.js: the video rooms
  tabletTab, // tablet.js: the delegate's screen during the session
  consoleTab, // console.js: the chair's screen
  attendanceTab, // attendance.js: answers, check-in, quorum
  questionsTab, // questions.js: questions and opinions per item
  pollsTab, // voting.js: the polls and their results
  minutesTab, // minutes.js: the minutes and their signatures
  conclusionTab, // conclusions.js: the conclusion notice and its tasks
];

// The events the page follows; for an event several features follow, in this order.
export const reducers = reducerTable(
  meetingReducers, // meeting.updated, meeting.status
  agendaReducers, // agenda.*, document.*, meeting.status (the agenda is fetched again)
  videoReducers, // video.recordings
  attendanceReducers, // attendance.updated, attendance.counts
  floorReducers, // live.item, live.settings, speakers.updated
  questionReducers, // question.updated
  pollReducers, // poll.updated, poll.progress
  minutesReducers, // minutes.updated
  conclusionReducers, // conclusion.updated, task.updated
);

// What the page does as its state changes, besides drawing it: the toasts about
// documents and publication, and the offline briefcase (agenda.js).
export const watchers = [agendaWatcher];

/**
 * The watchers of one meeting page: the ones above, and the prompts (prompts.js), a layer
 * over the page made for it and closed with it: a vote opened for the user, the floor
 * given to them, a new request to speak for the presiding. page: {meetingId, rerender}.
 */
export function pageWatchers(page) {
  return [...watchers, promptLayer(page)];
}
