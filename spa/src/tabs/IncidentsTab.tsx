import { memo, useCallback, useMemo, useState } from "react";
import { FIELD_CLASS, FilterSelect } from "../components/FilterSelect";
import type { LiveData } from "../api/useLiveData";
import { Card } from "../components/Card";
import { HourlyStack } from "../components/charts/HourlyStack";
import { IncidentList } from "../components/IncidentList";
import { NoticeCount, NoticeList } from "../components/NoticeList";
import { BaseMap } from "../components/map/BaseMap";
import { IncidentLayer, type FlyRequest } from "../components/map/IncidentLayer";
import { INCIDENT_TYPES, OTHER_TYPE_COLOR, TYPE_COLORS } from "../lib/colors";
import {
  bucketByHour,
  distinctValues,
  EMPTY_FILTER,
  filterIncidents,
  incidentLatLng,
  incidentState,
  type IncidentFilter,
  type IncidentState,
} from "../lib/incidents";
import { useI18n } from "../i18n";

export type IncidentsTabProps = Pick<LiveData, "accidents" | "network" | "outline"> & {
  /** shown apart, never as incidents (optional: App passes them, tests may not) */
  notices?: LiveData["notices"];
  /** the incident to select (and fly to) on open, e.g. one clicked on the dashboard */
  initialSelected: number | null;
};

