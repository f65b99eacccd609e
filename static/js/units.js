// How units are listed in pickers: grouped the way the office thinks of them (the
// departments, the provincial committee, the districts, the communes), each group in tree
// order, so "Sở Tài chính" is found among the sở and a commune under its district.
import { extend, t } from "./i18n.js";

extend({
  vi: {
    unit_group_department: "Sở, ban, ngành", unit_group_province: "UBND tỉnh",
    unit_group_district: "Cấp huyện", unit_group_commune: "Cấp xã",
    unit_group_village: "Thôn, tổ dân phố", unit_group_other: "Đơn vị khác",
  },
  en: {
    unit_group_department: "Departments", unit_group_province: "Provincial People's Committee",
    unit_group_district: "Districts", unit_group_commune: "Communes",
    unit_group_village: "Villages and residential groups", unit_group_other: "Other units",
  },
});

// The order of the groups: the departments first, as most items are theirs to present
// and most tasks theirs to carry out; then the committees from the province down.
export const GROUP_ORDER = ["department", "province", "district", "commune", "village"];

/** The units depth first (a parent, then its children in list order); orphans at the end. */
export function inTreeOrder(units) {
  const ids = new Set(units.map((u) => u.id));
  const children = new Map();
  for (const unit of units) {
    const parent = ids.has(unit.parent_id) ? unit.parent_id : null;
    if (!children.has(parent)) children.set(parent, []);
    children.get(parent).push(unit);
  }
  const ordered = [];
  const seen = new Set();
  const visit = (unit) => {
    if (seen.has(unit.id)) return;
    seen.add(unit.id);
    ordered.push(unit);
    for (const child of children.get(unit.id) || []) visit(child);
  };
  for (const root of children.get(null) || []) visit(root);
  // A cycle has no root to start from: its units still appear, after the rest.
  for (const unit of units) visit(unit);
  return ordered;
}

/**
 * The units grouped by kind for a picker: [{kind, label, units}], groups in GROUP_ORDER
 * (unknown kinds last, together), units in tree order, empty groups left out.
 * `omit` names kinds to leave out (e.g. ["department"]).
 */
export function unitGroups(units, { omit = [] } = {}) {
  const groups = new Map();
  for (const unit of inTreeOrder(units || [])) {
    if (omit.includes(unit.kind)) continue;
    const kind = GROUP_ORDER.includes(unit.kind) ? unit.kind : "other";
    if (!groups.has(kind)) groups.set(kind, []);
    groups.get(kind).push(unit);
  }
  return [...GROUP_ORDER, "other"].filter((kind) => groups.has(kind))
    .map((kind) => ({ kind, label: t(`unit_group_${kind}`), units: groups.get(kind) }));
}
