// Coordinate sanity box: nothing outside 33–39 N, 124–132 E is ever drawn.
export const KOREA_CENTER: [number, number] = [36.5, 127.8];
export const LAT_MIN = 33;
export const LAT_MAX = 39;
export const LON_MIN = 124;
export const LON_MAX = 132;

export function inKorea(lat: unknown, lon: unknown): boolean {
  if (typeof lat !== "number" || typeof lon !== "number") return false;
  if (!Number.isFinite(lat) || !Number.isFinite(lon)) return false;
  return lat >= LAT_MIN && lat <= LAT_MAX && lon >= LON_MIN && lon <= LON_MAX;
}

/** [lat, lon] for an item, or null when missing or outside the box. */
export function toLatLng(lat: unknown, lon: unknown): [number, number] | null {
  return inKorea(lat, lon) ? [lat as number, lon as number] : null;
}

/** GeoJSON [lon, lat] positions to Leaflet [lat, lon], dropping those outside the box. */
export function lineLatLngs(coords: ReadonlyArray<ReadonlyArray<number>>): [number, number][] {
  const out: [number, number][] = [];
  for (const c of coords) {
    const lon = c[0];
    const lat = c[1];
    if (inKorea(lat, lon)) out.push([lat, lon]);
  }
  return out;
}

/**
 * Shift a line sideways (to the right of travel) by `meters`, so that the two carriageways of a
 * section (directions E and S share one geometry) are both visible.
 */
export function offsetLine(pts: [number, number][], meters: number): [number, number][] {
  if (pts.length < 2 || meters === 0) return pts;
  const out: [number, number][] = [];
  for (let i = 0; i < pts.length; i++) {
    const a = pts[Math.max(0, i - 1)];
    const b = pts[Math.min(pts.length - 1, i + 1)];
    const latRad = (pts[i][0] * Math.PI) / 180;
    const dx = (b[1] - a[1]) * Math.cos(latRad);
    const dy = b[0] - a[0];
    const len = Math.hypot(dx, dy) || 1;
    // right-hand normal of (dx, dy) is (dy, -dx)
    const nx = dy / len;
    const ny = -dx / len;
    const deg = meters / 111_320;
    out.push([pts[i][0] + ny * deg, pts[i][1] + (nx * deg) / Math.cos(latRad)]);
  }
  return out;
}

/** How far sideways a carriageway (E or S: both share one geometry) is drawn, so both show. */
export const CARRIAGEWAY_OFFSET_M = 900;

export function carriagewayOffset(direction: string): number {
  return direction === "E" || direction === "S" ? CARRIAGEWAY_OFFSET_M : 0;
}

const LINES = new WeakMap<object, Map<number, [number, number][]>>();

/**
 * `offsetLine(lineLatLngs(coords), meters)`, the same array for the same `coords` array: a layer
 * redrawn with new data (a road reading, a relearned network that kept this geometry) hands
 * Leaflet the positions it already has, and Leaflet leaves that line alone.
 */
export function memoLine(coords: ReadonlyArray<ReadonlyArray<number>>, meters = 0): [number, number][] {
  let byOffset = LINES.get(coords);
  if (!byOffset) {
    byOffset = new Map();
    LINES.set(coords, byOffset);
  }
  let pts = byOffset.get(meters);
  if (!pts) {
    pts = offsetLine(lineLatLngs(coords), meters);
    byOffset.set(meters, pts);
  }
  return pts;
}
