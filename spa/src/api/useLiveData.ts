// The app's data: initial load, SSE-driven refetch (the learned network too), polling fallback,
// HA timeline.
import { useCallback, useEffect, useRef, useState } from "react";
import { fetchText, HttpError, parseServedBy, type ServedBy } from "./client";
import type { HelloEvent, LeaderEvent, MembersEvent, SourceEvent } from "./events";
import type {
  HaStatus,
  Incident,
  IncidentStats,
  NetworkCollection,
  Notice,
  OutlineCollection,
  RoadStatus,
  RouteSummary,
  SectionCollection,
  Tollgate,
} from "./types";
import {
  ALL_RESOURCES,
  DELTA_RESOURCES,
  FULL_EVERY_MS,
  RESOURCE_URLS,
  deltaUrl,
  mergeChanged,
  connectionState,
  networkChanges,
  reconnectDelay,
  resourcesForEvent,
  resumedHello,
  eventTime,
  type ConnectionState,
  type Resource,
} from "../lib/live";
import {
  advance,
  applyMembers,
  memberOf,
  pushEvents,
  snapshotFromStatus,
  type HaEvent,
  type HaSnapshot,
} from "../lib/ha";
import {
  asCollection,
  isNetworkVersion,
  layerUrl,
  loadNetworkVersion,
  NETWORK_VERSION_HEADER,
  saveNetworkVersion,
  shareFeatures,
  type Collection,
} from "../lib/network";
import { clockOffset, noteCommit } from "../lib/freshness";

export interface LiveData {
  accidents: Incident[] | null;
  stats: IncidentStats | null;
  /** KEC's announcements (이벤트/홍보 …) the latest poll lists: never incidents */
  notices: Notice[] | null;
  tollgates: Tollgate[] | null;
  roadStatus: RoadStatus[] | null;
  roadSummary: RouteSummary[] | null;
  ha: HaStatus | null;
  network: NetworkCollection | null;
  sections: SectionCollection | null;
  outline: OutlineCollection | null;
  errors: Partial<Record<Resource, string>>;
  /** resource -> consecutive failed requests (absent once one answers) */
  failures: Partial<Record<Resource, number>>;
  /** the server's clock minus the browser's (ms), from the HA status's `Date` header */
  clockOffsetMs: number;
  lastUpdate: number | null;
  servedBy: ServedBy | null;
  /** member -> last client time it served a response (gateway or data-api) */
  recentServers: Record<string, number>;
  connection: ConnectionState;
  snapshot: HaSnapshot | null;
  timeline: HaEvent[];
}

const POLL_MS = 5000;
/** The server's bound on a list (its MAX_LIMIT), and the dashboard's `limit=1000`. */
const MAX_ROWS = 1000;
/** The HA status on its own: leader, source and members changes come as events, and a commit
 * moves its kind's last collection itself (noteCommit); this refreshes the stream figures. */
const HA_REFRESH_MS = 30000;
/** A stream CONNECTING this long is stuck: the browser's own retry (the server's jittered
 * `retry:`, at most 3 s) would have connected by now. */
export const SSE_STUCK_MS = 5000;
/** How often the watchdog looks at the event stream while nothing is due sooner. */
const WATCH_MS = 1000;
const COALESCE_MS = 200;
/** After a commit the network may come from: the data API relearns it within its 5 s gap. */
export const NETWORK_DELAY_MS = 6000;
/** At least this long between two refetches of the network. */
export const NETWORK_GAP_MS = 10000;
/** Without the event stream: the network this often. */
export const NETWORK_POLL_MS = 60000;

type LayerKey = "network" | "sections" | "outline";
const LAYER_URLS: Record<LayerKey, string> = {
  network: "/api/network",
  sections: "/api/network/sections",
  outline: "/api/network/outline",
};
const LAYERS: LayerKey[] = ["network", "sections", "outline"];
const NETWORK_LAYERS: LayerKey[] = ["network", "sections"];

function sanitizeArray<T>(v: unknown): T[] {
  return Array.isArray(v) ? (v as T[]) : [];
}

