import type { ReactNode } from "react";

export function Card({
  title,
  children,
  className,
  right,
  testId,
  fixed,
}: {
  title?: ReactNode;
  children: ReactNode;
  className?: string;
  right?: ReactNode;
  testId?: string;
  fixed?: boolean;
}) {
  return (
    <section
      className={`flex min-w-0 ${fixed ? "shrink-0" : "min-h-0"} flex-col rounded-xl border border-slate-800 bg-slate-900/80 p-3 ${className ?? ""}`}
      data-testid={testId}
    >
      {title ? (
        <div className="mb-2 flex items-center justify-between gap-2">
          <h2 className="text-base font-bold text-slate-100">{title}</h2>
          {right}
        </div>
      ) : null}
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
}: {
  name: string;
  label: string;
  value: string;
  unit?: string;
  sub?: ReactNode;
  accent: string;
}) {
  return (
    <div className="rounded-xl border border-slate-800 bg-slate-900/80 p-3" data-testid={`kpi-${name}`}>
      <div className="flex items-center gap-2 text-sm font-semibold text-slate-300">
        <span className="h-3 w-3 rounded-full" style={{ backgroundColor: accent }} />
        {label}
      </div>
      <div className="mt-1 flex items-baseline gap-1">
        <span className="text-4xl font-extrabold tabular-nums text-white xl:text-5xl" data-testid={`kpi-${name}-value`}>
          {value}
        </span>
        {unit ? <span className="text-lg text-slate-400">{unit}</span> : null}
      </div>
      {sub ? <div className="mt-1 text-xs text-slate-400">{sub}</div> : null}
    </div>
  );
}
