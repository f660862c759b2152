// The learned network's GeoJSON layers, refetched as the data API relearns them: an answer the
// page already holds changes nothing, and a changed one keeps every unchanged feature's object.

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
