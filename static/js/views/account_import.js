// Units and accounts from a spreadsheet (admin): check the file first (each row's problem
// named), then import all of it; generated passwords are shown once, to hand out.
import { post } from "../api.js";
import { extend, t } from "../i18n.js";
import { attempt, h } from "../ui.js";

extend({
  vi: {
    imp_title: "Nhập đơn vị và tài khoản từ tệp",
    imp_explain: "Tệp Excel (.xlsx) có trang “Đơn vị” (Tên đơn vị, Mã, Cấp, Đơn vị cấp trên) và trang “Tài khoản” (Tên đăng nhập, Họ và tên, Chức vụ, Vai trò, Đơn vị, Email, Mật khẩu), hoặc một tệp CSV. Để trống mật khẩu thì hệ thống tạo mật khẩu. Tệp được kiểm tra trước; chỉ khi mọi dòng đều đúng mới nhập, và nhập tất cả cùng lúc.",
    imp_template: "Tải tệp mẫu", imp_file: "Tệp danh sách", imp_check: "Kiểm tra tệp", imp_run: "Nhập vào hệ thống ({units} đơn vị, {accounts} tài khoản)",
    imp_ok: "Tệp hợp lệ: {units} đơn vị, {accounts} tài khoản sẽ được thêm.", imp_bad: "{n} dòng có lỗi; sửa tệp rồi kiểm tra lại. Chưa nhập gì.",
    imp_col_row: "Dòng", imp_col_kind: "Loại", imp_col_what: "Nội dung", imp_col_problem: "Kết quả kiểm tra",
    imp_kind_unit: "Đơn vị", imp_kind_account: "Tài khoản", imp_row_ok: "Hợp lệ",
    imp_done: "Đã nhập {units} đơn vị, {accounts} tài khoản.", imp_passwords: "Mật khẩu được tạo (chỉ hiện một lần: tải về và gửi riêng cho từng người)",
    imp_passwords_csv: "Tải danh sách mật khẩu (CSV)", imp_pick_file: "Hãy chọn tệp.",
  },
  en: {
    imp_title: "Import units and accounts from a file",
    imp_explain: "An Excel file (.xlsx) with a sheet “Đơn vị” (unit name, code, level, parent unit) and a sheet “Tài khoản” (username, full name, position, role, unit, email, password), or a CSV file. An empty password gets a generated one. The file is checked first; it is imported only when every row is right, all at once.",
    imp_template: "Download the template", imp_file: "File", imp_check: "Check the file", imp_run: "Import ({units} units, {accounts} accounts)",
    imp_ok: "The file is valid: {units} units and {accounts} accounts will be added.", imp_bad: "{n} rows have problems; fix the file and check again. Nothing was imported.",
    imp_col_row: "Row", imp_col_kind: "Kind", imp_col_what: "Name", imp_col_problem: "Result of the check",
    imp_kind_unit: "Unit", imp_kind_account: "Account", imp_row_ok: "Valid",
    imp_done: "Imported {units} units and {accounts} accounts.", imp_passwords: "Generated passwords (shown only once: download them and hand each to its owner)",
    imp_passwords_csv: "Download the passwords (CSV)", imp_pick_file: "Choose a file.",
  },
});

function upload(file, dryRun) {
  const body = new FormData();
  body.append("file", file, file.name);
  return post(`/api/import/accounts?dry_run=${dryRun}`, body);
}

function reportTable(report) {
  return h("div", { class: "table-scroll" }, h("table", { class: "import-table", id: "import-table" },
    h("thead", {}, h("tr", {}, ["imp_col_row", "imp_col_kind", "imp_col_what", "imp_col_problem"].map((k) => h("th", {}, t(k))))),
    h("tbody", {}, report.lines.map((line) => h("tr", { dataset: { row: line.row, ok: String(!line.problems.length) } },
      h("td", { "data-label": t("imp_col_row") }, `${line.sheet} · ${line.row}`),
      h("td", { "data-label": t("imp_col_kind") }, t(`imp_kind_${line.kind}`)),
      h("td", { "data-label": t("imp_col_what") }, line.label),
      h("td", { "data-label": t("imp_col_problem"), class: line.problems.length ? "error" : "ok" },
        line.problems.length ? line.problems.map((p) => h("div", {}, p.message)) : t("imp_row_ok")))))));
}

function passwordList(passwords) {
  const text = "\ufeffTên đăng nhập,Mật khẩu\n" + passwords.map((p) => `${p.username},${p.password}`).join("\n") + "\n";
  const link = h("a", { class: "button ghost", id: "import-passwords-csv", download: "mat-khau-tai-khoan-moi.csv",
    href: URL.createObjectURL(new Blob([text], { type: "text/csv" })) }, t("imp_passwords_csv"));
  return h("div", { id: "import-passwords" }, h("h3", {}, t("imp_passwords")),
    h("table", { class: "import-table" }, h("tbody", {}, passwords.map((p) =>
      h("tr", {}, h("td", {}, p.username), h("td", { class: "mono" }, p.password))))), link);
}

/** The card on the administration screen; `refresh` redraws the tree and the accounts. */
export function importCard(refresh) {
  const file = h("input", { type: "file", id: "import-file", accept: ".xlsx,.csv,text/csv" });
  const check = h("button", { type: "button", id: "import-check" }, t("imp_check"));
  const result = h("div", { id: "import-result", "aria-live": "polite" });
  const problem = (message) => result.replaceChildren(h("p", { class: "notice bad", id: "import-summary", role: "alert", dataset: { ok: "false" } }, message));
  file.addEventListener("change", () => result.replaceChildren());
  check.addEventListener("click", () => attempt(async () => {
    // What an earlier file said must not stand under this one.
    result.replaceChildren();
    const chosen = file.files?.[0];
    if (!chosen) { problem(t("imp_pick_file")); return; }
    let report;
    try {
      report = await upload(chosen, true);
    } catch (err) {
      problem(err.message || String(err));
      return;
    }
    const bad = report.lines.filter((l) => l.problems.length).length;
    const summary = h("p", { class: report.ok ? "notice good" : "notice bad", id: "import-summary", dataset: { ok: String(report.ok) } },
      report.ok ? t("imp_ok", { units: report.units, accounts: report.accounts }) : t("imp_bad", { n: bad }));
    const run = h("button", { type: "button", id: "import-run" }, t("imp_run", { units: report.units, accounts: report.accounts }));
    run.addEventListener("click", () => attempt(async () => {
      let done;
      try {
        done = await upload(chosen, false);
      } catch (err) {
        problem(err.message || String(err));
        return;
      }
      result.replaceChildren(h("p", { class: "notice good", id: "import-summary", dataset: { done: "true" } },
        t("imp_done", { units: done.units, accounts: done.accounts })),
      ...(done.passwords.length ? [passwordList(done.passwords)] : []));
      file.value = "";
      refresh();
    }, run));
    result.replaceChildren(...[summary, report.ok ? run : null, reportTable(report)].filter(Boolean));
  }, check));
  return h("div", { class: "card", id: "import-card" }, h("h2", {}, t("imp_title")), h("p", { class: "muted" }, t("imp_explain")),
    h("div", { class: "row" }, h("label", { for: "import-file" }, t("imp_file")), file, check,
      h("a", { class: "button ghost", href: "/api/import/template.xlsx", download: "", id: "import-template" }, t("imp_template"))),
    result);
}
