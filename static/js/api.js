// The JSON API: CSRF header on writes, errors as ApiError with the server's translated message.
import { language, t } from "./i18n.js";

let csrfToken = "";

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function setCsrf(token) { csrfToken = token || ""; }

export async function api(method, path, body, { signal } = {}) {
  // The server answers in the language the page speaks, not the browser's own (a tablet set
  // up in English showing eCabinet in Vietnamese gets its errors in Vietnamese).
  const headers = { accept: "application/json", "accept-language": language() };
  if (method !== "GET") headers["x-csrf-token"] = csrfToken;
  // A FormData body is sent as multipart/form-data, its boundary set by the browser.
  const form = body instanceof FormData;
  if (body !== undefined && !form) headers["content-type"] = "application/json";
  let response;
  try {
    response = await fetch(path, {
      method, headers, body: body === undefined || form ? body : JSON.stringify(body),
      credentials: "same-origin", signal,
    });
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new ApiError(0, "network_error", t("network_error"));
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = data.error || {};
    throw new ApiError(response.status, error.code || "http_error", error.message || response.statusText);
  }
  return data;
}

export const get = (path, opts) => api("GET", path, undefined, opts);
export const post = (path, body = {}) => api("POST", path, body);
export const put = (path, body) => api("PUT", path, body);
export const del = (path) => api("DELETE", path);
