// Numbers as the reader's locale writes them (1,234.5). Number.toLocaleString builds a formatter
// on every call, which a list of hundreds of figures pays for on every render: one per precision.
const FORMATS = new Map<number, Intl.NumberFormat>();

/** `n` with exactly `digits` decimals (0: a whole number), grouped; "—" for none. */
export function formatNumber(n: number | null | undefined, digits = 0): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "—";
  let f = FORMATS.get(digits);
  if (!f) {
    f = new Intl.NumberFormat(undefined, { maximumFractionDigits: digits, minimumFractionDigits: digits });
    FORMATS.set(digits, f);
  }
  return f.format(n);
}
