import { memo, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { FIELD_CLASS, FilterSelect } from "../components/FilterSelect";
import type { LiveData } from "../api/useLiveData";
import { Card } from "../components/Card";
import { HourlyStack } from "../components/charts/HourlyStack";
import { IncidentList } from "../components/IncidentList";
import { NoticeCount, NoticeList } from "../components/NoticeList";
import type { FlyRequest } from "../components/map/IncidentLayer";
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
import type { MapView, UrlState } from "../lib/url";
import { useI18n } from "../i18n";
import { MapPlaceholder, useMaps } from "./lazyMaps";

export type IncidentsTabProps = Pick<LiveData, "accidents" | "network" | "outline"> & {
  /** shown apart, never as incidents (optional: App passes them, tests may not) */
  notices?: LiveData["notices"];
  /** the incident selected (the URL's), flown to on open when the URL gives no map view */
  selectedId?: number | null;
  filter?: IncidentFilter;
  view?: MapView | null;
  /** the URL's state changed here: a selection, a filter, the map moved */
  onChange?: (patch: Partial<UrlState>) => void;
};

export const IncidentsTab = memo(function IncidentsTab({
  accidents,
  notices = null,
  network,
  outline,
  selectedId: selectedProp = null,
  filter: filterProp = EMPTY_FILTER,
  view = null,
  onChange,
}: IncidentsTabProps) {
  const { t, v } = useI18n();
  const maps = useMaps();
  const all = accidents ?? [];
  const [fly, setFly] = useState<FlyRequest | null>(null);
  // uncontrolled when no URL state is given (tests, embedding): the tab keeps its own
  const [own, setOwn] = useState<{ incident: number | null; filter: IncidentFilter }>({
    incident: selectedProp,
    filter: filterProp,
  });
  const selectedId = onChange ? selectedProp : own.incident;
  const filter = onChange ? filterProp : own.filter;
  const change = useCallback(
    (patch: Partial<UrlState>) => {
      if (onChange) onChange(patch);
      else
        setOwn((o) => ({
          incident: patch.incident !== undefined ? patch.incident : o.incident,
          filter: patch.filter ?? o.filter,
        }));
    },
    [onChange],
  );

  // Opened on a selection (a link, the dashboard, back/forward): show it once its incident is
  // here, unless the URL says where the map looks.
  const shown = useRef<number | null>(null);
  const hasView = view !== null;
  const present = selectedId !== null && all.some((i) => i.id === selectedId);
  useEffect(() => {
    if (selectedId === null || !present || shown.current === selectedId) return;
    shown.current = selectedId;
    if (!hasView) setFly((f) => ({ id: selectedId, seq: (f?.seq ?? 0) + 1 }));
  }, [selectedId, present, hasView]);

  const filtered = useMemo(() => filterIncidents(all, filter), [all, filter]);
  const mappedCount = useMemo(() => filtered.filter((i) => incidentLatLng(i) !== null).length, [filtered]);
  const clearedCount = useMemo(() => filtered.filter((i) => incidentState(i) === "cleared").length, [filtered]);
  const states: { value: IncidentState; label: string }[] = [
    { value: "active", label: t("stateActive") },
    { value: "cleared", label: t("stateCleared") },
  ];
  const routes = useMemo(() => distinctValues(all, (i) => i.roadNM), [all]);
  const routeNo = useMemo(() => {
    const m = new Map<string, string>();
    for (const i of all) if (i.roadNM && i.nosunNM) m.set(i.roadNM.trim(), i.nosunNM);
    return m;
  }, [all]);
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

  const selectFromList = useCallback(
    (id: number) => {
      shown.current = id;
      change({ incident: id });
      setFly((f) => ({ id, seq: (f?.seq ?? 0) + 1 }));
    },
    [change],
  );
  const selectFromMap = useCallback(
    (id: number) => {
      shown.current = id;
      change({ incident: id });
    },
    [change],
  );
  const onViewChange = useCallback((next: MapView) => change({ view: next }), [change]);

  const set = (patch: Partial<IncidentFilter>) => change({ filter: { ...filter, ...patch } });

  return (
    <div className="grid grid-cols-1 gap-3 p-3 @4xl:grid-cols-[minmax(0,1.4fr)_minmax(360px,1fr)]">
      <Card title={t("incidentsTitle")} below={<Legend />} testId="incidents-map" className="@4xl:row-span-3">
        <div className="h-[320px] overflow-hidden rounded-lg @xl:h-[420px] @4xl:h-[560px]">
          {maps ? (
            <maps.BaseMap network={network} outline={outline} view={view} onViewChange={onViewChange}>
              <maps.IncidentLayer incidents={filtered} selectedId={selectedId} onSelect={selectFromMap} fly={fly} />
            </maps.BaseMap>
          ) : (
            <MapPlaceholder />
          )}
        </div>
      </Card>

      <Card testId="incident-filters">
        <div className="grid grid-cols-2 gap-2 @2xl:grid-cols-3 @4xl:grid-cols-2 @7xl:grid-cols-3">
          <FilterSelect
            label={t("filterRoute")}
            value={filter.route}
            options={routes}
            labelOf={(r) => v.route(r, routeNo.get(r))}
            allLabel={t("all")}
            onChange={(route) => set({ route, direction: "" })}
            testId="filter-route"
          />
          <FilterSelect
            label={t("filterType")}
            value={filter.type}
            options={types}
            labelOf={v.type}
            allLabel={t("all")}
            onChange={(type) => set({ type })}
            testId="filter-type"
          />
          <FilterSelect
            label={t("filterDirection")}
            value={filter.direction}
            options={directions}
            labelOf={v.direction}
            allLabel={t("all")}
            onChange={(direction) => set({ direction })}
            testId="filter-direction"
          />
          <label className="flex min-w-0 flex-col gap-0.5 text-xs text-slate-300">
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
          <label className="col-span-2 flex min-w-0 flex-col gap-0.5 text-xs text-slate-300 @2xl:col-span-1 @4xl:col-span-2 @7xl:col-span-1">
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
            <span className="text-slate-300">{t("incidentsShown")} </span>
            <strong className="text-2xl tabular-nums text-white" data-testid="incident-count">
              {filtered.length}
            </strong>
            <span className="text-slate-300"> / {all.length}</span>
          </span>
          <span>
            <span className="text-slate-300">{t("stateActive")} </span>
            <strong className="tabular-nums text-emerald-300" data-testid="incident-active">
              {filtered.length - clearedCount}
            </strong>
          </span>
          <span>
            <span className="text-slate-300">{t("stateCleared")} </span>
            <strong className="tabular-nums text-slate-200" data-testid="incident-cleared">
              {clearedCount}
            </strong>
          </span>
          <span>
            <span className="text-slate-300">{t("mapped")} </span>
            <strong className="tabular-nums" data-testid="incident-mapped">
              {mappedCount}
            </strong>
          </span>
          <span>
            <span className="text-slate-300">{t("unmapped")} </span>
            <strong className="tabular-nums text-amber-300" data-testid="incident-unmapped">
              {filtered.length - mappedCount}
            </strong>
          </span>
        </div>
      </Card>

      <Card className="h-[520px] @4xl:h-[600px]" testId="incident-list-card">
        <IncidentList incidents={filtered} selectedId={selectedId} onSelect={selectFromList} />
      </Card>

      <Card title={t("typeOverTime")}>
        <HourlyStack buckets={buckets} types={types} label={t("typeOverTime")} height={110} typeName={v.type} />
      </Card>

      <Card title={t("notices")} right={<NoticeCount notices={notices} />} testId="incidents-notices">
        <NoticeList notices={notices} />
      </Card>
    </div>
  );
});

function Legend() {
  const { t, v } = useI18n();
  return (
    <ul className="flex flex-wrap gap-x-3 gap-y-0.5 text-xs text-slate-200" aria-label={t("legend")}>
      {INCIDENT_TYPES.map((ty) => (
        <li key={ty} className="inline-flex items-center gap-1 whitespace-nowrap" data-vocab="legend">
          <span className="h-2.5 w-2.5 rounded-full" style={{ backgroundColor: TYPE_COLORS[ty] }} aria-hidden="true" />
          {v.type(ty)}
        </li>
      ))}
      <li className="inline-flex items-center gap-1 whitespace-nowrap">
        <span className="h-2.5 w-2.5 rounded-full" style={{ backgroundColor: OTHER_TYPE_COLOR }} aria-hidden="true" />
        {t("other")}
      </li>
      <li className="inline-flex items-center gap-1 whitespace-nowrap">
        <span className="h-2.5 w-2.5 rounded-full border border-dashed border-slate-300" aria-hidden="true" />
        {t("stateCleared")}
      </li>
    </ul>
  );
}
