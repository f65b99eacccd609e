// The server's clock, which every live screen's timers count from (a speech, a vote's
// countdown, the hall's clock), and the ticking of those timers while they are on screen.

let offset = null;

/** Learn the server clock from a timestamp it just sent (latency only makes it earlier). */
export function observeServerTime(iso) {
  if (!iso) return;
  const sample = Date.parse(iso) - Date.now();
  if (offset === null || sample > offset) offset = sample;
}

export function resetServerTime(iso) {
  offset = null;
  observeServerTime(iso);
}

export function serverNow() { return Date.now() + (offset || 0); }

/** Seconds as m:ss (or h:mm:ss). */
export function clockText(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const hh = Math.floor(s / 3600), mm = Math.floor((s % 3600) / 60), ss = s % 60;
  const two = (n) => String(n).padStart(2, "0");
  return hh ? `${hh}:${two(mm)}:${two(ss)}` : `${mm}:${two(ss)}`;
}

/** Ticks `fn` every interval while `el` is on screen. */
export function tick(el, fn, ms = 250) {
  fn();
  const timer = setInterval(() => { if (!el.isConnected) clearInterval(timer); else fn(); }, ms);
  return timer;
}
