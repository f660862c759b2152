// The incident list: paginated (bounded DOM), row click selects, selection scrolls into view.
import { useEffect, useMemo, useRef, useState } from "react";
import type { Incident } from "../api/types";
import { incidentLatLng, incidentState, incidentTime, progressLabel } from "../lib/incidents";
import { formatKstTime } from "../lib/time";
import { useI18n } from "../i18n";
import { Ago } from "./Ago";
import { LaneStrip, QueueLength, StateBadge, TypeBadge } from "./IncidentDetails";

export const PAGE_SIZE = 50;

export function IncidentList({
  incidents,
  selectedId,
  onSelect,
  pageSize = PAGE_SIZE,
}: {
  incidents: readonly Incident[];
  selectedId: number | null;
  onSelect: (id: number) => void;
  pageSize?: number;
}) {
  const { t } = useI18n();
  const pages = Math.max(1, Math.ceil(incidents.length / pageSize));
  const [page, setPage] = useState(0);
  const listRef = useRef<HTMLDivElement>(null);

  // keep the page in range; jump to the page holding the selection
  const selectedIndex = useMemo(
    () => (selectedId === null ? -1 : incidents.findIndex((i) => i.id === selectedId)),
    [incidents, selectedId],
  );
  useEffect(() => {
    if (selectedIndex >= 0) setPage(Math.floor(selectedIndex / pageSize));
  }, [selectedIndex, pageSize]);
  useEffect(() => {
    if (page > pages - 1) setPage(pages - 1);
  }, [page, pages]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: on a page change too, which renders the selected row
  useEffect(() => {
    if (selectedId === null || !listRef.current) return;
    const el = listRef.current.querySelector<HTMLElement>(`[data-incident-id="${selectedId}"]`);
    if (el && typeof el.scrollIntoView === "function") el.scrollIntoView({ block: "nearest", behavior: "smooth" });
  }, [selectedId, page]);

  const rows = incidents.slice(page * pageSize, page * pageSize + pageSize);
  return (
    <div className="flex min-h-0 flex-1 flex-col">
      <div
        ref={listRef}
        role="listbox"
        aria-label={t("tabAccidents")}
        className="min-h-0 flex-1 space-y-1 overflow-y-auto pr-1"
        data-testid="accident-list"
      >
        {rows.length === 0 ? <p className="p-3 text-sm text-slate-400">{t("noData")}</p> : null}
        {rows.map((i) => {
          const selected = i.id === selectedId;
          const when = incidentTime(i);
          const mapped = incidentLatLng(i) !== null;
          const state = incidentState(i);
          const progress = progressLabel(i.processCode, i.processName);
          return (
            <div
              key={i.id}
              role="option"
              aria-selected={selected ? "true" : "false"}
              data-testid="accident-row"
              data-incident-id={String(i.id)}
              data-state={state}
              tabIndex={0}
              onClick={() => onSelect(i.id)}
              onKeyDown={(e) => {
                if (e.key === "Enter" || e.key === " ") {
                  e.preventDefault();
                  onSelect(i.id);
                }
              }}
              className={`cursor-pointer rounded-md border px-2.5 py-2 outline-none transition-colors focus-visible:ring-2 focus-visible:ring-sky-400 ${
                selected ? "border-sky-400 bg-slate-700/70" : "border-slate-800 bg-slate-900 hover:bg-slate-800"
              } ${state === "cleared" ? "border-dashed opacity-60" : ""}`}
            >
              <div className="flex items-center gap-2">
                <TypeBadge type={i.accType} />
                <StateBadge incident={i} onlyCleared />
                <span className="truncate font-semibold text-slate-100">{i.accPointNM}</span>
                <span className="ml-auto shrink-0 text-xs tabular-nums text-slate-400" title={formatKstTime(when)}>
                  {formatKstTime(when).replace(" KST", "")} · <Ago at={when} />
                </span>
              </div>
              <div className="mt-0.5 flex flex-wrap items-center gap-x-2 text-xs text-slate-400">
                <span>{i.roadNM}</span>
                {i.direction ? <span>{i.direction}</span> : null}
                {progress ? <span>· {progress}</span> : null}
                <LaneStrip flags={i.lanesBlocked} shoulder={i.shoulderBlocked} />
                <QueueLength incident={i} />
                {!mapped ? <span className="text-amber-400">· {t("unmapped")}</span> : null}
              </div>
              <p className="mt-0.5 line-clamp-2 text-sm text-slate-200">{i.smsText}</p>
            </div>
          );
        })}
      </div>
      {pages > 1 ? (
        <div className="mt-2 flex items-center justify-between text-sm text-slate-300" data-testid="accident-pager">
          <button
            type="button"
            className="rounded bg-slate-800 px-3 py-1 disabled:opacity-40"
            disabled={page === 0}
            onClick={() => setPage((p) => Math.max(0, p - 1))}
          >
            {t("prev")}
          </button>
          <span className="tabular-nums">
            {t("page")} {page + 1} / {pages}
          </span>
          <button
            type="button"
            className="rounded bg-slate-800 px-3 py-1 disabled:opacity-40"
            disabled={page >= pages - 1}
            onClick={() => setPage((p) => Math.min(pages - 1, p + 1))}
          >
            {t("next")}
          </button>
        </div>
      ) : null}
    </div>
  );
}
