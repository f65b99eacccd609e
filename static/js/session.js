// Who is logged in, shared by every view.
import { get, post, setCsrf } from "./api.js";
import { setLanguage } from "./i18n.js";

export const session = { user: null };

export async function loadSession() {
  try {
    const data = await get("/api/session");
    session.user = data.user;
    setCsrf(data.csrf_token);
    setLanguage(document.cookie.match(/(?:^|; )ecabinet_lang=(vi|en)/)?.[1] || data.user.language);
  } catch {
    session.user = null;
  }
  return session.user;
}

export async function logIn(username, password) {
  const data = await post("/api/login", { username, password });
  session.user = data.user;
  setCsrf(data.csrf_token);
  return data.user;
}

export async function logOut() {
  await post("/api/logout");
  session.user = null;
  setCsrf("");
}

export function hasRole(...roles) {
  return Boolean(session.user && roles.includes(session.user.role));
}
