// Who is logged in, shared by every view.
import { get, post, setCsrf } from "./api.js";
import { setLanguage } from "./i18n.js";

export const session = { user: null };

/** Who is logged in. The server answers {user: null} without a session (not a 401, which
 * the browser would log as a failed request on the login page). */
/** The UI language: this device's choice (the language switch's cookie), else the
 * account's, else the one already shown. */
function applyLanguage(user) {
  const chosen = document.cookie.match(/(?:^|; )ecabinet_lang=(vi|en)/)?.[1];
  if (chosen || user) setLanguage(chosen || user.language);
}

export async function loadSession() {
  try {
    const data = await get("/api/session");
    session.user = data.user || null;
    setCsrf(session.user ? data.csrf_token : "");
    applyLanguage(session.user);
  } catch {
    session.user = null;
    setCsrf("");
  }
  return session.user;
}

// Hall tablets are shared: what one person voted (and the ids of their ballots), or the
// consultation reply they left unsent, must not stay on the device for the next. Keys are
// `ecabinet.vote.<user>.<poll>` (voting.js) and `ecabinet.reply.<user>.<consultation>`
// (reply_outbox.js).
function forgetBallots(keep = (userId) => false) {
  let store;
  try { store = window.localStorage; } catch { return; }
  if (!store) return;
  for (const key of Object.keys(store)) {
    const match = key.match(/^ecabinet\.(?:vote|ballot|reply)\.(\d+)\./);
    if (match && !keep(Number(match[1]))) store.removeItem(key);
  }
}

export async function logIn(username, password) {
  const data = await post("/api/login", { username, password });
  session.user = data.user;
  setCsrf(data.csrf_token);
  applyLanguage(data.user); // at once, as a reload would: not only after the next one
  forgetBallots((userId) => userId === data.user.id);
  return data.user;
}

export async function logOut() {
  forgetBallots();
  await post("/api/logout");
  session.user = null;
  setCsrf("");
}

export function hasRole(...roles) {
  return Boolean(session.user && roles.includes(session.user.role));
}
