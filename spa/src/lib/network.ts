// The learned network's GeoJSON layers, refetched as the data API relearns them: an answer the
// page already holds changes nothing, and a changed one keeps every unchanged feature's object.
// Their URLs carry the geometry's version, which the browser may cache for good.

export interface Collection<F> {
  type: "FeatureCollection";
  features: F[];
}

/** The parsed answer when it is a GeoJSON FeatureCollection, else null. */
export function asCollection<C extends Collection<unknown>>(data: unknown): C | null {
  const fc = data as { type?: unknown; features?: unknown } | null;
  return fc && typeof fc === "object" && fc.type === "FeatureCollection" && Array.isArray(fc.features)
    ? (data as C)
    : null;
}

const JSON_OF = new WeakMap<object, string>();

function jsonOf(f: unknown): string {
  if (typeof f !== "object" || f === null) return JSON.stringify(f);
  let s = JSON_OF.get(f);
  if (s === undefined) {
    s = JSON.stringify(f);
    JSON_OF.set(f, s);
  }
  return s;
}

/**
 * `next` with each feature equal to one of `prev` replaced by that object, so the layers drawing
 * it (memoised on the feature's geometry) leave its line alone; `prev` itself when nothing
 * changed at all.
 */
export function shareFeatures<F, C extends Collection<F>>(prev: C | null, next: C): C {
  if (prev === null) return next;
  const old = new Map<string, F>();
  for (const f of prev.features) old.set(jsonOf(f), f);
  let same = prev.features.length === next.features.length;
  const features = next.features.map((f, i) => {
    const kept = old.get(jsonOf(f));
    if (kept === undefined) {
      same = false;
      return f;
    }
    if (kept !== prev.features[i]) same = false;
    return kept;
  });
  if (same && jsonOf({ ...prev, features: [] }) === jsonOf({ ...next, features: [] })) return prev;
  return { ...next, features };
}

/** The data API's version of the geometry (/api/network, …/sections, …/outline: one for all). */
export const NETWORK_VERSION_HEADER = "X-Network-Version";
/** Where the last version seen is kept, so the next visit asks for the URLs the browser cached. */
export const NETWORK_VERSION_KEY = "trafficha.networkVersion";
/** The data API refuses a longer ?v= (400): a value it could never have sent is not used. */
const VERSION_MAX = 64;

/** Whether `v` can be a version the data API sent (and may be sent back as ?v=). */
export function isNetworkVersion(v: unknown): v is string {
  return typeof v === "string" && v.length > 0 && v.length <= VERSION_MAX && v.trim() === v;
}

/**
 * A layer's URL with ?v=<version> when the page knows one: the data API answers the current
 * version's with a year's immutable caching (a reload then costs no transfer) and any other
 * version's with the current geometry, briefly cached, and its version in the header.
 */
export function layerUrl(base: string, version: string | null | undefined): string {
  if (!isNetworkVersion(version)) return base;
  return `${base}${base.includes("?") ? "&" : "?"}v=${encodeURIComponent(version)}`;
}

/** The browser's storage, or null where there is none; reading it may throw (storage blocked),
 * which the callers catch. */
function defaultStorage(): Storage | null {
  return typeof window === "undefined" ? null : window.localStorage;
}

/** The version kept from an earlier visit; null when none is kept or storage is unavailable. */
export function loadNetworkVersion(storage: () => Storage | null = defaultStorage): string | null {
  try {
    const v = storage()?.getItem(NETWORK_VERSION_KEY);
    return isNetworkVersion(v) ? v : null;
  } catch {
    return null;
  }
}

/** Keep `version` for the next visit; a storage that is full, blocked or absent keeps nothing. */
export function saveNetworkVersion(version: string, storage: () => Storage | null = defaultStorage): void {
  try {
    storage()?.setItem(NETWORK_VERSION_KEY, version);
  } catch {
    /* the page still uses it in memory */
  }
}
