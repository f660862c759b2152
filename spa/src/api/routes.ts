// The road tab's route answers, asked for when a view needs them (not part of the live set that
// useLiveData keeps): a route's strip (/api/road/strip), its last 24 hours (/api/road/history)
// and the travel time between two tollgates (/api/travel-time, /api/travel-time/pairs).
import { useEffect, useRef, useState } from "react";
import { fetchJson, HttpError } from "./client";
import type { components } from "./types";

type Schemas = components["schemas"];
export type RoadStrip = Schemas["RoadStrip"];
export type StripNode = Schemas["StripNode"];
export type StripSegment = Schemas["StripSegment"];
export type StripIncident = Schemas["StripIncident"];
export type RoadHistory = Schemas["RoadHistory"];
export type RoadHistoryBucket = Schemas["RoadHistoryBucket"];
export type TravelTimeItem = Schemas["TravelTimeItem"];
export type TravelPairItem = Schemas["TravelPairItem"];
export type SameHourItem = Schemas["SameHourItem"];

export type StripDirection = "E" | "S";
export type HistoryBucket = 15 | 30 | 60;

const query = (params: Record<string, string | number | null | undefined>) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== "") q.set(k, String(v));
  return q.toString();
};

/** Both directions of a route, one answer: the direction toggle needs both headings. */
export const stripUrl = (route: string) => `/api/road/strip?${query({ route })}`;

export const roadHistoryUrl = (route: string, direction: StripDirection | null, bucket: HistoryBucket) =>
  `/api/road/history?${query({ route, direction, bucket })}`;

/** Always with both ends: the unfiltered answer lists every pair. */
export const travelTimeUrl = (from: string, to: string) => `/api/travel-time?${query({ from, to })}`;

export const TRAVEL_PAIRS_URL = "/api/travel-time/pairs";

export interface Answer<T> {
  data: T | null;
  /** the last request failed: its HTTP status, 0 for no answer at all */
  error: number | null;
  /** a request is on its way (the last data, if any, stays until it answers) */
  loading: boolean;
}

/**
 * GET `url` as JSON (null: nothing to ask), again whenever `url` or `refresh` changes. The data
 * of an earlier URL is dropped at once (a chart never shows another route's figures), a
 * refresh of the same URL keeps what it has until the answer comes, and an answer to a request
 * that has been replaced is ignored.
 */
export function useJson<T>(url: string | null, refresh?: unknown): Answer<T> {
  const [state, setState] = useState<Answer<T> & { url: string | null }>({
    url: null,
    data: null,
    error: null,
    loading: false,
  });
  const seq = useRef(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: refresh is what asks again
  useEffect(() => {
    const mine = ++seq.current;
    if (!url) {
      setState({ url: null, data: null, error: null, loading: false });
      return;
    }
    const ctrl = new AbortController();
    setState((s) => (s.url === url ? { ...s, loading: true } : { url, data: null, error: null, loading: true }));
    fetchJson<T>(url, ctrl.signal).then(
      ({ data }) => {
        if (mine === seq.current) setState({ url, data, error: null, loading: false });
      },
      (e: unknown) => {
        if (mine !== seq.current || ctrl.signal.aborted) return;
        const status = e instanceof HttpError ? e.status : 0;
        setState((s) => ({ ...s, url, error: status, loading: false }));
      },
    );
    return () => ctrl.abort();
  }, [url, refresh]);
  return state.url === url ? state : { data: null, error: null, loading: url !== null };
}
