// Uploading a PDF with a progress bar (XMLHttpRequest reports upload progress; fetch does not),
// and the small document helpers the agenda and the reader share.
import { ApiError, get } from "../api.js";
import { language, t } from "../i18n.js";
import "./documents_i18n.js";

/** The CSRF token of this login (the API module keeps its copy private). */
async function csrfToken() {
  const data = await get("/api/session");
  return data.csrf_token || "";
}

// What the file picker offers: PDF, and the drafts the server converts to PDF with LibreOffice.
export const UPLOAD_ACCEPT = "application/pdf,.pdf,.docx,.doc,.xlsx,.odt";
const CONVERTED = /\.(docx|doc|xlsx|odt)$/i;

/** Refuse what the server would refuse anyway, before sending megabytes over weak Wi-Fi. */
export function precheck(file, limits) {
  const isPdf = file.type === "application/pdf" || /\.pdf$/i.test(file.name);
  if (!isPdf && !CONVERTED.test(file.name)) return t("upload_not_pdf");
  if (limits && file.size > limits.max_bytes) {
    const mb = (n) => (n / 1048576).toFixed(1).replace(/\.0$/, "");
    return t("upload_too_big", { size: mb(file.size), max: mb(limits.max_bytes) });
  }
  return "";
}

/**
 * POST `file` (and text `fields`) as multipart/form-data to `url`;
 * onProgress(fraction) while it is sent. Resolves to the JSON answer, rejects with ApiError.
 */
export async function uploadPdf(url, file, fields = {}, onProgress = () => {}) {
  const token = await csrfToken();
  const form = new FormData();
  form.append("file", file, file.name);
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined && value !== null) form.append(key, String(value));
  }
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.setRequestHeader("x-csrf-token", token);
    xhr.setRequestHeader("accept", "application/json");
    xhr.setRequestHeader("accept-language", language());
    xhr.responseType = "json";
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    });
    xhr.addEventListener("load", () => {
      const data = xhr.response || {};
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve(data);
      } else {
        const error = data.error || {};
        reject(new ApiError(xhr.status, error.code || "http_error", error.message || t("network_error")));
      }
    });
    xhr.addEventListener("error", () => reject(new ApiError(0, "network_error", t("network_error"))));
    xhr.addEventListener("abort", () => reject(new ApiError(0, "aborted", t("network_error"))));
    xhr.send(form);
  });
}

/** Lower case, Vietnamese diacritics removed, đ → d, spaces collapsed (as the server folds). */
export function fold(text) {
  return String(text).normalize("NFKD").replace(/[\u0300-\u036f]/g, "").replace(/[đĐ]/g, "d")
    .toLowerCase().replace(/\s+/g, " ").trim();
}

/** `text` as nodes with the first match of `query` (diacritics optional) wrapped in <mark>. */
export function markMatch(text, query) {
  const needle = fold(query);
  if (!needle) return [text];
  let folded = "";
  const from = [];
  for (let i = 0; i < text.length; i += 1) {
    const part = fold(text[i]) || (/\s/.test(text[i]) ? " " : "");
    for (const ch of part) { folded += ch; from.push(i); }
  }
  const at = folded.indexOf(needle);
  if (at < 0) return [text];
  const start = from[at];
  const end = from[at + needle.length - 1] + 1;
  const mark = document.createElement("mark");
  mark.textContent = text.slice(start, end);
  return [text.slice(0, start), mark, text.slice(end)];
}

/** Whether the user has not yet looked at this version of something marked updated. */
export function unseen(kind, id, version) {
  return Number(localStorage.getItem(`ecabinet-seen-${kind}-${id}`) || 0) < version;
}

export function markSeen(kind, id, version) {
  localStorage.setItem(`ecabinet-seen-${kind}-${id}`, String(version));
}

/** The document's status as a short label (pages, processing, or why it failed). */
export function statusLabel(doc) {
  const v = doc.version;
  if (!v) return "";
  if (v.status === "ready") return t("status_ready", { n: v.pages });
  if (v.status === "failed") return `${t("status_failed")}: ${t(v.error) || v.error}`;
  return t(`status_${v.status}`);
}