export const IncidentsTab = memo(function IncidentsTab({
  accidents,
  notices = null,
  network,
  outline,
  initialSelected,
}: IncidentsTabProps) {
  const { t } = useI18n();
  const all = accidents ?? [];
  const [filter, setFilter] = useState<IncidentFilter>(EMPTY_FILTER);
  const [selectedId, setSelectedId] = useState<number | null>(initialSelected);
  const [fly, setFly] = useState<FlyRequest | null>(initialSelected !== null ? { id: initialSelected, seq: 1 } : null);

  const filtered = useMemo(() => filterIncidents(all, filter), [all, filter]);
  const mappedCount = useMemo(() => filtered.filter((i) => incidentLatLng(i) !== null).length, [filtered]);
  const clearedCount = useMemo(() => filtered.filter((i) => incidentState(i) === "cleared").length, [filtered]);
  const states: { value: IncidentState; label: string }[] = [
    { value: "active", label: t("stateActive") },
    { value: "cleared", label: t("stateCleared") },
  ];
  const routes = useMemo(() => distinctValues(all, (i) => i.roadNM), [all]);
  const types = useMemo(() => {
    const present = distinctValues(all, (i) => i.accType);
    return [
      ...INCIDENT_TYPES.filter((x) => present.includes(x)),
      ...present.filter((x) => !(INCIDENT_TYPES as readonly string[]).includes(x)),
    ];
  }, [all]);
  const directions = useMemo(
    () => distinctValues(filter.route ? all.filter((i) => i.roadNM === filter.route) : all, (i) => i.direction),
    [all, filter.route],
  );
  const buckets = useMemo(() => bucketByHour(filtered), [filtered]);

  const selectFromList = useCallback((id: number) => {
    setSelectedId(id);
    setFly((f) => ({ id, seq: (f?.seq ?? 0) + 1 }));
  }, []);
  const selectFromMap = useCallback((id: number) => setSelectedId(id), []);

  const set = (patch: Partial<IncidentFilter>) => setFilter((f) => ({ ...f, ...patch }));

  return (
    <div className="grid h-full min-h-0 grid-cols-1 gap-3 overflow-y-auto p-3 max-lg:auto-rows-max lg:grid-cols-[minmax(0,1.5fr)_minmax(380px,1fr)]">
      <div className="flex min-h-0 flex-col gap-3">
        <Card className="min-h-[420px] flex-1" title={t("tabAccidents")} right={<Legend />}>
          <div className="min-h-[360px] flex-1 overflow-hidden rounded-lg">
            <BaseMap network={network} outline={outline}>
              <IncidentLayer incidents={filtered} selectedId={selectedId} onSelect={selectFromMap} fly={fly} />
            </BaseMap>
          </div>
        </Card>
        <Card
          title={t("notices")}
          className="max-h-[240px] shrink-0"
          right={<NoticeCount notices={notices} />}
          testId="incidents-notices"
        >
          <NoticeList notices={notices} />
        </Card>
      </div>

      <div className="flex min-h-0 flex-col gap-3">
        <Card fixed>
          <div className="grid grid-cols-2 gap-2 md:grid-cols-5 lg:grid-cols-2 2xl:grid-cols-5">
            <FilterSelect
              label={t("filterRoute")}
              value={filter.route}
              options={routes}
              allLabel={t("all")}
              onChange={(route) => set({ route, direction: "" })}
              testId="filter-route"
            />
            <FilterSelect
              label={t("filterType")}
              value={filter.type}
              options={types}
              allLabel={t("all")}
              onChange={(type) => set({ type })}
              testId="filter-type"
            />
            <FilterSelect
              label={t("filterDirection")}
              value={filter.direction}
              options={directions}
              allLabel={t("all")}
              onChange={(direction) => set({ direction })}
              testId="filter-direction"
            />
            <label className="flex flex-col text-xs text-slate-400">
              {t("filterState")}
              <select
                className={FIELD_CLASS}
                value={filter.state}
                onChange={(e) => set({ state: e.target.value as IncidentFilter["state"] })}
                data-testid="filter-state"
              >
                <option value="">{t("all")}</option>
                {states.map((s) => (
                  <option key={s.value} value={s.value}>
                    {s.label}
                  </option>
                ))}
              </select>
            </label>
            <label className="flex flex-col text-xs text-slate-400">
              {t("search")}
              <input
                type="search"
                className={FIELD_CLASS}
                value={filter.query}
                onChange={(e) => set({ query: e.target.value })}
                data-testid="filter-search"
                placeholder="IC, 사고…"
              />
            </label>
          </div>
          <div className="mt-2 flex flex-wrap items-baseline gap-x-4 gap-y-1 text-sm">
            <span>
              <span className="text-slate-400">{t("incidentsShown")} </span>
              <strong className="text-2xl tabular-nums text-white" data-testid="incident-count">
                {filtered.length}
              </strong>
              <span className="text-slate-400"> / {all.length}</span>
            </span>
            <span>
              <span className="text-slate-400">{t("stateActive")} </span>
              <strong className="tabular-nums text-emerald-300" data-testid="incident-active">
                {filtered.length - clearedCount}
              </strong>
            </span>
            <span>
              <span className="text-slate-400">{t("stateCleared")} </span>
              <strong className="tabular-nums text-slate-300" data-testid="incident-cleared">
                {clearedCount}
              </strong>
            </span>
            <span>
              <span className="text-slate-400">{t("mapped")} </span>
              <strong className="tabular-nums" data-testid="incident-mapped">
                {mappedCount}
              </strong>
            </span>
            <span>
              <span className="text-slate-400">{t("unmapped")} </span>
              <strong className="tabular-nums text-amber-300" data-testid="incident-unmapped">
                {filtered.length - mappedCount}
              </strong>
            </span>
          </div>
        </Card>
        <Card title={t("typeOverTime")} fixed>
          <HourlyStack buckets={buckets} types={types} label={t("typeOverTime")} height={110} />
        </Card>
        <Card className="min-h-[300px] flex-1">
          <IncidentList incidents={filtered} selectedId={selectedId} onSelect={selectFromList} />
        </Card>
      </div>
    </div>
  );
});

function Legend() {
  const { t } = useI18n();
  return (
    <div className="flex flex-wrap gap-x-2.5 text-xs text-slate-300">
      {INCIDENT_TYPES.map((ty) => (
        <span key={ty} className="inline-flex items-center gap-1">
          <span className="h-2.5 w-2.5 rounded-full" style={{ backgroundColor: TYPE_COLORS[ty] }} />
          {ty}
        </span>
      ))}
      <span className="inline-flex items-center gap-1">
        <span className="h-2.5 w-2.5 rounded-full" style={{ backgroundColor: OTHER_TYPE_COLOR }} />
        {t("other")}
      </span>
      <span className="inline-flex items-center gap-1">
        <span className="h-2.5 w-2.5 rounded-full border border-dashed border-slate-300" />
        {t("stateCleared")}
      </span>
    </div>
  );
}
