// The route strip's geometry and words: where each IC/JC, section and incident of one direction
// goes on a horizontal line (like 로드플러스's 도로 소통), what the sections add up to, and which
// section a point on the map is.
import type { RoadStrip, StripIncident, StripNode, StripSegment } from "../api/routes";
import type { Lang } from "../i18n";
import { normaliseGrade, type Grade } from "./colors";

export interface StripScale {
  /** px per km of a section, before the bounds below */
  pxPerKm: number;
  /** the narrowest section (px): room for its speed, and for every other node's name */
  minSegment: number;
  maxSegment: number;
  /** a gap between two sections that do not meet (the network lacks what joins them) */
  gap: number;
  /** room before the first node and after the last, for their names */
  pad: number;
  /** an incident pin's width: pins closer than this go on separate rows */
  pin: number;
}

export const STRIP_SCALE: StripScale = { pxPerKm: 5, minSegment: 60, maxSegment: 170, gap: 18, pad: 56, pin: 24 };

export interface PlacedNode {
  index: number;
  node: StripNode;
  x: number;
  /** the names alternate between two rows, so each has two sections' width */
  row: 0 | 1;
}

export interface PlacedSegment {
  index: number;
  segment: StripSegment;
  grade: Grade;
  x: number;
  width: number;
}

export interface PlacedPin {
  incident: StripIncident;
  x: number;
  /** its row above the line (0 nearest): pins never overlap */
  lane: number;
}

