// Verifying any PDF's digital signatures, and (for the admin) signing keys and trusted roots.
import { del, get, post } from "../api.js";
import { extend, formatDateTime, t } from "../i18n.js";
import { attempt, h, mount, toast } from "../ui.js";
import { formatDay } from "./minutes.js";

extend({
  vi: {
    nav_verify: "Xác thực chữ ký", nav_signing: "Khóa ký số",
    verify_title: "Xác thực chữ ký số trên văn bản PDF",
    verify_hint: "Chọn tệp PDF bất kỳ (biên bản, thông báo kết luận, văn bản đến...) để kiểm tra từng chữ ký số.",
    verify_file: "Tệp PDF", verify_check: "Kiểm tra",
    verdict_valid: "Tất cả chữ ký hợp lệ, văn bản không bị thay đổi sau khi ký.",
    verdict_invalid: "Văn bản KHÔNG hợp lệ: chữ ký bị hỏng hoặc nội dung đã bị thay đổi sau khi ký.",
    verdict_indeterminate: "Chưa xác định được độ tin cậy: chữ ký còn nguyên vẹn nhưng chứng thư không thuộc tổ chức chứng thực được tin cậy hoặc không còn hiệu lực khi ký.",
    verdict_unsigned: "Văn bản không có chữ ký số.",
    sig_signer: "Người ký", sig_org: "Cơ quan, tổ chức", sig_time: "Thời gian ký",
    sig_time_timestamp: "theo dấu thời gian của {tsa}", sig_time_claimed: "theo máy của người ký",
    sig_intact: "Nội dung được ký còn nguyên vẹn", sig_unmodified: "Không bị thay đổi sau khi ký",
    sig_trusted: "Chứng thư thuộc tổ chức chứng thực được tin cậy", sig_valid_then: "Chứng thư còn hiệu lực tại thời điểm ký",
    sig_valid: "Chữ ký hợp lệ", sig_invalid: "Chữ ký không hợp lệ", sig_field: "Ô chữ ký",
    sig_later_signatures: "Sau chữ ký này chỉ có thêm chữ ký khác (được phép).",
    sig_serial: "Số hiệu chứng thư", sig_revocation: "Chưa kiểm tra thu hồi chứng thư (không kết nối mạng ngoài).",
    yes: "Có", no: "Không",
    issued_here: "Đây là văn bản do hệ thống phát hành: {kind} số {number}, phiên bản {version}{latest}.",
    issued_latest: " (bản mới nhất)", issued_older: " (đã có bản mới hơn)",
    kind_minutes: "biên bản", kind_conclusion: "thông báo kết luận",
    kind_consultation_reply: "phiếu lấy ý kiến", kind_consultation_report: "báo cáo tổng hợp ý kiến",
    role_sig_member: "thành viên",
    signing_title: "Khóa ký số và chứng thư gốc tin cậy", signing_keys: "Khóa ký số của thư ký, chủ trì",
    signing_user: "Người ký", signing_kind: "Loại", signing_subject: "Chứng thư", signing_valid_to: "Hiệu lực đến",
    signing_add_p12: "Thêm khóa PKCS#12 (tệp .p12/.pfx)", signing_p12_file: "Tệp khóa .p12/.pfx",
    signing_p12_pass: "Mật khẩu của tệp khóa (chỉ dùng để kiểm tra, không lưu)", signing_label: "Ghi chú",
    signing_env: "Biến môi trường chứa mật khẩu (ký tự động, không bắt buộc)", signing_seal: "Ảnh con dấu (PNG, không bắt buộc)",
    signing_add_p11: "Thêm khóa trên thiết bị PKCS#11 (USB token)", signing_module: "Thư viện PKCS#11 (.so)",
    signing_token: "Nhãn token", signing_key_label: "Nhãn khóa", signing_cert_pem: "Chứng thư (PEM, kèm chuỗi CA)",
    signing_withdraw: "Thu hồi", signing_roots: "Chứng thư gốc tin cậy (Root CA)",
    signing_add_root: "Thêm chứng thư gốc (PEM/DER)", signing_remove: "Gỡ bỏ", signing_saved: "Đã lưu.",
    signing_active: "Đang dùng", signing_inactive: "Đã thu hồi", signing_demo: "thử nghiệm", save_key: "Lưu khóa",
  },
  en: {
    nav_verify: "Verify signatures", nav_signing: "Signing keys",
    verify_title: "Verify the digital signatures of a PDF",
    verify_hint: "Choose any PDF (minutes, conclusion notice, incoming document...) to check each signature.",
    verify_file: "PDF file", verify_check: "Verify",
    verdict_valid: "Every signature is valid and the document has not changed since.",
    verdict_invalid: "NOT valid: a signature is broken or the content changed after signing.",
    verdict_indeterminate: "Trust not established: the signatures are intact but a certificate is not from a trusted authority or was not valid when signing.",
    verdict_unsigned: "The document carries no digital signature.",
    sig_signer: "Signer", sig_org: "Organisation", sig_time: "Signed at",
    sig_time_timestamp: "per the timestamp of {tsa}", sig_time_claimed: "per the signer's computer",
    sig_intact: "Signed content intact", sig_unmodified: "Not modified after signing",
    sig_trusted: "Certificate from a trusted authority", sig_valid_then: "Certificate valid at signing time",
    sig_valid: "Valid signature", sig_invalid: "Invalid signature", sig_field: "Signature field",
    sig_later_signatures: "Only further signatures were added after this one (allowed).",
    sig_serial: "Certificate serial", sig_revocation: "Revocation not checked (no outside network).",
    yes: "Yes", no: "No",
    issued_here: "Issued by this system: {kind} no. {number}, version {version}{latest}.",
    issued_latest: " (latest)", issued_older: " (a newer version exists)",
    kind_minutes: "minutes", kind_conclusion: "conclusion notice",
    kind_consultation_reply: "ballot paper", kind_consultation_report: "consultation report",
    role_sig_member: "member",
    signing_title: "Signing keys and trusted roots", signing_keys: "Signing keys of secretaries and chairs",
    signing_user: "Signer", signing_kind: "Kind", signing_subject: "Certificate", signing_valid_to: "Valid until",
    signing_add_p12: "Add a PKCS#12 key (.p12/.pfx file)", signing_p12_file: "Key store .p12/.pfx",
    signing_p12_pass: "Key store passphrase (checked, never stored)", signing_label: "Note",
    signing_env: "Environment variable holding the passphrase (unattended, optional)", signing_seal: "Seal image (PNG, optional)",
    signing_add_p11: "Add a key on a PKCS#11 token", signing_module: "PKCS#11 library (.so)",
    signing_token: "Token label", signing_key_label: "Key label", signing_cert_pem: "Certificate (PEM, with CA chain)",
    signing_withdraw: "Withdraw", signing_roots: "Trusted root certificates",
    signing_add_root: "Add a root certificate (PEM/DER)", signing_remove: "Remove", signing_saved: "Saved.",
    signing_active: "Active", signing_inactive: "Withdrawn", signing_demo: "demo", save_key: "Save key",
  },
});

