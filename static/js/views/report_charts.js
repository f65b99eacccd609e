// The statistics' charts, drawn by Chart.js (installed from npm at set-up and served from
// this server, loaded only when a report is first shown). Each chart has its table
// beside it, so the figures stay readable without the picture.
import { formatDecimal, formatMonth } from "../format.js";
import { t } from "../i18n.js";

const SOURCE = "/static/node_modules/chart.js/dist/chart.umd.min.js";
const COLORS = { held: "#1d4ed8", hours: "#93c5fd", present: "#15803d", excused: "#d97706", substitute: "#2563eb",
  absent: "#b91c1c", on_time: "#15803d", late: "#d97706", overdue: "#b91c1c", in_progress: "#94a3b8" };
let library = null;
const drawn = [];

/** Chart.js, loaded once (its UMD build sets globalThis.Chart). */
async function chartJs() {
  if (!library) {
    await import(SOURCE);
    library = globalThis.Chart;
  }
  return library;
}

/** A unit's name short enough for the axis of a narrow chart (the table has it whole). */
function short(name, width) {
  const most = width < 500 ? 18 : 34;
  return name.length > most ? `${name.slice(0, most - 1)}…` : name;
}

function options(Chart, { stacked = false, horizontal = false } = {}) {
  return {
    layout: { padding: { left: 6, right: 6 } },
    // No animation: tablets on battery, and a screenshot shows the real figures at once.
    animation: false, responsive: true, maintainAspectRatio: false,
    indexAxis: horizontal ? "y" : "x",
    locale: "vi-VN",
    plugins: { legend: { position: "bottom" },
      tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${formatDecimal(c.parsed[horizontal ? "x" : "y"])}` } } },
    scales: { x: { stacked, beginAtZero: true, ticks: { precision: 0 } }, y: { stacked, beginAtZero: true, ticks: { precision: 0 } } },
  };
}

function series(rows, keys) {
  return keys.map(([key, label]) => ({ label: t(label), data: rows.map((r) => r[key]), backgroundColor: COLORS[key.replace("done_", "")] }));
}

/** Draws the three charts into the canvases under `root` for `report`. */
export async function drawCharts(root, report) {
  const Chart = await chartJs();
  while (drawn.length) drawn.pop().destroy();
  // A horizontal bar per unit: the box grows with the units so no label is squeezed out.
  const canvas = (id, bars = 0) => {
    const found = root.querySelector(`#${id}`);
    if (found && bars) found.parentElement.style.height = `${Math.max(220, 34 * bars + 90)}px`;
    return found;
  };
  const draw = (found, config) => { if (found) drawn.push(new Chart(found, config)); };
  const width = root.clientWidth;
  const months = report.meetings.by_month;
  draw(canvas("chart-by-month"), {
    type: "bar",
    data: { labels: months.map((m) => formatMonth(m.month)),
      datasets: [{ label: t("series_held"), data: months.map((m) => m.held), backgroundColor: COLORS.held },
        { label: t("series_hours"), data: months.map((m) => Math.round(m.minutes / 6) / 10), backgroundColor: COLORS.hours }] },
    options: options(Chart),
  });
  const units = report.attendance.by_unit;
  draw(canvas("chart-attendance", units.length), {
    type: "bar",
    data: { labels: units.map((u) => short(u.unit || "—", width)),
      datasets: series(units, [["present", "series_present"], ["excused", "series_excused"],
        ["substitute", "series_substitute"], ["absent", "series_absent"]]) },
    options: options(Chart, { stacked: true, horizontal: true }),
  });
  const tasks = report.tasks.by_unit;
  draw(canvas("chart-tasks", tasks.length), {
    type: "bar",
    data: { labels: tasks.map((u) => short(u.unit || "—", width)),
      datasets: series(tasks, [["done_on_time", "series_on_time"], ["done_late", "series_late"],
        ["overdue", "series_overdue"], ["in_progress", "series_in_progress"]]) },
    options: options(Chart, { stacked: true, horizontal: true }),
  });
  return drawn.length;
}