export interface StripLayout {
  width: number;
  nodes: PlacedNode[];
  segments: PlacedSegment[];
  pins: PlacedPin[];
  lanes: number;
  /** incidents KEC placed nowhere on this strip */
  unplaced: StripIncident[];
  /** km along the strip to x (px) */
  xAt: (km: number) => number;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/**
 * Lay out one direction. A section's width follows its length within bounds: a 1 km section is
 * still wide enough to tap and a 30 km one does not take the screen. Positions between nodes
 * (incidents) are interpolated by km within the section they are on.
 */
export function layoutStrip(strip: RoadStrip, scale: StripScale = STRIP_SCALE): StripLayout {
  const nodes = strip.nodes;
  const joins = new Map<number, StripSegment>();
  strip.segments.forEach((s) => {
    joins.set(s.fromNode, s);
  });
  // (km, x) at every node: x grows by each section's width, or by the gap where none joins two
  const marks: [number, number][] = [];
  const placedNodes: PlacedNode[] = [];
  const placedSegments: PlacedSegment[] = [];
  let x = scale.pad;
  nodes.forEach((node, i) => {
    if (i > 0) {
      const seg = joins.get(i - 1);
      const width = seg
        ? clamp(seg.lengthKm * scale.pxPerKm, scale.minSegment, scale.maxSegment)
        : Math.max(scale.gap, Math.min(scale.minSegment, (node.km - nodes[i - 1].km) * scale.pxPerKm));
      if (seg) {
        placedSegments.push({
          index: strip.segments.indexOf(seg),
          segment: seg,
          grade: normaliseGrade(seg.grade),
          x,
          width,
        });
      }
      x += width;
    }
    marks.push([node.km, x]);
    placedNodes.push({ index: i, node, x, row: (i % 2) as 0 | 1 });
  });
  const width = x + scale.pad;
  const xAt = (km: number): number => {
    if (marks.length === 0) return scale.pad;
    if (km <= marks[0][0]) return marks[0][1];
    for (let i = 1; i < marks.length; i++) {
      const [k1, x1] = marks[i];
      if (km <= k1) {
        const [k0, x0] = marks[i - 1];
        return k1 === k0 ? x1 : x0 + ((km - k0) / (k1 - k0)) * (x1 - x0);
      }
    }
    return marks[marks.length - 1][1];
  };
  const pins: PlacedPin[] = [];
  const unplaced: StripIncident[] = [];
  const laneEnds: number[] = [];
  const placed = strip.incidents
    .filter((i) => {
      const ok = i.km !== null && Number.isFinite(i.km);
      if (!ok) unplaced.push(i);
      return ok;
    })
    .map((incident) => ({ incident, x: xAt(incident.km as number) }))
    .sort((a, b) => a.x - b.x);
  for (const p of placed) {
    let lane = laneEnds.findIndex((end) => end <= p.x - scale.pin);
    if (lane < 0) {
      lane = laneEnds.length;
      laneEnds.push(p.x);
    } else laneEnds[lane] = p.x;
    pins.push({ ...p, lane });
  }
  return {
    width,
    nodes: placedNodes,
    segments: placedSegments,
    pins,
    lanes: laneEnds.length,
    unplaced,
    xAt,
  };
}

export interface GradeKm {
  grade: Grade;
  km: number;
  sections: number;
}

/** How much of the direction is at each grade, by length: worst first, only those present. */
export function kmByGrade(segments: readonly StripSegment[]): GradeKm[] {
  const out = new Map<Grade, GradeKm>();
  for (const s of segments) {
    const grade = normaliseGrade(s.grade);
    const g = out.get(grade) ?? { grade, km: 0, sections: 0 };
    g.km += s.lengthKm;
    g.sections += 1;
    out.set(grade, g);
  }
  const order: Grade[] = [3, 2, 1, 0];
  return order.flatMap((g) => {
    const v = out.get(g);
    return v ? [{ ...v, km: Math.round(v.km * 10) / 10 }] : [];
  });
}

/** The direction's time to drive at the current speeds: seconds, and how many sections lack one. */
export function stripTravelTime(segments: readonly StripSegment[]): { seconds: number; missing: number } {
  let seconds = 0;
  let missing = 0;
  for (const s of segments) {
    if (s.travelTimeS === null) missing += 1;
    else seconds += s.travelTimeS;
  }
  return { seconds, missing };
}

/** A drive's length: "45초", "6분 20초" (under 10 minutes), "18분", "1시간 5분" (or English). */
export function formatDrive(seconds: number, lang: Lang): string {
  const s = Math.max(0, Math.round(seconds));
  const ko = lang === "ko";
  if (s < 60) return ko ? `${s}초` : `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 10) {
    const r = s % 60;
    if (r === 0) return ko ? `${m}분` : `${m} min`;
    return ko ? `${m}분 ${r}초` : `${m} min ${r} s`;
  }
  const total = Math.round(s / 60);
  if (total < 60) return ko ? `${total}분` : `${total} min`;
  const h = Math.floor(total / 60);
  const rest = total % 60;
  if (rest === 0) return ko ? `${h}시간` : `${h} h`;
  return ko ? `${h}시간 ${rest}분` : `${h} h ${rest} min`;
}

/** A node's name in the UI's language: the network's English, else `fallback` (romanized). */
export function nodeName(node: StripNode, lang: Lang, fallback: (name: string) => string): string {
  if (lang === "ko") return node.name;
  return node.nameEn?.trim() || fallback(node.name);
}

/** Which item of a strip the focus/selection is on: a section (by its index) or a node. */
export type StripItem = { kind: "segment"; index: number } | { kind: "node"; index: number };

/** The keyboard's order along the strip: node, section, node … as a driver meets them. */
export function stripItems(layout: StripLayout): StripItem[] {
  const out: StripItem[] = [];
  const byFrom = new Map(layout.segments.map((s) => [s.segment.fromNode, s]));
  for (const n of layout.nodes) {
    out.push({ kind: "node", index: n.index });
    const s = byFrom.get(n.index);
    if (s) out.push({ kind: "segment", index: s.index });
  }
  return out;
}

export const itemKey = (i: StripItem) => `${i.kind}:${i.index}`;

/** The item an arrow key moves to: `step` along the strip, held at its ends. */
export function moveItem(items: readonly StripItem[], from: StripItem | null, key: string): StripItem | null {
  if (items.length === 0) return null;
  const at = from ? items.findIndex((i) => itemKey(i) === itemKey(from)) : -1;
  const last = items.length - 1;
  switch (key) {
    case "ArrowRight":
    case "ArrowDown":
      return items[at < 0 ? 0 : Math.min(last, at + 1)];
    case "ArrowLeft":
    case "ArrowUp":
      return items[at < 0 ? 0 : Math.max(0, at - 1)];
    case "Home":
      return items[0];
    case "End":
      return items[last];
    default:
      return null;
  }
}

// --- the map's side ---------------------------------------------------------------------------

export interface DrawnSection {
  conzoneId: string;
  routeNo: string;
  direction: string;
  /** as the map draws it: [lat, lon], offset to its carriageway */
  points: readonly (readonly [number, number])[];
}

/** Distance (km, flat near the point) from `p` to the segment a-b, all [lat, lon]. */
function toSegmentKm(p: readonly [number, number], a: readonly [number, number], b: readonly [number, number]): number {
  const kx = 111.32 * Math.cos((p[0] * Math.PI) / 180);
  const ky = 110.57;
  const ax = (a[1] - p[1]) * kx;
  const ay = (a[0] - p[0]) * ky;
  const bx = (b[1] - p[1]) * kx;
  const by = (b[0] - p[0]) * ky;
  const dx = bx - ax;
  const dy = by - ay;
  const len = dx * dx + dy * dy;
  const t = len === 0 ? 0 : clamp(-(ax * dx + ay * dy) / len, 0, 1);
  return Math.hypot(ax + t * dx, ay + t * dy);
}

/**
 * The drawn section nearest `p` ([lat, lon]) within `maxKm`, or null: what a popup opened on the
 * map (a click on a line, or a pick from the map's keyboard list) is about.
 */
export function nearestSection<T extends DrawnSection>(
  p: readonly [number, number],
  sections: readonly T[],
  maxKm = 0.5,
): T | null {
  let best: T | null = null;
  let bestKm = maxKm;
  for (const s of sections) {
    const pts = s.points;
    for (let i = 1; i < pts.length; i++) {
      const d = toSegmentKm(p, pts[i - 1], pts[i]);
      if (d <= bestKm) {
        bestKm = d;
        best = s;
      }
    }
  }
  return best;
}

type Pt = readonly [number, number];

/** A line's first and last points; null when it has fewer than two. */
export function lineEnds(points: readonly Pt[]): [Pt, Pt] | null {
  return points.length >= 2 ? [points[0], points[points.length - 1]] : null;
}

const samePt = (a: Pt, b: Pt) => Math.abs(a[0] - b[0]) < 1e-9 && Math.abs(a[1] - b[1]) < 1e-9;

/** The drawn section whose line starts at `first` and ends at `last` (the map's own points). */
export function sectionByEnds<T extends DrawnSection>(sections: readonly T[], first: Pt, last: Pt): T | null {
  return (
    sections.find((s) => {
      const e = lineEnds(s.points);
      return e !== null && samePt(e[0], first) && samePt(e[1], last);
    }) ?? null
  );
}
