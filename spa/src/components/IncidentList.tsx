// The incident list: paginated (bounded DOM), row click selects, selection scrolls into view.
import { useEffect, useMemo, useRef, useState } from "react";
import type { Incident } from "../api/types";
import { incidentLatLng, incidentState, incidentTime } from "../lib/incidents";
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
  const { t, v } = useI18n();
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
        {rows.length === 0 ? <p className="p-3 text-sm text-slate-300">{t("noData")}</p> : null}
        {rows.map((i) => {
          const selected = i.id === selectedId;
          const when = incidentTime(i);
          const mapped = incidentLatLng(i) !== null;
          const state = incidentState(i);
          const progress = v.process(i.processCode, i.processName);
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
              // cleared: dashed and dimmer text, never a see-through row (its text must stay readable)
              className={`cursor-pointer rounded-md border px-2.5 py-2 outline-none transition-colors focus-visible:ring-2 focus-visible:ring-sky-400 ${
                selected ? "border-sky-400 bg-slate-800" : "border-slate-800 bg-slate-900 hover:bg-slate-800"
              } ${state === "cleared" ? "border-dashed" : ""}`}
            >
              {/* narrow, the time goes under the place rather than squeezing it */}
              <div className="flex min-w-0 flex-wrap items-center gap-x-2 gap-y-0.5">
                <TypeBadge type={i.accType} />
                <StateBadge incident={i} onlyCleared />
                <span
                  className={`min-w-0 flex-1 basis-40 truncate font-semibold ${state === "cleared" ? "text-slate-300" : "text-slate-100"}`}
                  data-vocab="place"
                >
                  {v.place(i.accPointNM) || v.direction(i.direction)}
                </span>
                <span className="ml-auto shrink-0 text-xs tabular-nums text-slate-300" title={formatKstTime(when)}>
                  {formatKstTime(when).replace(" KST", "")} · <Ago at={when} />
                </span>
              </div>
              <div className="mt-0.5 flex min-w-0 flex-wrap items-center gap-x-2 text-xs text-slate-300">
                <span data-vocab="route">{v.route(i.roadNM, i.nosunNM)}</span>
                {i.direction ? <span data-vocab="direction">{v.direction(i.direction)}</span> : null}
                {progress ? <span data-vocab="process">· {progress}</span> : null}
                <LaneStrip flags={i.lanesBlocked} shoulder={i.shoulderBlocked} />
                <QueueLength incident={i} />
                {!mapped ? <span className="text-amber-300">· {t("unmapped")}</span> : null}
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
            className="min-h-11 rounded bg-slate-800 px-4 py-1 disabled:text-slate-400"
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
            className="min-h-11 rounded bg-slate-800 px-4 py-1 disabled:text-slate-400"
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
