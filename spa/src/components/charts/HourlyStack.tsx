import { useWidth } from "../../hooks/useWidth";
import type { HourBucket } from "../../lib/incidents";
import { typeColor } from "../../lib/colors";

/** Stacked columns of incident counts per KST hour, one colour per type, drawn at the chart's
 * own width. */
export function HourlyStack({
  buckets,
  types,
  label,
  height = 140,
  typeName = (t: string) => t,
}: {
  buckets: HourBucket[];
  types: string[];
  /** what the chart shows, for assistive technology */
  label: string;
  height?: number;
  /** a type as the UI's language says it */
  typeName?: (type: string) => string;
}) {
  const [ref, W] = useWidth<SVGSVGElement>(600);
  const H = height;
  const padL = 28;
  const padB = 20;
  const padT = 6;
  const max = Math.max(1, ...buckets.map((b) => b.total));
  const bw = (W - padL - 4) / Math.max(1, buckets.length);
  const scale = (H - padT - padB) / max;
  // a tick label every ~50 px
  const tickEvery = Math.max(1, Math.ceil(buckets.length / Math.max(2, Math.floor((W - padL) / 50))));
  return (
    <svg
      ref={ref}
      viewBox={`0 0 ${W} ${H}`}
      width="100%"
      height={H}
      className="block w-full"
      role="img"
      aria-label={label}
      data-testid="incident-hourly"
    >
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
                  <title>{`${b.hour.slice(11)}:00 KST · ${typeName(t)} ${v}`}</title>
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
