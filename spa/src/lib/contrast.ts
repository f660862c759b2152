// Text in a data colour (an incident type's, a grade's) that stays readable: WCAG 2 contrast
// against the surface it sits on, the colour lightened (dark surface) or darkened (light surface)
// just enough to reach 4.5:1.

/** The page's surfaces: the cards' (slate-900) and the popups' (slate-50). */
export const DARK_SURFACE = "#0f172a";
export const LIGHT_SURFACE = "#f8fafc";
export const MIN_CONTRAST = 4.5;

type Rgb = [number, number, number];

export function parseHex(hex: string): Rgb {
  const h = hex.replace("#", "");
  const full =
    h.length === 3
      ? h
          .split("")
          .map((c) => c + c)
          .join("")
      : h.slice(0, 6);
  const n = Number.parseInt(full, 16);
  return Number.isFinite(n) ? [(n >> 16) & 255, (n >> 8) & 255, n & 255] : [0, 0, 0];
}

const toHex = (rgb: Rgb) => `#${rgb.map((c) => Math.round(c).toString(16).padStart(2, "0")).join("")}`;

/** WCAG 2 relative luminance. */
export function luminance(hex: string): number {
  const [r, g, b] = parseHex(hex).map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** `a` blended toward `b` by `t` (0..1). */
export function mix(a: string, b: string, t: number): string {
  const x = parseHex(a);
  const y = parseHex(b);
  return toHex([0, 1, 2].map((i) => x[i] + (y[i] - x[i]) * t) as Rgb);
}

const memo = new Map<string, string>();

/** `color`, or the nearest tint (or shade) of it with at least `min`:1 against `surface`. */
export function readable(color: string, surface: string = DARK_SURFACE, min: number = MIN_CONTRAST): string {
  const key = `${color}|${surface}|${min}`;
  const hit = memo.get(key);
  if (hit) return hit;
  const toward = luminance(surface) < 0.5 ? "#ffffff" : "#000000";
  let out = color;
  for (let t = 0; t <= 1 && contrast(out, surface) < min; t += 0.05) out = mix(color, toward, t);
  if (contrast(out, surface) < min) out = toward;
  memo.set(key, out);
  return out;
}