function normalise(resource: Resource, data: unknown): unknown {
  switch (resource) {
    case "accidents":
    case "notices":
    case "tollgates":
    case "roadStatus":
    case "roadSummary":
      return sanitizeArray(data);
    default:
      return data;
  }
}

export function useLiveData(): LiveData & { refetch: (r?: Resource[], changedOnly?: boolean) => void } {
  const [state, setState] = useState<LiveData>({
    accidents: null,
    stats: null,
    notices: null,
    tollgates: null,
    roadStatus: null,
    roadSummary: null,
    ha: null,
    network: null,
    sections: null,
    outline: null,
    errors: {},
    failures: {},
    clockOffsetMs: 0,
    lastUpdate: null,
    servedBy: null,
    recentServers: {},
    connection: "polling",
    snapshot: null,
    timeline: [],
  });
  const sseOpen = useRef(false);
  const lastFetchOk = useRef(true);
  const inflight = useRef(new Set<Resource>());
  const again = useRef(new Set<Resource>());
  /** resource -> whether only its changed rows are due (a commit's), false once a whole is */
  const pending = useRef(new Map<Resource, boolean>());
  // The delta lists (DELTA_RESOURCES): when each was last answered (server clock, from the
  // request's start) and last answered whole (browser clock).
  const syncedAt = useRef<Partial<Record<Resource, number>>>({});
  const wholeAt = useRef<Partial<Record<Resource, number>>>({});
  const offsetMs = useRef(0);
  /** resource -> the body of its last whole answer, while the page shows that answer as it came */
  const lastBody = useRef<Partial<Record<Resource, string>>>({});
  const pendingTimer = useRef<number | null>(null);
  const mounted = useRef(true);

  const updateConnection = useCallback(() => {
    const c = connectionState(sseOpen.current, lastFetchOk.current);
    setState((s) => (s.connection === c ? s : { ...s, connection: c }));
  }, []);

  const applySnapshot = useCallback((make: (prev: HaSnapshot | null) => HaSnapshot | null) => {
    setState((s) => {
      const next = make(s.snapshot);
      if (!next) return s;
      const { snapshot, events } = advance(s.snapshot, next, Date.now());
      return { ...s, snapshot, timeline: pushEvents(s.timeline, events) };
    });
  }, []);

  const noteServedBy = useCallback((sb: ServedBy | null) => {
    if (!sb) return;
    const now = Date.now();
    setState((s) => {
      const recent = { ...s.recentServers };
      for (const m of sb.members) recent[m] = now;
      return { ...s, servedBy: sb, recentServers: recent };
    });
  }, []);

  // Resources whose last request failed: retried at every poll tick until they answer, not
  // only at the next commit of their kind (which may be minutes away).
  const failed = useRef(new Set<Resource>());

  const fetchOne = useCallback(
    async (r: Resource, changedOnly = false) => {
      if (inflight.current.has(r)) {
        again.current.add(r);
        return;
      }
      inflight.current.add(r);
      const synced = syncedAt.current[r];
      const whole = wholeAt.current[r];
      const delta =
        changedOnly &&
        DELTA_RESOURCES.has(r) &&
        synced !== undefined &&
        whole !== undefined &&
        Date.now() - whole < FULL_EVERY_MS;
      const startedAt = Date.now() + offsetMs.current;
      try {
        const url = delta ? deltaUrl(r, synced) : RESOURCE_URLS[r];
        const { data: body, servedBy, date } = await fetchText(url);
        if (!mounted.current) return;
        // The same answer as the one shown (a hello's refetch, a commit that changed nothing
        // here): the page keeps its objects, and nothing that draws them renders again.
        const same = !delta && body === lastBody.current[r];
        const data: unknown = same ? null : JSON.parse(body);
        lastFetchOk.current = true;
        failed.current.delete(r);
        noteServedBy(servedBy);
        const value = same ? null : normalise(r, data);
        if (!same) {
          if (delta) delete lastBody.current[r];
          else lastBody.current[r] = body;
        }
        const now = Date.now();
        const offset = r === "ha" ? clockOffset(date, now) : null;
        if (offset !== null) offsetMs.current = offset;
        if (DELTA_RESOURCES.has(r)) {
          syncedAt.current[r] = startedAt;
          if (!delta) wholeAt.current[r] = now;
        }
        setState((s) => {
          const errors = { ...s.errors };
          delete errors[r];
          const failures = r in s.failures ? { ...s.failures } : s.failures;
          delete failures[r];
          const clockOffsetMs = offset ?? s.clockOffsetMs;
          const held = s[r];
          const next = same
            ? held
            : delta && Array.isArray(held) && Array.isArray(value)
              ? mergeChanged(held as Incident[], value as Incident[], {
                  limit: MAX_ROWS,
                  dropInactive: r === "notices",
                })
              : value;
          return { ...s, [r]: next, errors, failures, clockOffsetMs, lastUpdate: now };
        });
        if (r === "ha" && !same) applySnapshot(() => snapshotFromStatus(value as HaStatus));
      } catch (e) {
        if (!mounted.current) return;
        lastFetchOk.current = e instanceof HttpError && e.status < 500;
        failed.current.add(r);
        const msg = e instanceof Error ? e.message : String(e);
        setState((s) => ({
          ...s,
          errors: { ...s.errors, [r]: msg },
          failures: { ...s.failures, [r]: (s.failures[r] ?? 0) + 1 },
        }));
      } finally {
        inflight.current.delete(r);
        updateConnection();
        if (again.current.delete(r) && mounted.current) void fetchOne(r);
      }
    },
    [applySnapshot, noteServedBy, updateConnection],
  );

  const refetch = useCallback(
    (resources: Resource[] = ALL_RESOURCES, changedOnly = false) => {
      for (const r of resources) pending.current.set(r, (pending.current.get(r) ?? true) && changedOnly);
      if (pendingTimer.current !== null) return;
      pendingTimer.current = window.setTimeout(() => {
        pendingTimer.current = null;
        const todo = [...pending.current];
        pending.current.clear();
        for (const [r, only] of todo) void fetchOne(r, only);
      }, COALESCE_MS);
    },
    [fetchOne],
  );

  // Map layers: fetched until they answer (the outline is skipped for good on a 404). The network
  // and its sections are learned by the data API and relearned after commits of the kinds they
  // come from: refetched then (refreshNetwork), an answer the page holds changing nothing.
  // Each is asked for with ?v= the last geometry version seen (kept across visits), which the
  // browser may serve from its cache for good; a refresh revalidates, so a cached answer cannot
  // hide a relearned network, and its newer version is then the one asked for.
  const staticDone = useRef(new Set<LayerKey>());
  const outlineMisses = useRef(0);
  const layerText = useRef<Partial<Record<LayerKey, string>>>({});
  const layerValue = useRef<Partial<Record<LayerKey, Collection<unknown>>>>({});
  /** undefined until read from storage (once, at the first layer) */
  const networkVersion = useRef<string | null | undefined>(undefined);
  const loadLayer = useCallback(async (key: LayerKey, revalidate = false) => {
    if (networkVersion.current === undefined) networkVersion.current = loadNetworkVersion();
    const { data: text, headers } = await fetchText(
      layerUrl(LAYER_URLS[key], networkVersion.current),
      revalidate ? { cache: "no-cache" } : {},
    );
    if (!mounted.current) return;
    const served = headers.get(NETWORK_VERSION_HEADER);
    if (isNetworkVersion(served) && served !== networkVersion.current) {
      networkVersion.current = served;
      saveNetworkVersion(served);
    }
    if (text === layerText.current[key]) {
      staticDone.current.add(key);
      return;
    }
    let fc: Collection<unknown> | null = null;
    try {
      fc = asCollection(JSON.parse(text));
    } catch {
      fc = null;
    }
    if (!fc) return;
    layerText.current[key] = text;
    staticDone.current.add(key);
    const value = shareFeatures(layerValue.current[key] ?? null, fc);
    if (value === layerValue.current[key]) return;
    layerValue.current[key] = value;
    setState((s) => ({ ...s, [key]: value }));
  }, []);

  const fetchStatic = useCallback(async () => {
    for (const key of LAYERS) {
      if (staticDone.current.has(key)) continue;
      try {
        await loadLayer(key);
        if (!mounted.current) return;
      } catch (e) {
        // no outline served: give up after a few answers (members may run different versions)
        if (key === "outline" && e instanceof HttpError && (e.status === 404 || e.status === 405)) {
          outlineMisses.current += 1;
          if (outlineMisses.current >= 4) staticDone.current.add(key);
        }
      }
    }
  }, [loadLayer]);

  const networkTimer = useRef<number | null>(null);
  const networkFetchedAt = useRef(0);
  const networkInflight = useRef(false);
  const refreshNetwork = useCallback(async () => {
    if (networkInflight.current) return;
    networkInflight.current = true;
    networkFetchedAt.current = Date.now();
    try {
      // one after the other: a failed one keeps what the page shows, the next commit retries
      for (const key of NETWORK_LAYERS) {
        try {
          await loadLayer(key, true);
        } catch {
          /* keep the layer drawn */
        }
        if (!mounted.current) return;
      }
    } finally {
      networkInflight.current = false;
    }
  }, [loadLayer]);
  /** Refetch the network once, NETWORK_DELAY_MS after the first of a burst of events, and never
   * sooner than NETWORK_GAP_MS after the last refetch. */
  const scheduleNetwork = useCallback(() => {
    if (networkTimer.current !== null) return;
    const wait = Math.max(NETWORK_DELAY_MS, networkFetchedAt.current + NETWORK_GAP_MS - Date.now());
    networkTimer.current = window.setTimeout(() => {
      networkTimer.current = null;
      void refreshNetwork();
    }, wait);
  }, [refreshNetwork]);

  useEffect(() => {
    mounted.current = true;
    const startedAt = Date.now();
    for (const r of ALL_RESOURCES) void fetchOne(r);
    void fetchStatic();

    let es: EventSource | null = null;
    let hellos = 0;
    // The watchdog's reopens since a stream last said hello: the backoff's exponent.
    let attempt = 0;
    // When this stream was first seen not open, and first seen CLOSED (the browser gave up)
    let downSince: number | null = null;
    let closedSince: number | null = null;
    // this outage's jittered backoff, drawn once per stream so every look compares with the same
    let backoff = 0;
    let watchTimer: number | null = null;

    const handle = (name: string) => (ev: MessageEvent) => {
      let data: unknown = null;
      try {
        data = JSON.parse(String(ev.data));
      } catch {
        data = null;
      }
      // the network may have been relearned while the stream was down (the first hello comes
      // with the page's own first fetch)
      // (a resumed hello replays the commits that could have: those schedule it)
      const missed = name === "hello" && hellos++ > 0 && !resumedHello(data);
      if (networkChanges(name, data) || missed) scheduleNetwork();
      // a stream that connected and said hello: the next outage's backoff starts over
      if (name === "hello") attempt = 0;
      if (name === "hello" && data && typeof data === "object") {
        const h = data as HelloEvent;
        noteServedBy(parseServedBy(h.servedBy));
        applySnapshot((prev) => {
          if (!prev) return null; // wait for the first full status
          let next: HaSnapshot = { ...prev };
          if (h.leader)
            next = {
              ...next,
              leaderMember: h.leader.member ?? memberOf(h.leader.holder),
              leaderHolder: h.leader.holder ?? null,
              epoch: h.leader.epoch ?? null,
            };
          if (h.source)
            next = {
              ...next,
              sourceActive: h.source.active ?? next.sourceActive,
              sourceMode: h.source.mode ?? next.sourceMode,
            };
          if (h.alive || h.down) next = applyMembers(next, h.alive ?? [], h.down ?? []);
          return next;
        });
      } else if (name === "leader" && data) {
        const l = data as LeaderEvent;
        applySnapshot((prev) =>
          prev ? { ...prev, leaderMember: memberOf(l.holder), leaderHolder: l.holder, epoch: l.epoch } : null,
        );
      } else if (name === "members" && data) {
        const m = data as MembersEvent;
        applySnapshot((prev) => (prev ? applyMembers(prev, m.alive ?? [], m.down ?? []) : null));
      } else if (name === "source" && data) {
        const s = data as SourceEvent;
        applySnapshot((prev) => (prev ? { ...prev, sourceActive: s.active, sourceMode: s.mode } : null));
      }
      if (name === "commit" && data && typeof data === "object") {
        const kind = (data as { kind?: unknown }).kind;
        const at = eventTime(ev.lastEventId);
        if (typeof kind === "string" && at !== null) setState((s) => ({ ...s, ha: noteCommit(s.ha, kind, at) }));
      }
      const res = resourcesForEvent(name, data);
      // a commit's refetch needs only the rows it changed (the lists that can say so)
      if (res.length) refetch(res, name === "commit");
    };

    // ?sse=0 turns the event stream off (polling only), e.g. for headless screenshots whose
    // virtual time never advances while a stream is open
    const sseOff = new URLSearchParams(window.location.search).get("sse") === "0";
    const open = () => {
      if (typeof EventSource === "undefined" || sseOff) return;
      es = new EventSource("/api/events");
      es.onopen = () => {
        sseOpen.current = true;
        downSince = null;
        closedSince = null;
        updateConnection();
      };
      es.onerror = () => {
        sseOpen.current = false;
        updateConnection();
        watch();
      };
      for (const name of ["hello", "commit", "leader", "source", "members"]) {
        es.addEventListener(name, handle(name) as EventListener);
      }
    };

    // A new EventSource cannot send Last-Event-ID: its hello refetches everything (handle).
    const reopen = (now: number) => {
      es?.close();
      attempt += 1;
      downSince = now;
      closedSince = null;
      backoff = reconnectDelay(attempt);
      open();
    };

    // The browser reconnects a dropped stream itself (at the server's jittered `retry:`, with
    // Last-Event-ID); the watchdog reopens one only when the browser gave up (CLOSED, e.g. after
    // a 502) or has been CONNECTING too long, each time after a longer jittered backoff, so the
    // viewers a failover dropped together do not come back, and fail again, in lockstep.
    const watch = () => {
      if (watchTimer !== null) window.clearTimeout(watchTimer);
      watchTimer = null;
      if (!es || !mounted.current) return;
      let next = WATCH_MS;
      if (es.readyState !== EventSource.OPEN) {
        const now = Date.now();
        sseOpen.current = false;
        if (downSince === null) {
          downSince = now;
          backoff = reconnectDelay(attempt);
        }
        let due: number;
        if (es.readyState === EventSource.CLOSED) {
          // counted from the close, not the outage: viewers whose connects a proxy timed out
          // together would otherwise all be due at that very moment
          closedSince ??= now;
          due = closedSince + backoff;
        } else {
          due = downSince + Math.max(SSE_STUCK_MS, backoff);
        }
        if (now >= due) reopen(now);
        else next = Math.min(WATCH_MS, due - now);
        updateConnection();
      }
      watchTimer = window.setTimeout(watch, next);
    };
    open();
    watch();

    const poll = window.setInterval(() => {
      if (sseOpen.current && failed.current.size) refetch([...failed.current]);
      if (!sseOpen.current) {
        refetch(ALL_RESOURCES);
        // no commit events to go by: the network now and then
        if (Date.now() - Math.max(startedAt, networkFetchedAt.current) >= NETWORK_POLL_MS) scheduleNetwork();
      }
      void fetchStatic();
    }, POLL_MS);
    const haTimer = window.setInterval(() => refetch(["ha"]), HA_REFRESH_MS);

    return () => {
      mounted.current = false;
      es?.close();
      if (watchTimer !== null) window.clearTimeout(watchTimer);
      window.clearInterval(poll);
      window.clearInterval(haTimer);
      if (pendingTimer.current !== null) window.clearTimeout(pendingTimer.current);
      pendingTimer.current = null;
      if (networkTimer.current !== null) window.clearTimeout(networkTimer.current);
      networkTimer.current = null;
    };
  }, [applySnapshot, fetchOne, fetchStatic, noteServedBy, refetch, scheduleNetwork, updateConnection]);

  return { ...state, refetch };
}
