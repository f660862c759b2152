import type { Incident, RouteSummary, Tollgate } from "../api/types";

export interface Kpis {
  activeIncidents: number;
  tollgatesReporting: number;
  routes: number;
  /** mean of the routes' avgSpeed weighted by their section counts; null when no routes */
  avgSpeed: number | null;
  /** % of sections graded 원활 over all graded sections; null when none */
  smoothPct: number | null;
  totalSections: number;
}

/** Cleared, as the server says: the latest poll left it out or saw a closing progress. */
export function isCleared(i: Incident): boolean {
  return i.active === false || Boolean(i.clearedAt);
}

export function computeKpis(
  incidents: readonly Incident[] | null | undefined,
  tollgates: readonly Tollgate[] | null | undefined,
  summary: readonly RouteSummary[] | null | undefined,
): Kpis {
  const activeIncidents = (incidents ?? []).filter((i) => !isCleared(i)).length;
  const tollgatesReporting = (tollgates ?? []).filter(
    (t) => typeof t.latestTrafficAmount === "number" && Number.isFinite(t.latestTrafficAmount),
  ).length;
  const routes = (summary ?? []).length;
  let speedSum = 0;
  let speedWeight = 0;
  let smooth = 0;
  let total = 0;
  for (const r of summary ?? []) {
    const n = r.totalSections || 0;
    if (r.avgSpeed !== null && Number.isFinite(r.avgSpeed) && n > 0) {
      speedSum += r.avgSpeed * n;
      speedWeight += n;
    }
    smooth += r.smoothSections || 0;
    total += n;
  }
  return {
    activeIncidents,
    tollgatesReporting,
    routes,
    avgSpeed: speedWeight > 0 ? speedSum / speedWeight : null,
    smoothPct: total > 0 ? (smooth / total) * 100 : null,
    totalSections: total,
  };
}

export function countByType(incidents: readonly Incident[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const i of incidents) {
    const t = (i.accType ?? "").trim() || "기타";
    m.set(t, (m.get(t) ?? 0) + 1);
  }
  return m;
}

export function busiestTollgates(tollgates: readonly Tollgate[], n: number): Tollgate[] {
  return tollgates
    .filter((t) => typeof t.latestTrafficAmount === "number")
    .slice()
    .sort((a, b) => (b.latestTrafficAmount ?? 0) - (a.latestTrafficAmount ?? 0) || a.unitName.localeCompare(b.unitName))
    .slice(0, n);
}
