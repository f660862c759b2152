import type { RoadStatus, RouteSummary, SectionFeature } from "../api/types";
import { normaliseGrade, type Grade } from "./colors";

export interface JoinedSection {
  conzoneId: string;
  conzoneName: string;
  routeNo: string;
  routeName: string;
  direction: string;
  coordinates: SectionFeature["geometry"]["coordinates"];
  status: RoadStatus | null;
  grade: Grade;
}

/**
 * Join section geometry with road status on conzoneId. Where both carry a direction they must agree
 * (a reading of one carriageway never colours the other); a side without a direction matches any.
 */
export function joinSections(sections: readonly SectionFeature[], status: readonly RoadStatus[]): JoinedSection[] {
  const byKey = new Map<string, RoadStatus>();
  const byId = new Map<string, RoadStatus>();
  for (const s of status) {
    byKey.set(`${s.conzoneId}|${s.updownTypeCode}`, s);
    if (!byId.has(s.conzoneId)) byId.set(s.conzoneId, s);
  }
  return sections.map((f) => {
    const p = f.properties;
    let st = byKey.get(`${p.conzoneId}|${p.direction}`) ?? null;
    if (!st) {
      const any = byId.get(p.conzoneId);
      if (any && (!p.direction || !any.updownTypeCode)) st = any;
    }
    return {
      conzoneId: p.conzoneId,
      conzoneName: p.conzoneName,
      routeNo: p.routeNo,
      routeName: p.routeName,
      direction: p.direction,
      coordinates: f.geometry.coordinates,
      status: st,
      grade: st ? normaliseGrade(st.grade) : 0,
    };
  });
}

export interface GradeCounts {
  0: number;
  1: number;
  2: number;
  3: number;
}

export function gradeCounts(sections: readonly JoinedSection[]): GradeCounts {
  const c: GradeCounts = { 0: 0, 1: 0, 2: 0, 3: 0 };
  for (const s of sections) c[s.grade] += 1;
  return c;
}

export interface RouteCard {
  routeNo: string;
  routeName: string;
  counts: GradeCounts;
  total: number;
  avgSpeed: number | null;
}

/** Per-route cards from the joined (and filtered) sections. */
export function routeCards(sections: readonly JoinedSection[]): RouteCard[] {
  const m = new Map<string, { card: RouteCard; speedSum: number; speedN: number }>();
  for (const s of sections) {
    let e = m.get(s.routeNo);
    if (!e) {
      e = {
        card: {
          routeNo: s.routeNo,
          routeName: s.routeName,
          counts: { 0: 0, 1: 0, 2: 0, 3: 0 },
          total: 0,
          avgSpeed: null,
        },
        speedSum: 0,
        speedN: 0,
      };
      m.set(s.routeNo, e);
    }
    e.card.counts[s.grade] += 1;
    e.card.total += 1;
    if (s.status && s.status.speed !== null && Number.isFinite(s.status.speed) && s.status.speed >= 0) {
      e.speedSum += s.status.speed;
      e.speedN += 1;
    }
  }
  return [...m.values()]
    .map((e) => ({ ...e.card, avgSpeed: e.speedN > 0 ? e.speedSum / e.speedN : null }))
    .sort((a, b) => a.routeNo.localeCompare(b.routeNo));
}

export function routesBySpeed(summary: readonly RouteSummary[]): RouteSummary[] {
  return summary.slice().sort((a, b) => (b.avgSpeed ?? 0) - (a.avgSpeed ?? 0));
}
