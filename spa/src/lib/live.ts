// Which resources to refetch for which server-sent event, and when to reopen the event stream.
import type { CommitEvent } from "../api/events";

export type Resource = "accidents" | "stats" | "notices" | "tollgates" | "roadStatus" | "roadSummary" | "ha";

export const RESOURCE_URLS: Record<Resource, string> = {
  accidents: "/api/accidents/latest?limit=1000",
  stats: "/api/accidents/stats",
  notices: "/api/notices",
  tollgates: "/api/tollgates",
  roadStatus: "/api/road/status",
  roadSummary: "/api/road/summary",
  ha: "/api/ha/status",
};

export const ALL_RESOURCES: Resource[] = Object.keys(RESOURCE_URLS) as Resource[];

/** The lists a commit that changed rows refetches as only those rows (`changedSince`). */
export const DELTA_RESOURCES: ReadonlySet<Resource> = new Set<Resource>(["accidents", "notices"]);
/** How far before the last answer a delta asks from: a batch is committed some seconds after
 * the poll whose time its rows carry. */
export const DELTA_LOOKBACK_MS = 60_000;
/** Deltas ask from a multiple of this, so viewers share the data API's cached answers. */
export const DELTA_GRID_MS = 30_000;
/** A whole list at least this often: rows leave the 24 h window without any commit. */
export const FULL_EVERY_MS = 5 * 60_000;

/** The URL of the rows of `resource` changed since (about) `syncedAtMs`, server time. */
export function deltaUrl(resource: Resource, syncedAtMs: number): string {
  const base = RESOURCE_URLS[resource];
  const from = Math.floor((syncedAtMs - DELTA_LOOKBACK_MS) / DELTA_GRID_MS) * DELTA_GRID_MS;
  const since = encodeURIComponent(new Date(from).toISOString());
  return `${base}${base.includes("?") ? "&" : "?"}changedSince=${since}`;
}

interface Row {
  id: number;
  occurredAt: string;
  active?: boolean;
}

/**
 * A list with the changed rows of a delta put in (by id), in the server's order (newest
 * `occurredAt` first, then the higher id), at most `limit` long. With `dropInactive` a row the
 * delta says is no longer active leaves (notices: the list holds the listed ones only).
 */
export function mergeChanged<T extends Row>(
  list: readonly T[],
  changed: readonly T[],
  { limit, dropInactive }: { limit: number; dropInactive: boolean },
): T[] {
  if (changed.length === 0) return list as T[];
  const byId = new Map(list.map((row) => [row.id, row]));
  for (const row of changed) {
    if (dropInactive && row.active === false) byId.delete(row.id);
    else byId.set(row.id, row);
  }
  return [...byId.values()]
    .sort((a, b) => Date.parse(b.occurredAt) - Date.parse(a.occurredAt) || b.id - a.id)
    .slice(0, limit);
}

const KIND_RESOURCES: Record<string, Resource[]> = {
  accidents: ["accidents", "stats", "notices"],
  tollgate: ["tollgates"],
  tollgates: ["tollgates"],
  road: ["roadStatus", "roadSummary"],
  // VDS locations only place the network's sections (see networkChanges)
  vds: [],
};

/** Committed kinds the data API learns the road network from (its REBUILD_KINDS). */
export const NETWORK_KINDS: ReadonlySet<string> = new Set(["road", "tollgates", "vds"]);

/** Whether an SSE event may have moved the learned network (/api/network, /api/network/sections). */
export function networkChanges(eventName: string, data: unknown): boolean {
  if (eventName !== "commit") return false;
  const kind = typeof data === "object" && data !== null ? (data as { kind?: unknown }).kind : undefined;
  return typeof kind === "string" && NETWORK_KINDS.has(kind);
}

/**
 * Resources to refetch for an SSE event. A commit refreshes its kind's endpoints (the HA
 * status's "last collection" moves with the event itself: noteCommit); a commit that changed no
 * row refreshes nothing; leader/source/members refresh only the HA status; a commit of an unknown
 * kind refreshes every data endpoint.
 */
export function resourcesForEvent(eventName: string, data: unknown): Resource[] {
  switch (eventName) {
    case "commit": {
      const commit: Partial<Record<keyof CommitEvent, unknown>> = typeof data === "object" && data !== null ? data : {};
      // No row's shown content changed (every incident seen again as it was): nothing to
      // refetch. A dataset that does not count changes sends `changed: null`, an older server
      // none: refetched. The HA status's "last collection" moves with the event itself
      // (noteCommit), and the HA status on its own timer.
      if (commit.changed === 0) return [];
      const kind = commit.kind;
      const res = typeof kind === "string" ? KIND_RESOURCES[kind] : undefined;
      return res ? [...res] : [...ALL_RESOURCES];
    }
    case "leader":
    case "source":
    case "members":
      return ["ha"];
    case "hello":
      // a resumed stream replays every event missed since the last one seen: those refetch
      // what they changed, so only the HA status (the hello's own news) is due
      return resumedHello(data) ? ["ha"] : [...ALL_RESOURCES];
    default:
      return [];
  }
}

/** The server's time of a logged event, from its id (`<ms>-<seq>`: Redis's clock at the commit). */
export function eventTime(id: string | null | undefined): number | null {
  const match = /^(\d{1,15})-\d{1,20}$/.exec(id ?? "");
  return match ? Number(match[1]) : null;
}

/** Whether a `hello` says the stream picked up after the client's Last-Event-ID. */
export function resumedHello(data: unknown): boolean {
  return typeof data === "object" && data !== null && (data as { resumed?: unknown }).resumed === true;
}

export type ConnectionState = "live" | "polling" | "offline";

/** live while the event stream is open; polling while it is down but requests succeed; offline otherwise. */
export function connectionState(sseOpen: boolean, lastFetchOk: boolean): ConnectionState {
  if (sseOpen) return "live";
  return lastFetchOk ? "polling" : "offline";
}

/** The backoff of the SPA's first reopen of the event stream; each further one's is twice as long… */
export const RECONNECT_BASE_MS = 1000;
/** …up to this. */
export const RECONNECT_CAP_MS = 30000;

/**
 * How long to wait before the SPA's `attempt`-th reopen (0 = the first) of the event stream since
 * a stream last said hello: "equal jitter", a random delay in [base/2, base) with base =
 * RECONNECT_BASE_MS doubling per attempt up to RECONNECT_CAP_MS. The random half spreads the
 * viewers a failover dropped together (a fixed delay brings them all back in lockstep, and the
 * next failure drops them together again); the fixed half keeps a stream refused at once (a 502
 * while no member serves) from being retried at once, which full jitter ([0, base)) allows.
 */
export function reconnectDelay(attempt: number, random: () => number = Math.random): number {
  const n = Number.isFinite(attempt) && attempt > 0 ? Math.floor(attempt) : 0;
  // (2 ** n is Infinity past n = 1023, still capped)
  const base = Math.min(RECONNECT_CAP_MS, RECONNECT_BASE_MS * 2 ** n);
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(base / 2 + (base / 2) * r);
}