async function csrfToken() {
  const data = await get("/api/session");
  return data.csrf_token || "";
}

async function sendForm(url, form) {
  const response = await fetch(url, {
    method: "POST", body: form, credentials: "same-origin",
    headers: { "x-csrf-token": await csrfToken(), accept: "application/json" },
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error((data.error && data.error.message) || response.statusText);
  return data;
}

function check(ok, label) {
  return h("li", { class: ok ? "ok" : "bad", dataset: { ok: String(ok) } }, ok ? "✔ " : "✘ ", label, ": ",
    h("strong", {}, ok ? t("yes") : t("no")));
}

function fieldName(field) {
  // Fields eCabinet made carry the signer's role; others keep their own name.
  const label = t(`role_sig_${field}`);
  return label.startsWith("role_sig_") ? field : label;
}

function signatureCard(sig) {
  const time = sig.signed_at ? formatDateTime(sig.signed_at) : "—";
  const source = sig.time_source === "timestamp"
    ? t("sig_time_timestamp", { tsa: sig.timestamp_authority }) : t("sig_time_claimed");
  return h("div", { class: `card signature-report ${sig.valid ? "valid" : "invalid"}`, dataset: { field: sig.field } },
    h("div", { class: "row" }, h("strong", {}, sig.valid ? `✔ ${t("sig_valid")}` : `✘ ${t("sig_invalid")}`),
      h("span", { class: "spacer" }), h("span", { class: "muted" }, `${t("sig_field")}: ${fieldName(sig.field)}`)),
    h("table", {},
      h("tr", {}, h("th", {}, t("sig_signer")), h("td", { class: "sig-signer" }, sig.signer || "—")),
      h("tr", {}, h("th", {}, t("sig_org")), h("td", {}, sig.organization || "—")),
      h("tr", {}, h("th", {}, t("sig_time")), h("td", {}, time, " ", h("span", { class: "muted" }, `(${source})`),
        h("div", { class: "muted mono" }, sig.signed_at || ""))),
      h("tr", {}, h("th", {}, t("sig_serial")), h("td", { class: "mono" }, sig.serial || "—"))),
    h("ul", { class: "checks" },
      check(sig.intact, t("sig_intact")),
      check(!sig.modified, t("sig_unmodified")),
      check(sig.trusted, t("sig_trusted")),
      check(sig.valid_at_signing_time, t("sig_valid_then"))),
    sig.modification === "allowed" ? h("p", { class: "muted" }, t("sig_later_signatures")) : null,
    sig.error ? h("p", { class: "error" }, sig.error) : null,
    h("p", { class: "muted small" }, t("sig_revocation")));
}

export async function verifyView() {
  const file = h("input", { type: "file", id: "verify-file", accept: "application/pdf,.pdf", required: true });
  const button = h("button", { type: "submit", id: "verify-submit" }, t("verify_check"));
  const result = h("div", { id: "verify-result" });
  const form = h("form", { class: "card" }, h("p", { class: "muted" }, t("verify_hint")),
    h("label", {}, t("verify_file"), file), h("div", { class: "row" }, button));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    attempt(async () => {
      if (!file.files[0]) return;
      const body = new FormData();
      body.append("file", file.files[0]);
      const report = await sendForm("/api/verify", body);
      const known = report.issued_here;
      result.replaceChildren(
        h("div", { class: `verdict ${report.verdict}`, id: "verdict", dataset: { verdict: report.verdict } },
          t(`verdict_${report.verdict}`)),
        known ? h("p", { class: "notice", id: "issued-here" }, t("issued_here", {
          kind: t(`kind_${known.kind}`), number: known.number || "—", version: known.version,
          latest: known.latest ? t("issued_latest") : t("issued_older") })) : null,
        ...report.signatures.map(signatureCard),
        h("p", { class: "muted mono small" }, `SHA-256: ${report.sha256}`));
    }, button);
  });
  mount(h("h1", {}, t("verify_title")), form, result);
  return null;
}

