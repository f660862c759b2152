// The app's data: initial load, SSE-driven refetch, polling fallback, HA timeline.
import { useCallback, useEffect, useRef, useState } from "react";
import { fetchJson, HttpError, parseServedBy, type ServedBy } from "./client";
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
  RESOURCE_URLS,
  connectionState,
  resourcesForEvent,
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
  lastUpdate: number | null;
  servedBy: ServedBy | null;
  /** member -> last client time it served a response (gateway or data-api) */
  recentServers: Record<string, number>;
  connection: ConnectionState;
  snapshot: HaSnapshot | null;
  timeline: HaEvent[];
}

type DataKey = Exclude<
  keyof LiveData,
  "errors" | "lastUpdate" | "servedBy" | "recentServers" | "connection" | "snapshot" | "timeline"
>;

const POLL_MS = 5000;
const HA_REFRESH_MS = 10000;
const SSE_STUCK_MS = 5000;
const COALESCE_MS = 200;

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

export function useLiveData(): LiveData & { refetch: (r?: Resource[]) => void } {
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
  const pending = useRef(new Set<Resource>());
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

  const fetchOne = useCallback(
    async (r: Resource) => {
      if (inflight.current.has(r)) {
        again.current.add(r);
        return;
      }
      inflight.current.add(r);
      try {
        const { data, servedBy } = await fetchJson<unknown>(RESOURCE_URLS[r]);
        if (!mounted.current) return;
        lastFetchOk.current = true;
        noteServedBy(servedBy);
        const value = normalise(r, data);
        setState((s) => {
          const errors = { ...s.errors };
          delete errors[r];
          return { ...s, [r]: value, errors, lastUpdate: Date.now() };
        });
        if (r === "ha") applySnapshot(() => snapshotFromStatus(value as HaStatus));
      } catch (e) {
        if (!mounted.current) return;
        lastFetchOk.current = e instanceof HttpError && e.status < 500;
        const msg = e instanceof Error ? e.message : String(e);
        setState((s) => ({ ...s, errors: { ...s.errors, [r]: msg } }));
      } finally {
        inflight.current.delete(r);
        updateConnection();
        if (again.current.delete(r) && mounted.current) void fetchOne(r);
      }
    },
    [applySnapshot, noteServedBy, updateConnection],
  );

  const refetch = useCallback(
    (resources: Resource[] = ALL_RESOURCES) => {
      for (const r of resources) pending.current.add(r);
      if (pendingTimer.current !== null) return;
      pendingTimer.current = window.setTimeout(() => {
        pendingTimer.current = null;
        const todo = [...pending.current];
        pending.current.clear();
        for (const r of todo) void fetchOne(r);
      }, COALESCE_MS);
    },
    [fetchOne],
  );

  // static map layers: fetched until they answer (the outline is skipped for good on a 404)
  const staticDone = useRef(new Set<DataKey>());
  const outlineMisses = useRef(0);
  const fetchStatic = useCallback(async () => {
    const want: [DataKey, string][] = [
      ["network", "/api/network"],
      ["sections", "/api/network/sections"],
      ["outline", "/api/network/outline"],
    ];
    for (const [key, url] of want) {
      if (staticDone.current.has(key)) continue;
      try {
        const { data } = await fetchJson<unknown>(url);
        if (!mounted.current) return;
        const fc = data as { type?: string; features?: unknown };
        if (fc && fc.type === "FeatureCollection" && Array.isArray(fc.features)) {
          staticDone.current.add(key);
          setState((s) => ({ ...s, [key]: fc }));
        }
      } catch (e) {
        // no outline served: give up after a few answers (members may run different versions)
        if (key === "outline" && e instanceof HttpError && (e.status === 404 || e.status === 405)) {
          outlineMisses.current += 1;
          if (outlineMisses.current >= 4) staticDone.current.add(key);
        }
      }
    }
  }, []);

  useEffect(() => {
    mounted.current = true;
    for (const r of ALL_RESOURCES) void fetchOne(r);
    void fetchStatic();

    let es: EventSource | null = null;
    let errorSince: number | null = null;

    const handle = (name: string) => (ev: MessageEvent) => {
      let data: unknown = null;
      try {
        data = JSON.parse(String(ev.data));
      } catch {
        data = null;
      }
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
      const res = resourcesForEvent(name, data);
      if (res.length) refetch(res);
    };

    // ?sse=0 turns the event stream off (polling only), e.g. for headless screenshots whose
    // virtual time never advances while a stream is open
    const sseOff = new URLSearchParams(window.location.search).get("sse") === "0";
    const open = () => {
      if (typeof EventSource === "undefined" || sseOff) return;
      es = new EventSource("/api/events");
      es.onopen = () => {
        sseOpen.current = true;
        errorSince = null;
        updateConnection();
      };
      es.onerror = () => {
        sseOpen.current = false;
        if (errorSince === null) errorSince = Date.now();
        updateConnection();
      };
      for (const name of ["hello", "commit", "leader", "source", "members"]) {
        es.addEventListener(name, handle(name) as EventListener);
      }
    };
    open();

    const watchdog = window.setInterval(() => {
      if (!es) return;
      if (es.readyState !== EventSource.OPEN) {
        sseOpen.current = false;
        if (errorSince === null) errorSince = Date.now();
        if (Date.now() - errorSince > SSE_STUCK_MS) {
          es.close();
          errorSince = Date.now();
          open();
        }
        updateConnection();
      }
    }, 1000);

    const poll = window.setInterval(() => {
      if (!sseOpen.current) refetch(ALL_RESOURCES);
      void fetchStatic();
    }, POLL_MS);
    const haTimer = window.setInterval(() => refetch(["ha"]), HA_REFRESH_MS);

    return () => {
      mounted.current = false;
      es?.close();
      window.clearInterval(watchdog);
      window.clearInterval(poll);
      window.clearInterval(haTimer);
      if (pendingTimer.current !== null) window.clearTimeout(pendingTimer.current);
      pendingTimer.current = null;
    };
  }, [applySnapshot, fetchOne, fetchStatic, noteServedBy, refetch, updateConnection]);

  return { ...state, refetch };
}
