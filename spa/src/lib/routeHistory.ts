// A route's last 24 hours (/api/road/history) as the charts draw it: one column per bucket, an
// empty bucket a gap for speed (nothing was read) and a zero for incidents (none started).
import type { RoadHistory } from "../api/routes";
import type { SeriesPointView } from "../components/charts/SeriesChart";

export function speedPoints(h: RoadHistory): SeriesPointView[] {
  return h.buckets.map((b) => ({ at: b.start, value: b.avgSpeed === null ? null : Math.round(b.avgSpeed) }));
}

export function incidentPoints(h: RoadHistory): SeriesPointView[] {
  return h.buckets.map((b) => ({ at: b.start, value: b.incidents }));
}

export interface HistorySummary {
  /** the readings' mean speed over the day (each bucket weighted by its readings) */
  avgSpeed: number | null;
  /** the slowest bucket */
  slowest: { at: string; speed: number } | null;
  incidents: number;
  /** type name -> incidents started, most first */
  byType: [string, number][];
  /** buckets with readings */
  readBuckets: number;
  /** share of valid readings that were 서행 or 정체, 0..1; null without readings */
  slowShare: number | null;
}

export function historySummary(h: RoadHistory): HistorySummary {
  let sum = 0;
  let readings = 0;
  let slow = 0;
  let slowest: HistorySummary["slowest"] = null;
  let incidents = 0;
  let readBuckets = 0;
  const types = new Map<string, number>();
  for (const b of h.buckets) {
    incidents += b.incidents;
    for (const [t, n] of Object.entries(b.incidentsByType)) types.set(t, (types.get(t) ?? 0) + n);
    if (b.avgSpeed === null || b.readings === 0) continue;
    readBuckets += 1;
    sum += b.avgSpeed * b.readings;
    readings += b.readings;
    slow += b.slowReadings + b.congestedReadings;
    if (slowest === null || b.avgSpeed < slowest.speed) slowest = { at: b.start, speed: b.avgSpeed };
  }
  return {
    avgSpeed: readings > 0 ? sum / readings : null,
    slowest,
    incidents,
    byType: [...types.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0], "ko")),
    readBuckets,
    slowShare: readings > 0 ? slow / readings : null,
  };
}