function field(label, control) {
  return h("label", {}, label, control);
}

export async function signingAdminView() {
  const body = h("div");
  mount(h("h1", {}, t("signing_title")), body);
  const refresh = async () => {
    const [keys, roots, users] = await Promise.all([
      get("/api/signing/keys"), get("/api/signing/trust-roots"), get("/api/users")]);
    const names = new Map(users.map((u) => [u.id, u.full_name]));
    const signers = users.filter((u) => ["secretary", "chair", "delegate"].includes(u.role) && u.active);
    const userSelect = (name) => h("select", { name }, signers.map((u) => h("option", { value: u.id }, `${u.full_name} (${u.username})`)));

    const p12 = h("form", { class: "grid", id: "p12-form" },
      field(t("signing_user"), userSelect("user_id")),
      field(t("signing_p12_file"), h("input", { type: "file", name: "file", accept: ".p12,.pfx", required: true })),
      field(t("signing_p12_pass"), h("input", { type: "password", name: "passphrase", autocomplete: "off" })),
      field(t("signing_label"), h("input", { name: "label", maxlength: 200 })),
      field(t("signing_env"), h("input", { name: "passphrase_env", maxlength: 100, placeholder: "ECABINET_KEY_PASSPHRASE_..." })),
      field(t("signing_seal"), h("input", { type: "file", name: "seal", accept: "image/png" })),
      h("div", {}, h("button", { type: "submit" }, t("save_key"))));
    p12.addEventListener("submit", (e) => {
      e.preventDefault();
      attempt(async () => { await sendForm("/api/signing/keys/pkcs12", new FormData(p12)); toast(t("signing_saved")); refresh(); });
    });
    const p11 = h("form", { class: "grid", id: "p11-form" },
      field(t("signing_user"), userSelect("user_id")),
      field(t("signing_module"), h("input", { name: "module_path", required: true, placeholder: "/usr/lib/..." })),
      field(t("signing_token"), h("input", { name: "token_label", required: true })),
      field(t("signing_key_label"), h("input", { name: "key_label", required: true })),
      field(t("signing_cert_pem"), h("textarea", { name: "certificate", required: true, rows: 4 })),
      field(t("signing_label"), h("input", { name: "label" })),
      h("div", {}, h("button", { type: "submit" }, t("save_key"))));
    p11.addEventListener("submit", (e) => {
      e.preventDefault();
      const data = Object.fromEntries(new FormData(p11));
      attempt(async () => {
        await post("/api/signing/keys/pkcs11", { ...data, user_id: Number(data.user_id) });
        toast(t("signing_saved"));
        refresh();
      });
    });
    const rootForm = h("form", { class: "row", id: "root-form" },
      h("input", { type: "file", name: "file", accept: ".pem,.crt,.cer,.der", required: true }),
      h("button", { type: "submit" }, t("signing_add_root")));
    rootForm.addEventListener("submit", (e) => {
      e.preventDefault();
      attempt(async () => { await sendForm("/api/signing/trust-roots", new FormData(rootForm)); toast(t("signing_saved")); refresh(); });
    });
    body.replaceChildren(
      h("div", { class: "card" }, h("h2", {}, t("signing_keys")),
        h("div", { class: "table-scroll" }, h("table", { id: "key-table" },
          h("tr", {}, [t("signing_user"), t("signing_kind"), t("signing_subject"), t("signing_valid_to"), ""].map((x) => h("th", {}, x))),
          keys.map((k) => h("tr", { dataset: { keyId: k.id } },
            h("td", {}, names.get(k.user_id) || k.user_id, k.label ? h("div", { class: "muted" }, k.label) : null),
            h("td", {}, k.kind === "pkcs11" ? `PKCS#11 (${k.token_label})` : "PKCS#12", k.demo ? ` · ${t("signing_demo")}` : ""),
            h("td", {}, k.subject_name, h("div", { class: "muted" }, k.organization)),
            h("td", {}, formatDay(k.not_after)),
            h("td", {}, k.active ? h("button", { type: "button", class: "ghost small", onclick: (e) => attempt(async () => {
              await del(`/api/signing/keys/${k.id}`); refresh(); }, e.target) }, t("signing_withdraw"))
              : h("span", { class: "muted" }, t("signing_inactive")))))))),
      h("div", { class: "card" }, h("h2", {}, t("signing_add_p12")), p12),
      h("div", { class: "card" }, h("h2", {}, t("signing_add_p11")), p11),
      h("div", { class: "card" }, h("h2", {}, t("signing_roots")),
        h("ul", { id: "root-list" }, roots.map((r) => h("li", {}, h("strong", {}, r.name), " ",
          h("span", { class: "muted mono" }, r.fingerprint.slice(0, 16), "… · ", formatDay(r.not_after)), " ",
          h("button", { type: "button", class: "ghost small", onclick: (e) => attempt(async () => {
            await del(`/api/signing/trust-roots/${r.id}`); refresh(); }, e.target) }, t("signing_remove"))))),
        rootForm));
  };
  await attempt(refresh);
  return null;
}
