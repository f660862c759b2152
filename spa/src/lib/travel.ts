// Travel time between two tollgates: the choices /api/travel-time/pairs offers, the answer for
// one vehicle class, and how it compares with the same hour on earlier days ("평소보다 5분 더").
import type { SameHourItem, TravelPairItem, TravelTimeItem } from "../api/routes";

export interface TollgateChoice {
  code: string;
  name: string;
}

/** The start tollgates, each once, by name (the UI's language's, `label`), then code. */
export function startChoices(pairs: readonly TravelPairItem[], label: (name: string) => string): TollgateChoice[] {
  const seen = new Map<string, TollgateChoice>();
  for (const p of pairs)
    if (!seen.has(p.startUnitCode)) seen.set(p.startUnitCode, { code: p.startUnitCode, name: p.startUnitName });
  return byName([...seen.values()], label);
}

/** The ends a start has pairs to, by name. */
export function endChoices(
  pairs: readonly TravelPairItem[],
  start: string,
  label: (name: string) => string,
): TollgateChoice[] {
  const seen = new Map<string, TollgateChoice>();
  for (const p of pairs)
    if (p.startUnitCode === start && !seen.has(p.endUnitCode))
      seen.set(p.endUnitCode, { code: p.endUnitCode, name: p.endUnitName });
  return byName([...seen.values()], label);
}

function byName(list: TollgateChoice[], label: (name: string) => string): TollgateChoice[] {
  return list.sort((a, b) => label(a.name).localeCompare(label(b.name), "ko") || a.code.localeCompare(b.code));
}

/** Choices whose name (as spelt or as shown) or code holds `query`, case aside. */
export function matchChoices(
  list: readonly TollgateChoice[],
  query: string,
  label: (name: string) => string,
): TollgateChoice[] {
  const q = query.trim().toLowerCase();
  if (!q) return list.slice();
  return list.filter((c) => `${c.name} ${label(c.name)} ${c.code}`.toLowerCase().includes(q));
}

export function findPair(pairs: readonly TravelPairItem[], from: string, to: string): TravelPairItem | null {
  return pairs.find((p) => p.startUnitCode === from && p.endUnitCode === to) ?? null;
}

/**
 * The pair to show: the one asked for when it exists; else the start's first end (a start
 * changed, its old end no longer fits); else the first pair listed from `preferred` starts (서울
 * first), else the first of all.
 */
export function choosePair(
  pairs: readonly TravelPairItem[],
  from: string,
  to: string,
  label: (name: string) => string,
  preferred: readonly string[] = ["101"],
): { from: string; to: string } | null {
  if (pairs.length === 0) return null;
  if (findPair(pairs, from, to)) return { from, to };
  const ends = from ? endChoices(pairs, from, label) : [];
  if (ends.length > 0) return { from, to: ends[0].code };
  for (const code of preferred) {
    const e = endChoices(pairs, code, label);
    if (e.length > 0) return { from: code, to: e[0].code };
  }
  const starts = startChoices(pairs, label);
  return { from: starts[0].code, to: endChoices(pairs, starts[0].code, label)[0].code };
}

/** The answer for a vehicle class: that class, else class 1 (cars), else the first. */
export function itemFor(items: readonly TravelTimeItem[], carType: string): TravelTimeItem | null {
  return items.find((i) => i.carType === carType) ?? items.find((i) => i.carType === "1") ?? items[0] ?? null;
}

export interface Usual {
  /** the mean over the earlier days of each day's same-hour average (minutes) */
  minutes: number;
  days: number;
}

/** The same hour on earlier days, each day counted once; null when none had slots. */
export function usualMinutes(earlier: readonly SameHourItem[]): Usual | null {
  const days = earlier.filter((d) => d.slots > 0 && Number.isFinite(d.minutes));
  if (days.length === 0) return null;
  return { minutes: days.reduce((s, d) => s + d.minutes, 0) / days.length, days: days.length };
}

export type Verdict = "slower" | "faster" | "usual";

export interface Comparison {
  verdict: Verdict;
  /** whole minutes more (slower) or fewer (faster) than usual; 0 when about usual */
  minutes: number;
}

/**
 * Now against usual. Within a minute, or a tenth of the usual time on long trips, is "about as
 * usual": slot-to-slot noise is that large, and "1분 더" on a 2-hour trip tells nothing.
 */
export function compareWithUsual(now: number, usual: number): Comparison {
  const diff = now - usual;
  const tolerance = Math.max(1, usual * 0.1);
  if (Math.abs(diff) < tolerance) return { verdict: "usual", minutes: 0 };
  return { verdict: diff > 0 ? "slower" : "faster", minutes: Math.max(1, Math.round(Math.abs(diff))) };
}

/** Minutes as a driver reads them: "9분", "1시간 5분" (or English), whole minutes. */
export function formatMinutes(minutes: number, lang: "ko" | "en"): string {
  const m = Math.max(0, Math.round(minutes));
  const ko = lang === "ko";
  if (m < 60) return ko ? `${m}분` : `${m} min`;
  const h = Math.floor(m / 60);
  const r = m % 60;
  if (r === 0) return ko ? `${h}시간` : `${h} h`;
  return ko ? `${h}시간 ${r}분` : `${h} h ${r} min`;
}

/** KEC's class division names (tcsCarTypeDivName). */
const CLASS_EN: Readonly<Record<string, string>> = {
  경차: "compact car",
  소형차: "car",
  중형차: "mid-size vehicle",
  대형차: "large vehicle",
  특수차: "special vehicle",
};

/** A vehicle class as the UI's language says it: "1종 (소형차)" / "Class 1 (car)". */
export function carTypeLabel(
  item: Pick<TravelTimeItem, "carType" | "carTypeName" | "carClassName">,
  lang: "ko" | "en",
) {
  const cls = item.carClassName.trim();
  if (lang === "ko") return cls ? `${item.carTypeName} (${cls})` : item.carTypeName;
  const n = /^(\d+)\s*종$/.exec(item.carTypeName.trim())?.[1] ?? item.carType;
  const en = CLASS_EN[cls];
  return en ? `Class ${n} (${en})` : `Class ${n}`;
}
