// A tollgate's KST day of 15-minute volumes (GET /api/tollgate/history?unitCode=…): asked for
// when the tollgate shown changes and when a newer slot of it comes in; null until it answers,
// and when it cannot (an older data API without the endpoint), so the tab shows the 3 h series.
import { useEffect, useState } from "react";
import { fetchJson } from "../api/client";
import type { components } from "../api/types";

/** A tollgate's day as the data API answers it. */
export type TollgateDay = components["schemas"]["TollgateHistory"];

export function isTollgateDay(v: unknown): v is TollgateDay {
  const d = v as Partial<TollgateDay> | null;
  return !!d && typeof d.unitCode === "string" && typeof d.date === "string" && Array.isArray(d.slots);
}

export function useTollgateDay(unitCode: string | null, latestSlotAt: string | null): TollgateDay | null {
  const [day, setDay] = useState<TollgateDay | null>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: latestSlotAt: a new slot of this tollgate came in, so the day has one more reading
  useEffect(() => {
    if (!unitCode) {
      setDay(null);
      return;
    }
    let live = true;
    fetchJson<unknown>(`/api/tollgate/history?unitCode=${encodeURIComponent(unitCode)}`).then(
      ({ data }) => {
        if (live) setDay(isTollgateDay(data) && data.unitCode === unitCode ? data : null);
      },
      () => {
        if (live) setDay(null);
      },
    );
    return () => {
      live = false;
    };
  }, [unitCode, latestSlotAt]);
  return day && day.unitCode === unitCode ? day : null;
}
