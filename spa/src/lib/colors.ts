// Colours shared by map, cards and charts (DESIGN.md "Dashboard conventions").

export type Grade = 0 | 1 | 2 | 3;

/**
 * Flow grade colours, chosen so that colour-blind readers can tell them apart and so that the
 * grade never rests on hue alone (the lines also differ in dash and width, GRADE_STROKES).
 *
 * The old green #22c55e and red #ef4444 differed 1.65:1 in brightness and by a CIE76 ΔE of 13
 * for a deuteranope: the same colour. These keep the hue families users know (green-ish, yellow,
 * red) but spread their brightness: 정체 the darkest, 원활 in the middle, 서행 the brightest, at
 * least 1.89:1 apart (WCAG contrast of relative luminance), each at least 3:1 against the map's
 * land (#1e293b), and at least ΔE 42 apart under simulated protanopia, deuteranopia and
 * tritanopia (Machado et al. 2009, full severity). 원활 leans to teal for that: a blue component
 * is what keeps it apart from red when red and green collapse. 판정불가 is a plain grey, dotted.
 * test/palette.test.ts checks every one of these figures.
 */
export const GRADE_COLORS: Record<Grade, string> = {
  0: "#64748b", // 판정불가 grey (slate-500), dotted
  1: "#14b8a6", // 원활 teal green (teal-500), thin solid
  2: "#fde047", // 서행 yellow (yellow-300), dashed
  3: "#dc2626", // 정체 red (red-600), thick solid
};

export interface GradeStroke {
  weight: number;
  /** SVG stroke-dasharray in px; undefined: solid */
  dashArray: string | undefined;
  lineCap: "round" | "butt";
}

/**
 * How a section of each grade is drawn: one pattern and width each, so the grade reads without
 * colour (and in a grey-scale print): dotted thin, thin solid, dashed, thick solid. Dashes are
 * butt-capped, since round caps would grow each dash by the width and close the gaps; the dots
 * are round caps on near-zero dashes.
 */
export const GRADE_STROKES: Record<Grade, GradeStroke> = {
  0: { weight: 3, dashArray: "0.1 7", lineCap: "round" },
  1: { weight: 3.5, dashArray: undefined, lineCap: "round" },
  2: { weight: 5, dashArray: "10 6", lineCap: "butt" },
  3: { weight: 7, dashArray: undefined, lineCap: "round" },
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
