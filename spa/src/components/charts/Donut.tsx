export interface DonutSlice {
  key: string;
  value: number;
  color: string;
  label: string;
}

/** A ring chart; the centre shows `center` (e.g. the average speed). */
export function Donut({
  slices,
  size = 84,
  stroke = 12,
  center,
  sub,
}: {
  slices: DonutSlice[];
  size?: number;
  stroke?: number;
  center?: string;
  sub?: string;
}) {
  const r = (size - stroke) / 2;
  const c = 2 * Math.PI * r;
  const total = slices.reduce((a, s) => a + s.value, 0);
  let acc = 0;
  return (
    <svg width={size} height={size} viewBox={`0 0 ${size} ${size}`} role="img">
      <title>{slices.map((s) => `${s.label} ${s.value}`).join(", ")}</title>
      <circle cx={size / 2} cy={size / 2} r={r} fill="none" stroke="#1e293b" strokeWidth={stroke} />
      {total > 0
        ? slices.map((s) => {
            const len = (s.value / total) * c;
            const el = (
              <circle
                key={s.key}
                cx={size / 2}
                cy={size / 2}
                r={r}
                fill="none"
                stroke={s.color}
                strokeWidth={stroke}
                strokeDasharray={`${len} ${c - len}`}
                strokeDashoffset={-acc}
                transform={`rotate(-90 ${size / 2} ${size / 2})`}
              />
            );
            acc += len;
            return el;
          })
        : null}
      {center ? (
        <text x="50%" y={sub ? "48%" : "54%"} textAnchor="middle" fontSize={size / 4.6} fontWeight="700" fill="#f1f5f9">
          {center}
        </text>
      ) : null}
      {sub ? (
        <text x="50%" y="68%" textAnchor="middle" fontSize={size / 9} fill="#94a3b8">
          {sub}
        </text>
      ) : null}
    </svg>
  );
}

/** A stacked horizontal bar (e.g. 원활/서행/정체 mix). */
export function StackBar({ slices, height = 8 }: { slices: DonutSlice[]; height?: number }) {
  const total = slices.reduce((a, s) => a + s.value, 0);
  return (
    <div
      className="flex w-full overflow-hidden rounded bg-slate-800"
      style={{ height }}
      title={slices.map((s) => `${s.label} ${s.value}`).join(" · ")}
    >
      {total > 0
        ? slices.map((s) =>
            s.value > 0 ? (
              <div key={s.key} style={{ width: `${(s.value / total) * 100}%`, backgroundColor: s.color }} />
            ) : null,
          )
        : null}
    </div>
  );
}
