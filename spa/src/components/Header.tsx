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
      className="inline-flex items-center gap-1.5 rounded-lg border border-sky-500/60 bg-sky-950/60 px-2 py-1"
      role="img"
      aria-label="K-PaaS"
      data-testid="kpaas-badge"
    >
      <svg width="26" height="26" viewBox="0 0 32 32" aria-hidden="true">
        <polygon points="16,2 28,9 28,23 16,30 4,23 4,9" fill="#0ea5e9" stroke="#7dd3fc" strokeWidth="1.5" />
        <path d="M11 9v14M11 16l7-7M12.5 15l6.5 8" stroke="#f8fafc" strokeWidth="3" strokeLinecap="round" fill="none" />
      </svg>
      <span className="text-sm font-extrabold tracking-wide text-sky-200">K-PaaS</span>
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
    <header className="flex flex-wrap items-center gap-x-5 gap-y-2 border-b border-slate-800 bg-slate-900 px-4 py-2.5">
      <div className="flex items-center gap-3">
        <KPaasBadge />
        <div>
          <h1 className="text-xl font-extrabold leading-tight text-white md:text-2xl">{t("title")}</h1>
          <p className="text-xs text-slate-400 md:text-sm">{t("subtitle")}</p>
        </div>
      </div>
      <div className="ml-auto flex flex-wrap items-center gap-2 text-sm">
        <span
          className="rounded-md border border-slate-700 bg-slate-800 px-2 py-1"
          data-testid="source-mode"
          data-source={active ?? ""}
        >
          <span className="text-slate-400">{t("source")} </span>
          <strong className={active === "real" ? "text-emerald-300" : "text-sky-300"}>{active ?? "—"}</strong>
          {mode ? (
            <span className="text-slate-400">
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
          className="rounded-md border border-slate-700 bg-slate-800 px-2 py-1 tabular-nums"
          data-testid="last-update"
          data-ts={lastUpdate ?? ""}
        >
          <span className="text-slate-400">{t("lastUpdate")} </span>
          {lastUpdate ? (
            <>
              {formatKstTime(lastUpdate)}{" "}
              <span className="text-slate-400">
                · <Ago at={lastUpdate} />
              </span>
            </>
          ) : (
            "—"
          )}
        </span>
        <button
          type="button"
          onClick={onToggleLang}
          data-testid="lang-toggle"
          className="rounded-md border border-slate-600 bg-slate-800 px-2.5 py-1 font-semibold hover:bg-slate-700"
          lang={lang === "ko" ? "en" : "ko"}
        >
          {t("langToggle")}
        </button>
        <button
          type="button"
          onClick={onToggleHa}
          data-testid="ha-toggle"
          aria-expanded={haOpen ? "true" : "false"}
          aria-controls="ha-panel"
          title={haOpen ? t("haToggleClose") : t("haToggleOpen")}
          className={`rounded-md border px-2.5 py-1 font-semibold ${haOpen ? "border-sky-500 bg-sky-900/60 text-sky-100" : "border-slate-600 bg-slate-800 hover:bg-slate-700"}`}
        >
          HA
        </button>
      </div>
    </header>
  );
});
