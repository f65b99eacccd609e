// Statistics for a period and a unit (administrators, secretaries, chairs): headline
// figures, charts of meetings by month, attendance and tasks by unit, the tables behind
// them, and the same figures as an Excel workbook or a Decree 30 report in PDF.
import { get } from "../api.js";
import { dayField, dayText } from "../dates.js";
import { formatDecimal, formatMonth } from "../format.js";
import { extend, t } from "../i18n.js";
import { hasRole, session } from "../session.js";
import { inTreeOrder } from "../units.js";
import { attempt, h, mount, refuseField } from "../ui.js";
import { drawCharts } from "./report_charts.js";

extend({
  vi: {
    nav_reports: "Báo cáo", reports_title: "Báo cáo thống kê",
    reports_intro: "Số liệu các cuộc họp của đơn vị và các đơn vị trực thuộc trong kỳ: họp, tham dự, tài liệu, biểu quyết, thông báo kết luận và nhiệm vụ.",
    reports_not_allowed: "Chỉ quản trị viên, thư ký và lãnh đạo chủ trì xem được báo cáo thống kê.",
    reports_period: "Kỳ báo cáo", reports_quarter: "Quý {q}/{y}", reports_year: "Năm {y}", reports_month: "Tháng {m}/{y}",
    reports_custom: "Tùy chọn ngày…", reports_since: "Từ ngày", reports_until: "Đến ngày", reports_unit: "Đơn vị",
    reports_all_units: "Mọi đơn vị", reports_show: "Xem báo cáo", reports_xlsx: "Tải Excel", reports_pdf: "Tải PDF (báo cáo theo NĐ 30)",
    reports_bad_day: "Ngày không có thật hoặc không theo dạng dd/mm/yyyy.", reports_need_day: "Hãy nhập ngày.", reports_bad_range: "“Đến ngày” phải từ “Từ ngày” trở về sau.",
    reports_heading: "{period} · số liệu đến ngày {day}", reports_period_text: "Từ {since} đến {until}",
    kpi_held: "Cuộc họp đã tổ chức", kpi_held_sub: "{planned} đã lên lịch, chưa họp · {cancelled} bị hủy", kpi_in_session: "{n} đang họp",
    kpi_length: "Thời gian họp trung bình", kpi_length_sub: "Tổng {hours} giờ ({n} cuộc có ghi giờ)", kpi_minutes: "{n} phút",
    kpi_attendance: "Tỷ lệ có mặt", kpi_attendance_sub: "{present}/{invited} lượt · {excused} vắng có báo cáo · {absent} không báo cáo",
    kpi_paper: "Giấy tiết kiệm", kpi_paper_sub: "{sheets} tờ A4 · {documents} tài liệu, {pages} trang", kpi_reams: "{n} ram", kpi_sheets: "{n} tờ",
    kpi_questions: "Câu hỏi, ý kiến", kpi_questions_sub: "{answered} đã trả lời · {speeches} lượt phát biểu",
    kpi_votes: "Biểu quyết", kpi_votes_sub: "{passed} thông qua · tham gia {turnout}",
    kpi_conclusions: "Kết luận đúng hạn", kpi_conclusions_sub: "{on_time} đúng hạn · {late} trễ · {overdue} quá hạn chưa ban hành",
    kpi_tasks: "Nhiệm vụ đúng hạn", kpi_tasks_sub: "{total} đến hạn · {late} trễ · {overdue} quá hạn",
    chart_by_month: "Cuộc họp theo tháng", chart_attendance: "Tham dự theo đơn vị", chart_tasks: "Nhiệm vụ theo đơn vị thực hiện",
    series_held: "Số cuộc họp", series_hours: "Giờ họp", series_present: "Có mặt", series_excused: "Vắng có báo cáo",
    series_substitute: "Dự thay", series_absent: "Vắng không báo cáo", series_on_time: "Đúng hạn", series_late: "Trễ hạn",
    series_overdue: "Quá hạn", series_in_progress: "Đang thực hiện",
    reports_members: "Tham dự theo đại biểu ({n})", reports_no_data: "Không có số liệu trong kỳ này.",
    col_unit: "Đơn vị", col_name: "Họ và tên", col_invited: "Lượt mời", col_present: "Có mặt", col_excused: "Vắng có báo cáo",
    col_substitute: "Dự thay", col_absent: "Vắng không báo cáo", col_rate: "Tỷ lệ", col_month: "Tháng", col_held: "Cuộc họp",
    col_hours: "Giờ họp", col_total: "Đến hạn", col_on_time: "Đúng hạn", col_late: "Trễ", col_overdue: "Quá hạn", col_in_progress: "Đang làm",
    reports_paper_note: "Ước tính: mỗi tài liệu in một bản cho mỗi đại biểu được mời (tài liệu mật: cho mỗi người được đọc), in hai mặt, 500 tờ một ram.",
  },
  en: {
    nav_reports: "Reports", reports_title: "Statistics",
    reports_intro: "Figures for the meetings of your unit and the units below it in a period: meetings, attendance, documents, votes, conclusion notices and tasks.",
    reports_not_allowed: "Only administrators, secretaries and chairs can see statistics.",
    reports_period: "Period", reports_quarter: "Q{q} {y}", reports_year: "Year {y}", reports_month: "{m}/{y}",
    reports_custom: "Choose days…", reports_since: "From", reports_until: "To", reports_unit: "Unit",
    reports_all_units: "All units", reports_show: "Show report", reports_xlsx: "Download Excel", reports_pdf: "Download PDF (Decree 30 report)",
    reports_bad_day: "This date does not exist or is not written dd/mm/yyyy.", reports_need_day: "Enter a date.", reports_bad_range: "“To” must not be before “From”.",
    reports_heading: "{period} · figures as of {day}", reports_period_text: "From {since} to {until}",
    kpi_held: "Meetings held", kpi_held_sub: "{planned} scheduled, not yet held · {cancelled} cancelled", kpi_in_session: "{n} in session",
    kpi_length: "Average length", kpi_length_sub: "{hours} hours in all ({n} with times recorded)", kpi_minutes: "{n} min",
    kpi_attendance: "Attendance", kpi_attendance_sub: "{present}/{invited} · {excused} excused · {absent} absent without notice",
    kpi_paper: "Paper saved", kpi_paper_sub: "{sheets} A4 sheets · {documents} documents, {pages} pages", kpi_reams: "{n} reams", kpi_sheets: "{n} sheets",
    kpi_questions: "Questions, opinions", kpi_questions_sub: "{answered} answered · {speeches} speeches",
    kpi_votes: "Votes", kpi_votes_sub: "{passed} passed · turnout {turnout}",
    kpi_conclusions: "Conclusions on time", kpi_conclusions_sub: "{on_time} on time · {late} late · {overdue} overdue",
    kpi_tasks: "Tasks on time", kpi_tasks_sub: "{total} due · {late} late · {overdue} overdue",
    chart_by_month: "Meetings by month", chart_attendance: "Attendance by unit", chart_tasks: "Tasks by responsible unit",
    series_held: "Meetings", series_hours: "Hours", series_present: "Present", series_excused: "Excused",
    series_substitute: "Substitute", series_absent: "Absent without notice", series_on_time: "On time", series_late: "Late",
    series_overdue: "Overdue", series_in_progress: "In progress",
    reports_members: "Attendance by member ({n})", reports_no_data: "No figures in this period.",
    col_unit: "Unit", col_name: "Name", col_invited: "Invited", col_present: "Present", col_excused: "Excused",
    col_substitute: "Substitute", col_absent: "Absent", col_rate: "Rate", col_month: "Month", col_held: "Meetings",
    col_hours: "Hours", col_total: "Due", col_on_time: "On time", col_late: "Late", col_overdue: "Overdue", col_in_progress: "In progress",
    reports_paper_note: "Estimate: one copy of each document per invited member (restricted documents: per reader), printed on both sides, 500 sheets a ream.",
  },
});

