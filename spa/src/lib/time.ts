// Times in KST (Asia/Seoul) with a freshness suffix.
import type { Lang } from "../i18n";

const KST_TIME = new Intl.DateTimeFormat("en-GB", {
  timeZone: "Asia/Seoul",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hourCycle: "h23",
});
const KST_DATE = new Intl.DateTimeFormat("en-CA", {
  timeZone: "Asia/Seoul",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
});
const KST_HOUR = new Intl.DateTimeFormat("en-GB", {
  timeZone: "Asia/Seoul",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
});

export function toDate(v: string | number | Date | null | undefined): Date | null {
  if (v === null || v === undefined || v === "") return null;
  const d = v instanceof Date ? v : new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** "13:47:05 KST" */
export function formatKstTime(v: string | number | Date | null | undefined): string {
  const d = toDate(v);
  return d ? `${KST_TIME.format(d)} KST` : "—";
}

/** "13:47" (no suffix) */
export function formatKstHm(v: string | number | Date | null | undefined): string {
  const d = toDate(v);
  return d ? KST_HOUR.format(d) : "—";
}

/** "2026-11-27" (the KST calendar day) */
export function formatKstDate(v: string | number | Date | null | undefined): string {
  const d = toDate(v);
  return d ? KST_DATE.format(d) : "—";
}

/** "2026-11-27 13:47:05 KST" */
export function formatKstDateTime(v: string | number | Date | null | undefined): string {
  const d = toDate(v);
  return d ? `${KST_DATE.format(d)} ${KST_TIME.format(d)} KST` : "—";
}

/** "n초 전" / "n s ago" (and minutes / hours past 60). */
export function formatAgo(v: string | number | Date | null | undefined, now: number, lang: Lang): string {
  const d = toDate(v);
  if (!d) return "—";
  const s = Math.max(0, Math.round((now - d.getTime()) / 1000));
  if (s < 60) return lang === "ko" ? `${s}초 전` : `${s} s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return lang === "ko" ? `${m}분 전` : `${m} min ago`;
  const h = Math.floor(m / 60);
  return lang === "ko" ? `${h}시간 전` : `${h} h ago`;
}

/** The KST hour bucket key of a time: "2026-11-27T13". */
export function kstHourKey(v: string | number | Date | null | undefined): string | null {
  const d = toDate(v);
  if (!d) return null;
  const kst = new Date(d.getTime() + 9 * 3600_000);
  return kst.toISOString().slice(0, 13);
}

/** A length of time, rounded to its largest unit: "10초" / "10 s", "5분" / "5 min", "1일" / "1 d". */
export function formatDuration(seconds: number, lang: Lang): string {
  const s = Math.max(0, Math.round(seconds));
  const [n, ko, en] =
    s < 60
      ? [s, "초", "s"]
      : s < 3600
        ? [Math.round(s / 60), "분", "min"]
        : s < 86400
          ? [Math.round(s / 3600), "시간", "h"]
          : [Math.round(s / 86400), "일", "d"];
  return lang === "ko" ? `${n}${ko}` : `${n} ${en}`;
}
