// IC and JC names on the map: which waypoints of /api/network are named at which zoom, and
// which of their labels fit without covering another.
import type { NetworkCollection, WaypointFeature } from "../../api/types";
import { toLatLng } from "../../lib/geo";

/** Junctions are named from this zoom, the rest (IC, TG, SA) from the next: at the country's
 * zoom (about 7) the names would be a smear. */
export const JC_LABEL_ZOOM = 9;
export const LABEL_ZOOM = 10;

export interface Waypoint {
  key: string;
  name: string;
  nameEn: string;
  kind: string;
  latLng: [number, number];
}

/** The network's waypoints, one per name (a junction is on both its routes), located in the box. */
export function waypointsOf(network: NetworkCollection | null): Waypoint[] {
  const out = new Map<string, Waypoint>();
  for (const f of network?.features ?? []) {
    if (f.geometry.type !== "Point") continue;
    const p = (f as WaypointFeature).properties;
    const [lon, lat] = f.geometry.coordinates;
    const latLng = toLatLng(lat, lon);
    if (!latLng || !p?.name || out.has(p.name)) continue;
    out.set(p.name, { key: p.name, name: p.name, nameEn: p.nameEn, kind: p.kind, latLng });
  }
  return [...out.values()];
}

export function minZoomOf(kind: string): number {
  return kind === "JC" ? JC_LABEL_ZOOM : LABEL_ZOOM;
}

export interface Candidate {
  key: string;
  text: string;
  /** container pixel of the point */
  x: number;
  y: number;
  /** lower first */
  rank: number;
}

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Label metrics: 11 px text (Korean glyphs are about square), a dot and padding. */
export const LABEL_HEIGHT = 16;
const CHAR_WIDTH = 11;
const LATIN_WIDTH = 6.5;
const DOT_AND_PAD = 14;

export function labelWidth(text: string): number {
  let w = DOT_AND_PAD;
  for (const ch of text) w += ch.charCodeAt(0) > 0x2e7f ? CHAR_WIDTH : LATIN_WIDTH;
  return w;
}

function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/**
 * The candidates whose label fits, greedily by rank then order: each label sits right of its
 * point, and one that would cover a label already placed, or leave the view, is left out.
 */
export function placeLabels(candidates: readonly Candidate[], view: { width: number; height: number }): Candidate[] {
  const placed: Box[] = [];
  const kept: Candidate[] = [];
  const sorted = candidates.map((c, i) => ({ c, i })).sort((a, b) => a.c.rank - b.c.rank || a.i - b.i);
  for (const { c } of sorted) {
    const box = { x: c.x - 4, y: c.y - LABEL_HEIGHT / 2, w: labelWidth(c.text), h: LABEL_HEIGHT };
    if (box.x < 0 || box.y < 0 || box.x + box.w > view.width || box.y + box.h > view.height) continue;
    if (placed.some((p) => overlaps(p, box))) continue;
    placed.push(box);
    kept.push(c);
  }
  return kept;
}
