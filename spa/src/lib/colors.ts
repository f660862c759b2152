// Colours shared by map, cards and charts (DESIGN.md "Dashboard conventions").

export type Grade = 0 | 1 | 2 | 3;

export const GRADE_COLORS: Record<Grade, string> = {
  0: "#94a3b8", // 판정불가 grey (slate-400)
  1: "#22c55e", // 원활 green
  2: "#f59e0b", // 서행 amber
  3: "#ef4444", // 정체 red
};

export function normaliseGrade(g: unknown): Grade {
  const n = typeof g === "string" ? Number(g) : g;
  return n === 1 || n === 2 || n === 3 ? n : 0;
}

export function gradeColor(g: unknown): string {
  return GRADE_COLORS[normaliseGrade(g)];
}

export const INCIDENT_TYPES = ["사고", "고장", "작업", "정체", "장애물"] as const;
export type IncidentType = (typeof INCIDENT_TYPES)[number];

export const TYPE_COLORS: Record<IncidentType, string> = {
  사고: "#ef4444", // red
  고장: "#f97316", // orange
  작업: "#3b82f6", // blue
  정체: "#f59e0b", // amber
  장애물: "#a855f7", // purple
};
export const OTHER_TYPE_COLOR = "#94a3b8"; // grey

export function typeColor(type: string | null | undefined): string {
  const t = (type ?? "").trim();
  return (TYPE_COLORS as Record<string, string>)[t] ?? OTHER_TYPE_COLOR;
}

/** Volume ramp for tollgates, relative to the largest current volume (0..1). */
const VOLUME_STOPS = ["#38bdf8", "#22c55e", "#eab308", "#f97316", "#ef4444"];
export function volumeColor(ratio: number): string {
  if (!Number.isFinite(ratio) || ratio <= 0) return VOLUME_STOPS[0];
  const i = Math.min(VOLUME_STOPS.length - 1, Math.floor(ratio * VOLUME_STOPS.length));
  return VOLUME_STOPS[i];
}
