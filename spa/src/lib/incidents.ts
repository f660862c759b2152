import type { Incident } from "../api/types";
import { toLatLng } from "./geo";
import { kstHourKey } from "./time";

export interface IncidentFilter {
  route: string; // "" = all (matches roadNM)
  type: string; // "" = all
  direction: string; // "" = all
  state: "" | IncidentState; // "" = both
  query: string;
}

export const EMPTY_FILTER: IncidentFilter = { route: "", type: "", direction: "", state: "", query: "" };

export function incidentLatLng(i: Incident): [number, number] | null {
  return toLatLng(i.latitude, i.altitude);
}

export function filterIncidents(list: readonly Incident[], f: IncidentFilter): Incident[] {
  const q = f.query.trim().toLowerCase();
  return list.filter((i) => {
    if (f.route && (i.roadNM ?? "").trim() !== f.route) return false;
    if (f.type && (i.accType ?? "").trim() !== f.type) return false;
    if (f.direction && (i.direction ?? "").trim() !== f.direction) return false;
    if (f.state && incidentState(i) !== f.state) return false;
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

export type IncidentState = "active" | "cleared";

/** Active or cleared, as the server says (`active`, `clearedAt`). */
export function incidentState(i: Incident): IncidentState {
  return i.active === false || i.clearedAt ? "cleared" : "active";
}

/** The lane numbers (1..6) KEC flags as blocked in "NNYNNN". */
export function blockedLanes(flags: string | null | undefined): number[] {
  const out: number[] = [];
  const s = flags ?? "";
  for (let n = 0; n < s.length && n < 6; n++) if (s[n] === "Y" || s[n] === "y") out.push(n + 1);
  return out;
}

/** The queue length worth showing (km), or null for none or 0. */
export function queueKm(i: Incident): number | null {
  const v = i.lateLengthKm;
  return typeof v === "number" && Number.isFinite(v) && v > 0 ? v : null;
}

/** KEC's progress as recorded: "진행 (1)", the name alone, the code alone, or "". */
export function progressLabel(code: string | null | undefined, name: string | null | undefined): string {
  const c = (code ?? "").trim();
  const n = (name ?? "").trim();
  if (n && c) return `${n} (${c})`;
  return n || c;
}

/** A notice's text without KEC's "** … **" wrapping. */
export function noticeText(text: string | null | undefined): string {
  const t = (text ?? "").trim();
  const m = /^\*\*\s*([\s\S]*?)\s*\*\*$/.exec(t);
  return m?.[1] || t;
}
