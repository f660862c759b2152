import type { Incident } from "../api/types";
import { toLatLng } from "./geo";
import { kstHourKey } from "./time";

export interface IncidentFilter {
  route: string; // "" = all (matches roadNM)
  type: string; // "" = all
  direction: string; // "" = all
  query: string;
}

export const EMPTY_FILTER: IncidentFilter = { route: "", type: "", direction: "", query: "" };

export function incidentLatLng(i: Incident): [number, number] | null {
  return toLatLng(i.latitude, i.altitude);
}

export function filterIncidents(list: readonly Incident[], f: IncidentFilter): Incident[] {
  const q = f.query.trim().toLowerCase();
  return list.filter((i) => {
    if (f.route && (i.roadNM ?? "").trim() !== f.route) return false;
    if (f.type && (i.accType ?? "").trim() !== f.type) return false;
    if (f.direction && (i.direction ?? "").trim() !== f.direction) return false;
    if (q) {
      const hay =
        `${i.accPointNM ?? ""} ${i.smsText ?? ""} ${i.roadNM ?? ""} ${i.accType ?? ""} ${i.direction ?? ""}`.toLowerCase();
      if (!hay.includes(q)) return false;
    }
    return true;
  });
}

export function distinctValues(list: readonly Incident[], pick: (i: Incident) => string | null | undefined): string[] {
  const s = new Set<string>();
  for (const i of list) {
    const v = (pick(i) ?? "").trim();
    if (v) s.add(v);
  }
  return [...s].sort((a, b) => a.localeCompare(b, "ko"));
}

export function incidentTime(i: Incident): string {
  return i.occurredAt || i.createdAt;
}

export interface HourBucket {
  hour: string; // "2026-11-27T13" (KST)
  counts: Record<string, number>;
  total: number;
}

/** Count incidents by type per KST hour of occurredAt (createdAt when absent), oldest first. */
export function bucketByHour(list: readonly Incident[]): HourBucket[] {
  const m = new Map<string, HourBucket>();
  for (const i of list) {
    const key = kstHourKey(incidentTime(i));
    if (!key) continue;
    let b = m.get(key);
    if (!b) {
      b = { hour: key, counts: {}, total: 0 };
      m.set(key, b);
    }
    const t = (i.accType ?? "").trim() || "기타";
    b.counts[t] = (b.counts[t] ?? 0) + 1;
    b.total += 1;
  }
  return [...m.values()].sort((a, b) => a.hour.localeCompare(b.hour));
}
