import { formatNumber } from "../../lib/format";

export interface BarItem {
  key: string;
  label: string;
  value: number;
  color: string;
  sub?: string;
  onClick?: () => void;
  selected?: boolean;
}

/** Horizontal bars, scaled to the largest value; `vocab`: the labels are the data's words (translated). */
export function BarList({
  items,
  unit,
  testId,
  vocab = false,
}: {
  items: BarItem[];
  unit?: string;
  testId?: string;
  vocab?: boolean;
}) {
  const max = Math.max(1, ...items.map((i) => i.value));
  return (
    <ul className="space-y-1.5" data-testid={testId}>
      {items.map((it) => {
        const inner = (
          <>
            <div className="flex min-w-0 items-baseline justify-between gap-2 text-sm">
              <span className="min-w-0 truncate text-slate-200" data-vocab={vocab ? "label" : undefined}>
                {it.label}
              </span>
              <span className="shrink-0 tabular-nums font-semibold text-slate-100">
                {formatNumber(it.value)}
                {unit ? <span className="ml-0.5 text-xs font-normal text-slate-300">{unit}</span> : null}
              </span>
            </div>
            <div className="mt-0.5 h-2.5 w-full rounded bg-slate-800">
              <div
                className="h-2.5 rounded"
                style={{ width: `${(it.value / max) * 100}%`, backgroundColor: it.color }}
              />
            </div>
            {it.sub ? (
              <div className="mt-0.5 truncate text-xs text-slate-300" data-vocab={vocab ? "route" : undefined}>
                {it.sub}
              </div>
            ) : null}
          </>
        );
        return (
          <li key={it.key}>
            {it.onClick ? (
              <button
                type="button"
                onClick={it.onClick}
                aria-pressed={it.selected ? "true" : "false"}
                className={`w-full rounded px-1.5 py-1 text-left hover:bg-slate-800 ${it.selected ? "bg-slate-800 ring-1 ring-sky-500" : ""}`}
              >
                {inner}
              </button>
            ) : (
              <div className="px-1.5 py-0.5">{inner}</div>
            )}
          </li>
        );
      })}
    </ul>
  );
}