const NBSP = "\u00a0";
/** A percentage the server counted, or a dash when there was nothing to count. */
const share = (value) => (value === null || value === undefined ? "—" : `${formatDecimal(value)}${NBSP}%`);

function iso(date) {
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, "0")}-${String(date.getDate()).padStart(2, "0")}`;
}

/** The periods offered: this and the last four quarters, this and last year, this and last month. */
export function periodChoices(today = new Date()) {
  const y = today.getFullYear();
  const choices = [];
  let q = Math.floor(today.getMonth() / 3);
  let year = y;
  for (let i = 0; i < 5; i += 1) {
    choices.push({ label: t("reports_quarter", { q: ["I", "II", "III", "IV"][q], y: year }),
      since: iso(new Date(year, q * 3, 1)), until: iso(new Date(year, q * 3 + 3, 0)) });
    q -= 1;
    if (q < 0) { q = 3; year -= 1; }
  }
  for (const m of [today.getMonth(), today.getMonth() - 1, today.getMonth() - 2]) {
    const first = new Date(y, m, 1);
    choices.push({ label: t("reports_month", { m: first.getMonth() + 1, y: first.getFullYear() }),
      since: iso(first), until: iso(new Date(first.getFullYear(), first.getMonth() + 1, 0)) });
  }
  for (const year2 of [y, y - 1]) {
    choices.push({ label: t("reports_year", { y: year2 }), since: `${year2}-01-01`, until: `${year2}-12-31` });
  }
  return choices;
}

/** The units this user may report on (all for an administrator, else their own subtree),
 * in tree order, each with its depth below the first shown, for indenting. */
function reportableUnits(units) {
  const ordered = inTreeOrder(units);
  const depth = new Map();
  for (const unit of ordered) depth.set(unit.id, depth.has(unit.parent_id) ? depth.get(unit.parent_id) + 1 : 0);
  let shown = ordered;
  if (!hasRole("admin")) {
    const own = new Set([session.user.unit_id]);
    for (const unit of ordered) if (own.has(unit.parent_id)) own.add(unit.id);
    shown = ordered.filter((u) => own.has(u.id));
  }
  const top = Math.min(...shown.map((u) => depth.get(u.id)));
  return shown.map((u) => ({ ...u, depth: depth.get(u.id) - top }));
}

function kpi(id, label, value, sub) {
  return h("div", { class: "kpi", dataset: { kpi: id } }, h("div", { class: "kpi-label" }, label),
    h("div", { class: "kpi-value" }, value), h("div", { class: "kpi-sub muted" }, sub));
}

function tiles(r) {
  const m = r.meetings; const a = r.attendance; const d = r.documents; const c = r.conclusions; const tk = r.tasks;
  return h("div", { class: "kpis", id: "report-kpis" },
    kpi("held", t("kpi_held"), formatDecimal(m.held), [t("kpi_held_sub", { planned: formatDecimal(m.planned), cancelled: formatDecimal(m.cancelled) }),
      m.in_session ? ` · ${t("kpi_in_session", { n: formatDecimal(m.in_session) })}` : ""].join("")),
    kpi("length", t("kpi_length"), m.average_minutes === null ? "—" : t("kpi_minutes", { n: formatDecimal(m.average_minutes) }),
      t("kpi_length_sub", { hours: formatDecimal(m.total_minutes / 60), n: formatDecimal(m.measured) })),
    kpi("attendance", t("kpi_attendance"), share(a.rate),
      t("kpi_attendance_sub", { present: formatDecimal(a.present), invited: formatDecimal(a.invited), excused: formatDecimal(a.excused), absent: formatDecimal(a.absent) })),
    // Under a ream, the sheets themselves: "0 ram" would read as nothing saved.
    kpi("paper", t("kpi_paper"), d.sheets >= 500 ? t("kpi_reams", { n: formatDecimal(d.reams) }) : t("kpi_sheets", { n: formatDecimal(d.sheets) }),
      t("kpi_paper_sub", { sheets: formatDecimal(d.sheets), documents: formatDecimal(d.documents), pages: formatDecimal(d.pages) })),
    kpi("questions", t("kpi_questions"), formatDecimal(r.participation.questions + r.participation.opinions),
      t("kpi_questions_sub", { answered: formatDecimal(r.participation.answered), speeches: formatDecimal(r.participation.speeches) })),
    kpi("votes", t("kpi_votes"), formatDecimal(r.votes.polls), t("kpi_votes_sub", { passed: formatDecimal(r.votes.passed), turnout: share(r.votes.turnout) })),
    kpi("conclusions", t("kpi_conclusions"), share(c.on_time_rate),
      t("kpi_conclusions_sub", { on_time: formatDecimal(c.issued_on_time), late: formatDecimal(c.issued_late), overdue: formatDecimal(c.overdue) })),
    kpi("tasks", t("kpi_tasks"), share(tk.on_time_rate),
      t("kpi_tasks_sub", { total: formatDecimal(tk.total), late: formatDecimal(tk.done_late), overdue: formatDecimal(tk.overdue) })));
}

/** A table with labelled cells (they stack on a phone). */
function table(id, columns, rows) {
  if (!rows.length) return h("p", { class: "muted" }, t("reports_no_data"));
  return h("div", { class: "table-scroll" }, h("table", { class: "report-table", id },
    h("thead", {}, h("tr", {}, columns.map(([key]) => h("th", {}, t(key))))),
    h("tbody", {}, rows.map((row) => h("tr", {}, columns.map(([key, cell]) => h("td", { "data-label": t(key) }, cell(row))))))));
}

/** A chart over its table; with nothing to draw, only the table's "no figures". */
function chartCard(id, title, rows, tableEl) {
  return h("section", { class: "card report-chart" }, h("h2", {}, title),
    rows.length ? h("div", { class: "chart-box" }, h("canvas", { id, role: "img", "aria-label": title })) : null, tableEl);
}

function body(r) {
  const m = r.meetings; const a = r.attendance; const tk = r.tasks;
  const rate = (row) => share(row.rate);
  const attendanceCols = [["col_invited", (x) => formatDecimal(x.invited)], ["col_present", (x) => formatDecimal(x.present)],
    ["col_excused", (x) => formatDecimal(x.excused)], ["col_substitute", (x) => formatDecimal(x.substitute)], ["col_absent", (x) => formatDecimal(x.absent)], ["col_rate", rate]];
  return [
    h("p", { class: "muted", id: "report-heading" }, t("reports_heading", {
      period: t("reports_period_text", { since: dayText(r.period.since), until: dayText(r.period.until) }), day: dayText(r.as_of) })),
    tiles(r),
    h("div", { class: "report-grid" },
      chartCard("chart-by-month", t("chart_by_month"), m.by_month, table("report-months", [["col_month", (x) => formatMonth(x.month)],
        ["col_held", (x) => formatDecimal(x.held)], ["col_hours", (x) => formatDecimal(x.minutes / 60)]], m.by_month)),
      chartCard("chart-attendance", t("chart_attendance"), a.by_unit, table("report-attendance", [["col_unit", (x) => x.unit || "—"], ...attendanceCols], a.by_unit)),
      chartCard("chart-tasks", t("chart_tasks"), tk.by_unit, table("report-tasks", [["col_unit", (x) => x.unit || "—"], ["col_total", (x) => formatDecimal(x.total)],
        ["col_on_time", (x) => formatDecimal(x.done_on_time)], ["col_late", (x) => formatDecimal(x.done_late)], ["col_overdue", (x) => formatDecimal(x.overdue)],
        ["col_in_progress", (x) => formatDecimal(x.in_progress)]], tk.by_unit))),
    h("details", { class: "card", id: "report-members" }, h("summary", {}, t("reports_members", { n: a.by_member.length })),
      table("report-members-table", [["col_name", (x) => x.name], ["col_unit", (x) => x.unit || "—"], ...attendanceCols], a.by_member)),
    h("p", { class: "muted small" }, t("reports_paper_note")),
  ];
}

export async function reportsView() {
  if (!hasRole("admin", "secretary", "chair")) {
    mount(h("h1", {}, t("reports_title")), h("p", { class: "muted" }, t("reports_not_allowed")));
    return null;
  }
  const units = reportableUnits(await get("/api/units").then((u) => u.units).catch(() => []));
  const choices = periodChoices();
  // What the address says (a reload, a shared link), else this quarter and the user's unit.
  const asked = new URLSearchParams(location.search);
  const known = choices.findIndex((c) => c.since === asked.get("since") && c.until === asked.get("until"));
  const period = h("select", { id: "report-period" }, choices.map((c, i) => h("option", { value: i }, c.label)),
    h("option", { value: "custom" }, t("reports_custom")));
  const error = h("p", { class: "error", role: "alert", id: "report-error", hidden: true });
  const since = dayField({ id: "report-since", "aria-describedby": "report-error" });
  const until = dayField({ id: "report-until", "aria-describedby": "report-error" });
  const custom = h("div", { class: "row report-days", hidden: true },
    h("label", {}, t("reports_since"), since), h("label", {}, t("reports_until"), until));
  const unitId = asked.get("unit_id") || (hasRole("admin") ? "" : String(session.user.unit_id));
  const unit = h("select", { id: "report-unit" },
    hasRole("admin") ? h("option", { value: "" }, t("reports_all_units")) : null,
    units.map((u) => h("option", { value: u.id, selected: String(u.id) === unitId },
      `${"\u00a0\u00a0".repeat(u.depth)}${u.name}`)));
  const xlsx = h("a", { class: "button ghost", id: "report-xlsx", href: "/api/reports/statistics.xlsx", download: "" }, t("reports_xlsx"));
  const pdf = h("a", { class: "button ghost", id: "report-pdf", href: "/api/reports/statistics.pdf", download: "" }, t("reports_pdf"));
  const result = h("div", { id: "report-result" });
  if (known >= 0) period.value = String(known);
  else if (asked.get("since") && asked.get("until")) {
    period.value = "custom";
    custom.hidden = false;
    since.value = dayText(asked.get("since"));
    until.value = dayText(asked.get("until"));
  }

  /** The query for what is chosen now, or null (said beside the fields) when it is not one. */
  const wanted = () => {
    error.hidden = true;
    [since, until].forEach((f) => f.removeAttribute("aria-invalid"));
    const refuse = (message, field) => refuseField(error, message, field);
    let range;
    if (period.value === "custom") {
      for (const field of [since, until]) {
        if (!field.value.trim()) return refuse(t("reports_need_day"), field);
        if (!field.read()) return refuse(t("reports_bad_day"), field);
      }
      if (until.read() < since.read()) return refuse(t("reports_bad_range"), until);
      range = { since: since.read(), until: until.read() };
    } else {
      range = choices[Number(period.value)];
    }
    const query = new URLSearchParams({ since: range.since, until: range.until });
    if (unit.value) query.set("unit_id", unit.value);
    return query.toString();
  };
  const show = async () => {
    const query = wanted();
    if (query === null) return;
    history.replaceState(history.state, "", `/reports?${query}`);
    try {
      const report = await get(`/api/reports/statistics?${query}`);
      result.replaceChildren(...body(report));
      await drawCharts(result, report);
    } catch (err) { // said beside the choices, not only in a passing toast
      error.textContent = err.message || String(err);
      error.hidden = false;
    }
  };
  // A download takes what is chosen at the moment of the click, shown or not.
  // The screen follows, so the file and the figures beside it are the same report.
  for (const [link, path] of [[xlsx, "statistics.xlsx"], [pdf, "statistics.pdf"]]) {
    link.addEventListener("click", (e) => {
      const query = wanted();
      if (query === null) {
        e.preventDefault();
        return;
      }
      link.href = `/api/reports/${path}?${query}`;
      if (`?${query}` !== location.search) attempt(show);
    });
  }
  period.addEventListener("change", () => {
    if (period.value === "custom") {
      // Starts from the period shown until now, to be adjusted.
      const shown = new URLSearchParams(location.search);
      if (!since.value && shown.get("since")) since.value = dayText(shown.get("since"));
      if (!until.value && shown.get("until")) until.value = dayText(shown.get("until"));
      custom.hidden = false;
      since.focus();
    } else {
      custom.hidden = true;
      attempt(show);
    }
  });
  unit.addEventListener("change", () => attempt(show));
  const form = h("form", { class: "report-filter", id: "report-filter", novalidate: true },
    h("label", {}, t("reports_period"), period), h("label", {}, t("reports_unit"), unit), custom,
    h("div", { class: "row report-buttons" }, h("button", { type: "submit", id: "report-show" }, t("reports_show")), xlsx, pdf),
    error);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    attempt(show, e.submitter);
  });
  mount(h("h1", {}, t("reports_title")), h("p", { class: "muted" }, t("reports_intro")),
    h("div", { class: "card" }, form), result);
  await attempt(show);
  return null;
}
