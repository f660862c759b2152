// What the URL holds, so a view can be shared and history walked: the tab, the selection (an
// incident, a tollgate, a route), the filters and the map's view. Everything else in the query
// (?lang=, ?sse=) is left as it is.
import { EMPTY_FILTER, type IncidentFilter } from "./incidents";

export const TABS = ["dashboard", "accidents", "tollgates", "road"] as const;
export type Tab = (typeof TABS)[number];

const ALIASES: Record<string, Tab> = {
  dashboard: "dashboard",
  accidents: "accidents",
  incidents: "accidents",
  tollgates: "tollgates",
  tollgate: "tollgates",
  road: "road",
  roads: "road",
};

export function tabFromLocation(search: string, hash: string): Tab {
  const q = new URLSearchParams(search).get("tab");
  if (q && ALIASES[q.toLowerCase()]) return ALIASES[q.toLowerCase()];
  const h = hash.replace(/^#\/?/, "").toLowerCase();
  if (h && ALIASES[h]) return ALIASES[h];
  return "dashboard";
}

export function langFromLocation(search: string): "ko" | "en" | null {
  const l = new URLSearchParams(search).get("lang");
  return l === "en" || l === "ko" ? l : null;
}

/** The map's centre and zoom, as `?map=lat,lng,zoom`. */
export interface MapView {
  lat: number;
  lng: number;
  zoom: number;
}

export type RoadDirection = "" | "E" | "S";

export interface UrlState {
  tab: Tab;
  /** the incident selected (incidents tab), by its id */
  incident: number | null;
  /** the incidents tab's filters */
  filter: IncidentFilter;
  /** the tollgate selected, by unit code */
  tollgate: string | null;
  /** the tollgate list's search */
  tollgateQuery: string;
  /** the road tab's route (its number), "" for all */
  road: string;
  /** the road tab's direction, "" for both */
  roadDir: RoadDirection;
  view: MapView | null;
}

export const DEFAULT_STATE: UrlState = {
  tab: "dashboard",
  incident: null,
  filter: EMPTY_FILTER,
  tollgate: null,
  tollgateQuery: "",
  road: "",
  roadDir: "",
  view: null,
};

// The map's bounds (BaseMap's MAX_BOUNDS, about Korea) and zooms: a view outside is not one the
// map could have sent, and is dropped rather than fought over with the map.
const LAT_RANGE = [32, 40] as const;
const LNG_RANGE = [122, 134] as const;
const ZOOM_RANGE = [4, 18] as const;
/** Free text kept in the URL at most (a search, a filter value). */
const TEXT_MAX = 100;

/** Every parameter this module owns; the rest of the query is not ours. */
const OWN = ["tab", "incident", "route", "type", "dir", "state", "q", "tollgate", "tq", "road", "roaddir", "map"];

const within = (v: number, [lo, hi]: readonly [number, number]) => Number.isFinite(v) && v >= lo && v <= hi;

export function parseView(text: string | null): MapView | null {
  if (!text) return null;
  const parts = text.split(",");
  if (parts.length !== 3 || parts.some((p) => p.trim() === "")) return null;
  const [lat, lng, zoom] = parts.map(Number);
  if (!within(lat, LAT_RANGE) || !within(lng, LNG_RANGE) || !within(zoom, ZOOM_RANGE)) return null;
  return { lat, lng, zoom };
}

/** "36.5000,127.8000,7.25": 4 decimals (about 10 m), zoom to a quarter step. */
export function formatView(v: MapView): string {
  return `${v.lat.toFixed(4)},${v.lng.toFixed(4)},${Math.round(v.zoom * 4) / 4}`;
}

/** Two views the URL would write the same. */
export function sameView(a: MapView | null, b: MapView | null): boolean {
  if (a === null || b === null) return a === b;
  return formatView(a) === formatView(b);
}

function text(q: URLSearchParams, key: string): string {
  return (q.get(key) ?? "").trim().slice(0, TEXT_MAX);
}

export function readUrlState(search: string, hash = ""): UrlState {
  const q = new URLSearchParams(search);
  const id = Number(q.get("incident"));
  const state = q.get("state");
  const dir = q.get("roaddir");
  const tollgate = text(q, "tollgate");
  return {
    tab: tabFromLocation(search, hash),
    incident: q.get("incident") && Number.isSafeInteger(id) && id >= 0 ? id : null,
    filter: {
      route: text(q, "route"),
      type: text(q, "type"),
      direction: text(q, "dir"),
      state: state === "active" || state === "cleared" ? state : "",
      query: text(q, "q"),
    },
    tollgate: tollgate || null,
    tollgateQuery: text(q, "tq"),
    road: /^\d{1,4}$/.test(q.get("road") ?? "") ? (q.get("road") ?? "").padStart(4, "0") : "",
    roadDir: dir === "E" || dir === "S" ? dir : "",
    view: parseView(q.get("map")),
  };
}

/** The query for `state`, keeping the parameters of `search` that are not ours; defaults left out. */
export function writeUrlState(state: UrlState, search = ""): string {
  const q = new URLSearchParams(search);
  for (const k of OWN) q.delete(k);
  const set = (k: string, v: string | null) => {
    if (v) q.set(k, v);
  };
  set("tab", state.tab === "dashboard" ? null : state.tab);
  set("incident", state.incident === null ? null : String(state.incident));
  set("route", state.filter.route);
  set("type", state.filter.type);
  set("dir", state.filter.direction);
  set("state", state.filter.state);
  set("q", state.filter.query);
  set("tollgate", state.tollgate);
  set("tq", state.tollgateQuery);
  set("road", state.road);
  set("roaddir", state.roadDir);
  set("map", state.view ? formatView(state.view) : null);
  const s = q.toString();
  return s ? `?${s}` : "";
}

/**
 * Whether going from `prev` to `next` is a step back/forward should return to (a new history
 * entry: another tab or another selection) or the same place refined (the entry replaced: a
 * filter typed, the map moved).
 */
export function historyMode(prev: UrlState, next: UrlState): "push" | "replace" {
  const moved =
    prev.tab !== next.tab ||
    prev.incident !== next.incident ||
    prev.tollgate !== next.tollgate ||
    prev.road !== next.road ||
    prev.roadDir !== next.roadDir;
  return moved ? "push" : "replace";
}
