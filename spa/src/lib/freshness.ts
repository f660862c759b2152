// The live chip's state: is what the page shows fresh, and are its requests answered?
import type { HaCollection, HaStatus } from "../api/types";
import type { ConnectionState, Resource } from "./live";

/** A kind's data is stale once its last collection is older than this many of its intervals. */
export const STALE_FACTOR = 2;

export interface StaleKind {
  kind: string;
  /** the last collection, epoch ms */
  at: number;
  ageMs: number;
  intervalMs: number;
}

/**
 * The kinds whose last collection is older than STALE_FACTOR × their interval at `serverNow`
 * (the server's clock: the browser's plus the offset from the `Date` header), the worst (age /
 * interval) first. Kinds the API gives no interval or time for are skipped.
 */
export function staleKinds(collections: readonly HaCollection[] | null | undefined, serverNow: number): StaleKind[] {
  const out: StaleKind[] = [];
  for (const c of collections ?? []) {
    const interval = c.intervalSeconds;
    if (typeof interval !== "number" || !(interval > 0)) continue;
    const at = Date.parse(c.at);
    if (Number.isNaN(at)) continue;
    const intervalMs = interval * 1000;
    const ageMs = serverNow - at;
    if (ageMs > STALE_FACTOR * intervalMs) out.push({ kind: c.kind, at, ageMs, intervalMs });
  }
  return out.sort((a, b) => b.ageMs / b.intervalMs - a.ageMs / a.intervalMs);
}

/**
 * The HA status with `kind`'s last collection moved up to `atMs` (a commit's time, from its
 * event id): the commit proves a collection of that kind just landed, so the chip need not wait
 * for the next HA status to know. The same object when nothing moves.
 */
export function noteCommit(ha: HaStatus | null, kind: string, atMs: number): HaStatus | null {
  if (!ha || !Number.isFinite(atMs)) return ha;
  let moved = false;
  const collections = ha.collections.map((c) => {
    if (c.kind !== kind) return c;
    const at = Date.parse(c.at);
    if (!Number.isNaN(at) && at >= atMs) return c;
    moved = true;
    return { ...c, at: new Date(atMs).toISOString() };
  });
  return moved ? { ...ha, collections } : ha;
}

/** loading: nothing answered yet; failing: requests fail; stale: data older than allowed. */
export type Freshness = "loading" | "ok" | "stale" | "failing";

export interface ChipState {
  freshness: Freshness;
  connection: ConnectionState;
  /** the longest run of consecutive failed requests of one resource (0: the last ones answered) */
  failures: number;
  /** the resources whose last request failed, most failures first */
  failing: [Resource, number][];
  stale: StaleKind[];
}

export function chipState({
  connection,
  failures,
  collections,
  serverNow,
  loaded,
}: {
  connection: ConnectionState;
  failures: Partial<Record<Resource, number>>;
  collections: readonly HaCollection[] | null | undefined;
  serverNow: number;
  /** whether any request has answered yet */
  loaded: boolean;
}): ChipState {
  const failing = (Object.entries(failures) as [Resource, number][])
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1]);
  const most = failing.length ? failing[0][1] : 0;
  const stale = staleKinds(collections, serverNow);
  let freshness: Freshness = "ok";
  if (most > 0) freshness = "failing";
  else if (stale.length) freshness = "stale";
  else if (!loaded) freshness = "loading";
  return { freshness, connection, failures: most, failing, stale };
}

/** Offsets below this are the `Date` header's rounding and the request's latency: taken as 0. */
export const CLOCK_SLACK_MS = 2000;

/**
 * How far the server's clock is ahead of the browser's (ms), from a response's `Date` header
 * (whole seconds, so its middle is taken) and the browser time it arrived: 0 within
 * CLOCK_SLACK_MS, null without a usable header.
 */
export function clockOffset(dateHeader: string | null | undefined, receivedAt: number): number | null {
  if (!dateHeader) return null;
  const server = Date.parse(dateHeader);
  if (Number.isNaN(server)) return null;
  const offset = server + 500 - receivedAt;
  return Math.abs(offset) < CLOCK_SLACK_MS ? 0 : offset;
}
