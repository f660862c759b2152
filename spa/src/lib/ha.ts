// HA state snapshots and the timeline events derived from their differences.
import type { HaStatus } from "../api/types";

export const MEMBERS = ["member1", "member2"] as const;
export const SERVICES = ["proxy", "processor", "data-api", "gateway", "collector"] as const;

export interface HaSnapshot {
  leaderMember: string | null;
  leaderHolder: string | null;
  epoch: number | null;
  sourceActive: string | null;
  sourceMode: string | null;
  /** "member1/collector" -> alive */
  services: Record<string, boolean>;
  /** the last leader put on the timeline, "member#epoch" (kept through leaderless gaps) */
  announced?: string | null;
}

export type HaEventKind = "initial" | "leader" | "member-down" | "member-up" | "member-partial" | "source";

export interface HaEvent {
  id: string;
  at: number; // epoch ms (client clock when observed)
  kind: HaEventKind;
  member?: string;
  text: string; // language-neutral detail ("member2 epoch 3", "sim → real")
}

export function snapshotFromStatus(s: HaStatus): HaSnapshot {
  const services: Record<string, boolean> = {};
  for (const m of s.members ?? []) {
    for (const sv of m.services ?? []) services[`${m.member}/${sv.service}`] = !!sv.alive;
  }
  return {
    leaderMember: s.leader?.member ?? memberOf(s.leader?.holder),
    leaderHolder: s.leader?.holder ?? null,
    epoch: s.leader?.epoch ?? null,
    sourceActive: s.source?.active ?? null,
    sourceMode: s.source?.mode ?? null,
    services,
  };
}

export function memberOf(holder: string | null | undefined): string | null {
  if (!holder) return null;
  const i = holder.indexOf("/");
  return i > 0 ? holder.slice(0, i) : holder;
}

/** Apply the alive/down lists of a `members` or `hello` event to a snapshot. */
export function applyMembers(prev: HaSnapshot, alive: readonly string[], down: readonly string[]): HaSnapshot {
  const services = { ...prev.services };
  for (const k of alive) services[k] = true;
  for (const k of down) services[k] = false;
  return { ...prev, services };
}

export function memberServices(snap: HaSnapshot, member: string): { alive: number; total: number } {
  let alive = 0;
  let total = 0;
  for (const [k, v] of Object.entries(snap.services)) {
    if (k.startsWith(`${member}/`)) {
      total += 1;
      if (v) alive += 1;
    }
  }
  return { alive, total };
}

export type MemberHealth = "alive" | "partial" | "down" | "unknown";

export function memberHealth(snap: HaSnapshot, member: string): MemberHealth {
  const { alive, total } = memberServices(snap, member);
  if (total === 0) return "unknown";
  if (alive === total) return "alive";
  if (alive === 0) return "down";
  return "partial";
}

let seq = 0;
function ev(at: number, kind: HaEventKind, text: string, member?: string): HaEvent {
  seq += 1;
  return { id: `${at}-${seq}`, at, kind, text, member };
}

export function leaderKey(s: HaSnapshot): string | null {
  return s.leaderMember ? `${s.leaderMember}#${s.epoch ?? -1}` : null;
}
function epochOf(key: string | null): number {
  if (!key) return -Infinity;
  const n = Number(key.slice(key.lastIndexOf("#") + 1));
  return Number.isFinite(n) ? n : -1;
}
function leaderText(key: string): string {
  const i = key.lastIndexOf("#");
  const e = key.slice(i + 1);
  return `${key.slice(0, i)} (epoch ${e === "-1" ? "?" : e})`;
}

/**
 * Move from prev to next: the timeline events, and next carrying the last announced leader, so a
 * leaderless gap (lease expired, not yet taken) or a stale answer with a lower epoch adds nothing.
 */
export function advance(
  prev: HaSnapshot | null,
  next: HaSnapshot,
  at: number,
): { snapshot: HaSnapshot; events: HaEvent[] } {
  const events = diffSnapshots(prev, next, at);
  const prevKey = prev ? (prev.announced ?? leaderKey(prev)) : null;
  const nextKey = leaderKey(next);
  const announced = nextKey !== null && epochOf(nextKey) >= epochOf(prevKey) ? nextKey : prevKey;
  return { snapshot: { ...next, announced }, events };
}

/** The state first observed, as one timeline entry. */
export function initialEvent(snap: HaSnapshot, at: number): HaEvent {
  const members = [...new Set(Object.keys(snap.services).map((k) => k.split("/")[0]))].sort();
  const parts = [
    `leader ${snap.leaderMember ?? "—"} (epoch ${snap.epoch ?? "?"})`,
    ...members.map((m) => {
      const { alive, total } = memberServices(snap, m);
      return `${m} ${alive}/${total}`;
    }),
    `source ${snap.sourceActive ?? "—"}`,
  ];
  return ev(at, "initial", parts.join(" · "));
}

/** Events for what changed from prev to next (prev null = first snapshot: one "initial" entry). */
export function diffSnapshots(prev: HaSnapshot | null, next: HaSnapshot, at: number): HaEvent[] {
  if (!prev) return [initialEvent(next, at)];
  const out: HaEvent[] = [];
  const prevKey = prev.announced ?? leaderKey(prev);
  const nextKey = leaderKey(next);
  if (nextKey !== null && nextKey !== prevKey && epochOf(nextKey) >= epochOf(prevKey)) {
    const from = prevKey ? leaderText(prevKey) : "—";
    out.push(ev(at, "leader", `${from} → ${leaderText(nextKey)}`, next.leaderMember ?? undefined));
  }
  const members = new Set<string>();
  for (const k of [...Object.keys(prev.services), ...Object.keys(next.services)]) {
    const m = k.split("/")[0];
    if (m) members.add(m);
  }
  for (const m of [...members].sort()) {
    const a = memberHealth(prev, m);
    const b = memberHealth(next, m);
    if (a === b || b === "unknown") continue;
    const { alive, total } = memberServices(next, m);
    const downList = Object.entries(next.services)
      .filter(([k, v]) => k.startsWith(`${m}/`) && !v)
      .map(([k]) => k.slice(m.length + 1))
      .sort();
    const detail = `${m} ${alive}/${total}${downList.length ? ` (↓ ${downList.join(", ")})` : ""}`;
    const kind: HaEventKind = b === "alive" ? "member-up" : b === "down" ? "member-down" : "member-partial";
    out.push(ev(at, kind, detail, m));
  }
  if (next.sourceActive !== null && prev.sourceActive !== null && next.sourceActive !== prev.sourceActive) {
    out.push(
      ev(
        at,
        "source",
        `${prev.sourceActive} → ${next.sourceActive}${next.sourceMode ? ` (mode ${next.sourceMode})` : ""}`,
      ),
    );
  }
  return out;
}

export const TIMELINE_MAX = 100;

/** Prepend new events (newest first), bounded. */
export function pushEvents(timeline: readonly HaEvent[], events: readonly HaEvent[]): HaEvent[] {
  if (events.length === 0) return timeline as HaEvent[];
  return [...events.slice().reverse(), ...timeline].slice(0, TIMELINE_MAX);
}
