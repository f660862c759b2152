import { memo } from "react";
import type { ConnectionState, Resource } from "../lib/live";
import type { HaStatus } from "../api/types";
import { formatKstTime } from "../lib/time";
import { useI18n } from "../i18n";
import { Ago } from "./Ago";
import { LiveChip } from "./LiveChip";

/** Our own K-PaaS badge, drawn inline (no external logo file). */
export function KPaasBadge() {
  return (
    <span
      className="inline-flex shrink-0 items-center gap-1.5 rounded-lg border border-sky-500/60 bg-sky-950/60 px-1.5 py-1 md:px-2"
      role="img"
      aria-label="K-PaaS"
      data-testid="kpaas-badge"
    >
      <svg viewBox="0 0 32 32" className="h-5 w-5 md:h-[26px] md:w-[26px]" aria-hidden="true">
        <polygon points="16,2 28,9 28,23 16,30 4,23 4,9" fill="#0ea5e9" stroke="#7dd3fc" strokeWidth="1.5" />
        <path d="M11 9v14M11 16l7-7M12.5 15l6.5 8" stroke="#f8fafc" strokeWidth="3" strokeLinecap="round" fill="none" />
      </svg>
      <span className="hidden text-sm font-extrabold tracking-wide text-sky-200 sm:inline">K-PaaS</span>
    </span>
  );
}

const NO_FAILURES: Partial<Record<Resource, number>> = {};

export const Header = memo(function Header({
  ha,
  connection,
  failures = NO_FAILURES,
  clockOffsetMs = 0,
  lastUpdate,
  onToggleLang,
  haOpen,
  onToggleHa,
}: {
  ha: HaStatus | null;
  connection: ConnectionState;
  failures?: Partial<Record<Resource, number>>;
  clockOffsetMs?: number;
  lastUpdate: number | null;
  onToggleLang: () => void;
  haOpen: boolean;
  onToggleHa: () => void;
}) {
  const { t, lang } = useI18n();
  const active = ha?.source?.active ?? null;
  const mode = ha?.source?.mode ?? null;
  return (
    // A phone: the title and the buttons on one line, the status chips under them; wider, one row.
    <header className="flex flex-wrap items-center gap-x-3 gap-y-1.5 border-b border-slate-800 bg-slate-900 px-3 py-2 md:gap-x-5 md:px-4 md:py-2.5">
      <div className="flex min-w-0 flex-1 items-center gap-2 md:flex-none md:gap-3">
        <KPaasBadge />
        <div className="min-w-0">
          <h1 className="truncate text-base font-extrabold leading-tight text-white sm:text-xl xl:text-2xl">
            {t("title")}
          </h1>
          <p className="hidden truncate text-xs text-slate-300 sm:block md:text-sm">{t("subtitle")}</p>
        </div>
      </div>
      <div className="order-3 flex w-full min-w-0 flex-wrap items-center gap-1.5 text-xs md:order-none md:ml-auto md:w-auto md:gap-2 md:text-sm">
        <span
          className="rounded-md border border-slate-700 bg-slate-800 px-2 py-1"
          data-testid="source-mode"
          data-source={active ?? ""}
        >
          {/* narrower, the figures alone: their labels kept for screen readers */}
          <span className="text-slate-300 max-sm:sr-only">{t("source")} </span>
          <strong className={active === "real" ? "text-emerald-300" : "text-sky-300"}>{active ?? "—"}</strong>
          {mode ? (
            <span className="text-slate-300 max-xl:sr-only">
              {" "}
              ({t("mode")} {mode})
            </span>
          ) : null}
        </span>
        <LiveChip
          connection={connection}
          failures={failures}
          collections={ha?.collections}
          clockOffsetMs={clockOffsetMs}
          loaded={lastUpdate !== null}
        />
        <span
          className="whitespace-nowrap rounded-md border border-slate-700 bg-slate-800 px-2 py-1 tabular-nums"
          data-testid="last-update"
          data-ts={lastUpdate ?? ""}
        >
          <span className="text-slate-300 max-xl:sr-only">{t("lastUpdate")} </span>
          {lastUpdate ? (
            <>
              {formatKstTime(lastUpdate)}{" "}
              <span className="text-slate-300">
                · <Ago at={lastUpdate} />
              </span>
            </>
          ) : (
            "—"
          )}
        </span>
      </div>
      <div className="order-2 flex shrink-0 items-center gap-1.5 text-sm md:order-none">
        <button
          type="button"
          onClick={onToggleLang}
          data-testid="lang-toggle"
          className="min-h-10 rounded-md border border-slate-600 bg-slate-800 px-2.5 py-1 font-semibold hover:bg-slate-700 md:min-h-0"
          lang={lang === "ko" ? "en" : "ko"}
        >
          {t("langToggle")}
        </button>
        <button
          type="button"
          onClick={onToggleHa}
          data-testid="ha-toggle"
          aria-expanded={haOpen ? "true" : "false"}
          aria-controls={haOpen ? "ha-panel" : undefined}
          aria-label={haOpen ? t("haToggleClose") : t("haToggleOpen")}
          title={haOpen ? t("haToggleClose") : t("haToggleOpen")}
          className={`min-h-10 rounded-md border px-2.5 py-1 font-semibold md:min-h-0 ${haOpen ? "border-sky-500 bg-sky-900/60 text-sky-100" : "border-slate-600 bg-slate-800 hover:bg-slate-700"}`}
        >
          HA
        </button>
      </div>
    </header>
  );
});
