// The grade palette and line patterns: a grade must read without colour (pattern and width),
// and its colour must stay apart from the others in brightness and for colour-blind readers.
import { describe, expect, it } from "vitest";
import { GRADE_COLORS, GRADE_STROKES, type Grade } from "../src/lib/colors";

type Rgb = [number, number, number];
const hex = (h: string): Rgb => [1, 3, 5].map((i) => Number.parseInt(h.slice(i, i + 2), 16) / 255) as Rgb;
const linear = (c: number) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
const toLinear = (h: string): Rgb => hex(h).map(linear) as Rgb;
const luminance = (h: string) => {
  const [r, g, b] = toLinear(h);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
/** WCAG 2 contrast of two colours' relative luminance. */
const contrast = (a: string, b: string) => {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
};

// Machado, Oliveira & Fernandes (2009), severity 1.0, on linear RGB.
const CVD: Record<string, number[][]> = {
  normal: [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ],
  protanopia: [
    [0.152286, 1.052583, -0.204868],
    [0.114503, 0.786281, 0.099216],
    [-0.003882, -0.048116, 1.051998],
  ],
  deuteranopia: [
    [0.367322, 0.860646, -0.227968],
    [0.280085, 0.672501, 0.047413],
    [-0.01182, 0.04294, 0.968881],
  ],
  tritanopia: [
    [1.255528, -0.076749, -0.178779],
    [-0.078411, 0.930809, 0.147602],
    [0.004733, 0.691367, 0.3039],
  ],
};
const simulate = (h: string, m: number[][]): Rgb => {
  const v = toLinear(h);
  return m.map((row) => Math.min(1, Math.max(0, row[0] * v[0] + row[1] * v[1] + row[2] * v[2]))) as Rgb;
};
/** CIELAB (D65) of a linear RGB colour. */
const lab = ([r, g, b]: Rgb): Rgb => {
  const x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
  const y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  const z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
  const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : ((24389 / 27) * t + 16) / 116);
  return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))];
};
/** The smallest CIE76 ΔE between two colours as seen with each vision. */
const worstDeltaE = (a: string, b: string) =>
  Math.min(
    ...Object.values(CVD).map((m) => {
      const [p, q] = [lab(simulate(a, m)), lab(simulate(b, m))];
      return Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
    }),
  );

/** The map's land under the offline outline (the outline's fill): the darkest the lines sit on
 * is the container's #0b1220, so this is the harder case. */
const LAND = "#1e293b";
const GRADES: Grade[] = [1, 2, 3];
const pairs = <T>(xs: T[]) => xs.flatMap((a, i) => xs.slice(i + 1).map((b) => [a, b] as const));

describe("grade colours", () => {
  it("tell 원활, 서행 and 정체 apart by brightness (WCAG contrast ≥ 1.85 between any two)", () => {
    for (const [a, b] of pairs(GRADES)) expect(contrast(GRADE_COLORS[a], GRADE_COLORS[b])).toBeGreaterThanOrEqual(1.85);
  });
  it("stay apart for protanopes, deuteranopes and tritanopes (simulated ΔE ≥ 40; the grey ≥ 15)", () => {
    for (const [a, b] of pairs(GRADES))
      expect(worstDeltaE(GRADE_COLORS[a], GRADE_COLORS[b])).toBeGreaterThanOrEqual(40);
    for (const g of GRADES) expect(worstDeltaE(GRADE_COLORS[0], GRADE_COLORS[g])).toBeGreaterThanOrEqual(15);
  });
  it("each stand out from the land at 3:1 (WCAG 1.4.11 for graphics)", () => {
    for (const g of [0, 1, 2, 3] as Grade[]) expect(contrast(GRADE_COLORS[g], LAND)).toBeGreaterThanOrEqual(3);
  });
  it("would catch the old green and red (1.65:1, ΔE 13 for a deuteranope)", () => {
    expect(contrast("#22c55e", "#ef4444")).toBeLessThan(1.85);
    expect(worstDeltaE("#22c55e", "#ef4444")).toBeLessThan(40);
  });
});

describe("grade line patterns", () => {
  const all: Grade[] = [0, 1, 2, 3];
  it("give every grade its own pattern or width", () => {
    const looks = all.map((g) => `${GRADE_STROKES[g].dashArray ?? "solid"}/${GRADE_STROKES[g].weight}`);
    expect(new Set(looks).size).toBe(all.length);
  });
  it("grow wider with congestion: 원활 < 서행 < 정체", () => {
    expect(GRADE_STROKES[1].weight).toBeLessThan(GRADE_STROKES[2].weight);
    expect(GRADE_STROKES[2].weight).toBeLessThan(GRADE_STROKES[3].weight);
  });
  it("set the dashed grades apart from the solid ones, with gaps wider than their caps", () => {
    expect(GRADE_STROKES[1].dashArray).toBeUndefined();
    expect(GRADE_STROKES[3].dashArray).toBeUndefined();
    for (const g of [0, 2] as Grade[]) {
      const s = GRADE_STROKES[g];
      const [, gap] = (s.dashArray ?? "").split(" ").map(Number);
      // a round cap adds half the width at each end of a dash, eating the gap
      const eaten = s.lineCap === "round" ? s.weight : 0;
      expect(gap - eaten).toBeGreaterThanOrEqual(3);
    }
  });
});
