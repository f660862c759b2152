// The tollgate list's order and a tollgate's series on a time axis of its own 15-minute slots.
import type { SeriesPoint, Tollgate } from "../api/types";
import type { SeriesPointView } from "../components/charts/SeriesChart";

export const SLOT_MS = 15 * 60_000;
/** /api/tollgates' series: the 3 h up to the newest slot. */
export const SERIES_SLOTS = 12;

/** Every tollgate: those with a volume, busiest first, then the others by name. */
export function tollgateOrder(list: readonly Tollgate[]): Tollgate[] {
  const has = (tg: Tollgate) => typeof tg.latestTrafficAmount === "number";
  return list
    .slice()
    .sort(
      (a, b) =>
        Number(has(b)) - Number(has(a)) ||
        (b.latestTrafficAmount ?? 0) - (a.latestTrafficAmount ?? 0) ||
        a.unitName.localeCompare(b.unitName, "ko") ||
        a.unitCode.localeCompare(b.unitCode),
    );
}

/**
 * `series` on the `slots` 15-minute slots ending at `last` (the newest slot, else the newest
 * point's), oldest first: a slot with no reading is a gap (null), so the bars stand where their
 * time is and a short series is not stretched over the chart.
 */
export function slotSeries(
  series: readonly SeriesPoint[],
  last: string | null,
  slots: number = SERIES_SLOTS,
): SeriesPointView[] {
  const at = new Map<number, number | null>();
  for (const p of series) {
    const ms = Date.parse(p.slotAt);
    if (!Number.isNaN(ms)) at.set(ms, p.trafficAmount);
  }
  const end = last && !Number.isNaN(Date.parse(last)) ? Date.parse(last) : Math.max(...at.keys());
  if (!Number.isFinite(end)) return [];
  const out: SeriesPointView[] = [];
  for (let k = slots - 1; k >= 0; k--) {
    const ms = end - k * SLOT_MS;
    out.push({ at: new Date(ms).toISOString(), value: at.get(ms) ?? null });
  }
  return out;
}

/**
 * A day's slots (/api/tollgate/history: all 96, null where nothing was reported) up to its newest
 * reading, at least `min` of them: the hours still to come take no room from the bars.
 */
export function daySoFar(slots: readonly SeriesPoint[], min: number = SERIES_SLOTS): SeriesPointView[] {
  let last = -1;
  slots.forEach((p, i) => {
    if (p.trafficAmount !== null) last = i;
  });
  return slots
    .slice(0, Math.max(last + 1, Math.min(min, slots.length)))
    .map((p) => ({ at: p.slotAt, value: p.trafficAmount }));
}
