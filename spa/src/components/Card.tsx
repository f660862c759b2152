import type { ReactNode } from "react";

/**
 * A card: a titled box whose height is its content's (or the class's), never squeezed below it;
 * what may grow (a list, a map) scrolls or is sized inside. `data-card` marks it for the layout
 * test (no two overlap, none overflows sideways).
 */
export function Card({
  title,
  children,
  className,
  right,
  below,
  testId,
  fixed,
}: {
  title?: ReactNode;
  children: ReactNode;
  className?: string;
  /** beside the title (a count): short, never wrapping */
  right?: ReactNode;
  /** under the title, full width (a legend): wraps as it needs */
  below?: ReactNode;
  testId?: string;
  /** kept for callers: every card keeps its content's height now */
  fixed?: boolean;
}) {
  return (
    <section
      className={`flex min-w-0 ${fixed ? "shrink-0" : ""} flex-col rounded-xl border border-slate-800 bg-slate-900/80 p-3 ${className ?? ""}`}
      data-testid={testId}
      data-card=""
    >
      {title ? (
        <div className="mb-2 flex min-w-0 items-center justify-between gap-2">
          <h2 className="min-w-0 truncate text-base font-bold text-slate-100">{title}</h2>
          {right ? <div className="shrink-0 whitespace-nowrap">{right}</div> : null}
        </div>
      ) : null}
      {below ? <div className="-mt-1 mb-2 min-w-0">{below}</div> : null}
      {children}
    </section>
  );
}

export function KpiCard({
  name,
  label,
  value,
  unit,
  sub,
  accent,
  className,
}: {
  name: string;
  label: string;
  value: string;
  unit?: string;
  sub?: ReactNode;
  accent: string;
  className?: string;
}) {
  return (
    <div
      className={`min-w-0 rounded-xl border border-slate-800 bg-slate-900/80 p-3 ${className ?? ""}`}
      data-testid={`kpi-${name}`}
      data-card=""
    >
      <div className="flex min-w-0 items-center gap-2 text-sm font-semibold text-slate-300">
        <span className="h-3 w-3 shrink-0 rounded-full" style={{ backgroundColor: accent }} aria-hidden="true" />
        <span className="min-w-0 truncate" title={label}>
          {label}
        </span>
      </div>
      <div className="mt-1 flex min-w-0 items-baseline gap-1">
        <span
          className="text-3xl font-extrabold tabular-nums text-white @5xl:text-4xl @7xl:text-5xl"
          data-testid={`kpi-${name}-value`}
        >
          {value}
        </span>
        {unit ? <span className="text-base text-slate-300 @5xl:text-lg">{unit}</span> : null}
      </div>
      {/* always one line tall, so the card does not grow when the figure arrives */}
      <div className="mt-1 min-h-4 truncate text-xs text-slate-300">{sub ?? "\u00a0"}</div>
    </div>
  );
}
