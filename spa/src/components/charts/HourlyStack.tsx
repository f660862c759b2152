import type { HourBucket } from "../../lib/incidents";
import { typeColor } from "../../lib/colors";

/** Stacked columns of incident counts per KST hour, one colour per type. */
export function HourlyStack({
  buckets,
  types,
  label,
  height = 140,
}: {
  buckets: HourBucket[];
  types: string[];
  /** what the chart shows, for assistive technology */
  label: string;
  height?: number;
}) {
  const W = 600;
  const H = height;
  const padL = 28;
  const padB = 20;
  const padT = 6;
  if (buckets.length === 0) return <div className="text-sm text-slate-400">—</div>;
  const max = Math.max(1, ...buckets.map((b) => b.total));
  const bw = (W - padL - 4) / buckets.length;
  const scale = (H - padT - padB) / max;
  const tickEvery = Math.max(1, Math.ceil(buckets.length / 8));
  return (
    <svg viewBox={`0 0 ${W} ${H}`} className="w-full" role="img" aria-label={label} data-testid="incident-hourly">
      <text x={padL - 6} y={padT + 10} textAnchor="end" fontSize="11" fill="#94a3b8">
        {max}
      </text>
      <line x1={padL} x2={W} y1={H - padB} y2={H - padB} stroke="#334155" />
      {buckets.map((b, i) => {
        let y = H - padB;
        return (
          <g key={b.hour}>
            {types.map((t) => {
              const v = b.counts[t] ?? 0;
              if (!v) return null;
              const h = v * scale;
              y -= h;
              return (
                <rect key={t} x={padL + i * bw + 2} y={y} width={Math.max(1, bw - 4)} height={h} fill={typeColor(t)}>
                  <title>{`${b.hour.slice(11)}:00 KST · ${t} ${v}`}</title>
                </rect>
              );
            })}
            {i % tickEvery === 0 || i === buckets.length - 1 ? (
              <text x={padL + i * bw + bw / 2} y={H - 5} textAnchor="middle" fontSize="11" fill="#94a3b8">
                {`${b.hour.slice(11)}:00`}
              </text>
            ) : null}
          </g>
        );
      })}
    </svg>
  );
}
