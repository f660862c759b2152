import { useWidth } from "../../hooks/useWidth";
import { formatNumber } from "../../lib/format";
import { formatKstHm } from "../../lib/time";

export interface SeriesPointView {
  at: string;
  /** null: no reading for the slot (a gap, no column) */
  value: number | null;
}

/** Column chart of a time series (oldest left), SVG drawn at its own width (text never
 * stretched), with min/max labels and time ticks. */
export function SeriesChart({
  points,
  label,
  color = "#38bdf8",
  height = 180,
  unit,
  testId,
}: {
  points: SeriesPointView[];
  /** what the chart shows, for assistive technology */
  label: string;
  color?: string;
  height?: number;
  unit?: string;
  testId?: string;
}) {
  const [ref, W] = useWidth<SVGSVGElement>(600);
  const H = height;
  const padL = 44;
  const padB = 22;
  const padT = 10;
  const n = points.length;
  const max = Math.max(1, ...points.map((p) => p.value ?? 0));
  const bw = n ? Math.min(48, (W - padL - 8) / n) : 0;
  const y = (v: number) => padT + (H - padT - padB) * (1 - v / max);
  // a tick label every ~60 px
  const tickEvery = Math.max(1, Math.ceil(n / Math.max(2, Math.floor((W - padL) / 60))));
  return (
    <svg
      ref={ref}
      viewBox={`0 0 ${W} ${H}`}
      width="100%"
      height={H}
      className="block w-full"
      role="img"
      aria-label={label}
      data-testid={testId}
      data-bars={points.filter((p) => p.value !== null).length}
    >
      {/* 0, a whole middle value and the top: a small maximum (1) has no middle of its own */}
      {[...new Set([0, Math.round(max / 2), Math.round(max)])].map((tick) => (
        <g key={tick}>
          <line x1={padL} x2={W - 4} y1={y(tick)} y2={y(tick)} stroke="#334155" strokeDasharray="3 3" />
          <text x={padL - 6} y={y(tick) + 4} textAnchor="end" fontSize="12" fill="#94a3b8">
            {formatNumber(tick)}
          </text>
        </g>
      ))}
      {points.map((p, i) => (
        <g key={p.at}>
          {p.value === null ? null : (
            <rect
              x={padL + i * bw + 1.5}
              y={y(p.value)}
              width={Math.max(1, bw - 3)}
              height={Math.max(0, H - padB - y(p.value))}
              fill={color}
              rx="2"
            >
              <title>{`${formatKstHm(p.at)} KST · ${formatNumber(p.value)}${unit ? ` ${unit}` : ""}`}</title>
            </rect>
          )}
          {/* the last tick stands alone: one that would crowd it gives way */}
          {(i % tickEvery === 0 && n - 1 - i >= tickEvery / 2) || i === n - 1 ? (
            <text
              x={i === n - 1 ? Math.min(W - 2, padL + i * bw + bw / 2) : padL + i * bw + bw / 2}
              y={H - 6}
              textAnchor={i === n - 1 ? "end" : "middle"}
              fontSize="11"
              fill="#94a3b8"
            >
              {formatKstHm(p.at)}
            </text>
          ) : null}
        </g>
      ))}
    </svg>
  );
}

/** A tiny sparkline (no axes). */
export function Sparkline({
  values,
  color = "#38bdf8",
  width = 120,
  height = 28,
}: {
  values: number[];
  color?: string;
  width?: number;
  height?: number;
}) {
  if (values.length < 2) return <svg width={width} height={height} />;
  const max = Math.max(1, ...values);
  const min = Math.min(0, ...values);
  const pts = values
    .map(
      (v, i) =>
        `${((i / (values.length - 1)) * (width - 2) + 1).toFixed(1)},${(height - 2 - ((v - min) / (max - min || 1)) * (height - 4)).toFixed(1)}`,
    )
    .join(" ");
  return (
    <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} aria-hidden="true">
      <polyline points={pts} fill="none" stroke={color} strokeWidth="1.8" strokeLinejoin="round" />
    </svg>
  );
}
