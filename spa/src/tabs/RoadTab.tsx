import { memo, useCallback, useMemo, useState } from "react";
import { FIELD_CLASS } from "../components/FilterSelect";
import type { LiveData } from "../api/useLiveData";
import { Card } from "../components/Card";
import { Donut } from "../components/charts/Donut";
import { GradeSwatch } from "../components/map/GradeSwatch";
import { GRADE_COLORS } from "../lib/colors";
import { readable } from "../lib/contrast";
import { gradeCounts, joinSections, routeCards } from "../lib/road";
import type { MapView, RoadDirection, UrlState } from "../lib/url";
import { useI18n } from "../i18n";
import { MapPlaceholder, useMaps } from "./lazyMaps";
import type { StripPick } from "../components/strip/pick";
import { RoutePanels } from "../components/strip/RoutePanels";
import { StripMapLink } from "../components/strip/StripMapLink";

export type RoadTabProps = Pick<LiveData, "sections" | "roadStatus" | "network" | "outline"> & {
  /** the route shown (its number, the URL's), "" for all */
  route?: string;
  direction?: RoadDirection;
  view?: MapView | null;
  onChange?: (patch: Partial<UrlState>) => void;
};

const GRADES = [1, 2, 3, 0] as const;

export const RoadTab = memo(function RoadTab({
  sections,
  roadStatus,
  network,
  outline,
  route: routeProp = "",
  direction: directionProp = "",
  view = null,
  onChange,
}: RoadTabProps) {
  const { t, v } = useI18n();
  const maps = useMaps();
  // uncontrolled when no URL state is given (tests, embedding)
  const [own, setOwn] = useState<{ road: string; roadDir: RoadDirection }>({ road: "", roadDir: "" });
  const route = onChange ? routeProp : own.road;
  const direction = onChange ? directionProp : own.roadDir;
  const change = useCallback(
    (patch: { road?: string; roadDir?: RoadDirection }) =>
      onChange ? onChange(patch) : setOwn((o) => ({ ...o, ...patch })),
    [onChange],
  );
  const onViewChange = useCallback((next: MapView) => onChange?.({ view: next }), [onChange]);
  // the section (or IC) picked in the route strip or on the map: each shows the other's pick
  const [pick, setPick] = useState<StripPick | null>(null);

  const joined = useMemo(() => joinSections(sections?.features ?? [], roadStatus ?? []), [sections, roadStatus]);
  const routes = useMemo(() => {
    const m = new Map<string, string>();
    for (const s of joined) m.set(s.routeNo, s.routeName);
    return [...m.entries()].sort((a, b) => a[0].localeCompare(b[0]));
  }, [joined]);
  const filtered = useMemo(
    () => joined.filter((s) => (!route || s.routeNo === route) && (!direction || s.direction === direction)),
    [joined, route, direction],
  );
  const counts = useMemo(() => gradeCounts(filtered), [filtered]);
  const cards = useMemo(() => routeCards(filtered), [filtered]);
  // A direction is the road's own (서울방향, toward Seoul): it has a name only on one route.
  const headingOf = (dir: "E" | "S") => (route ? (v.heading(route, dir) ?? t(dir === "E" ? "dirE" : "dirS")) : null);

  return (
    <div className="grid grid-cols-1 gap-3 p-3 @4xl:grid-cols-[minmax(0,1.4fr)_minmax(360px,1fr)]">
      <Card
        title={t("roadTitle")}
        testId="road-map"
        below={
          <ul className="flex flex-wrap gap-x-3 gap-y-0.5 text-xs" aria-label={t("gradeLegend")}>
            {GRADES.map((g) => (
              <li
                key={g}
                className="inline-flex items-center gap-1 whitespace-nowrap text-slate-200"
                data-testid={`road-count-${g}`}
                data-vocab="grade"
              >
                <GradeSwatch grade={g} />
                {t(`grade${g}`)} <strong className="tabular-nums">{counts[g]}</strong>
              </li>
            ))}
          </ul>
        }
      >
        <div className="mb-2 grid grid-cols-2 gap-2 @2xl:flex @2xl:flex-wrap @2xl:items-end">
          <label className="flex min-w-0 flex-col gap-0.5 text-xs text-slate-300 @2xl:w-56">
            {t("filterRoute")}
            <select
              className={FIELD_CLASS}
              value={route}
              onChange={(e) => change({ road: e.target.value, roadDir: "" })}
              data-testid="road-filter-route"
            >
              <option value="">{t("all")}</option>
              {routes.map(([no, name]) => (
                <option key={no} value={no}>
                  {v.route(name, no)} ({no})
                </option>
              ))}
            </select>
          </label>
          <label className="flex min-w-0 flex-col gap-0.5 text-xs text-slate-300 @2xl:w-48">
            {t("filterDirection")}
            <select
              className={FIELD_CLASS}
              value={direction}
              onChange={(e) => change({ roadDir: e.target.value as RoadDirection })}
              data-testid="road-filter-direction"
              title={route ? undefined : t("pickRouteFirst")}
            >
              <option value="">{t("bothDirections")}</option>
              <option value="E">{headingOf("E") ?? t("dirE")}</option>
              <option value="S">{headingOf("S") ?? t("dirS")}</option>
            </select>
          </label>
          <span className="col-span-2 text-xs text-slate-300 @2xl:ml-auto @2xl:pb-2" data-testid="road-section-count">
            {filtered.length} {t("sections")}
          </span>
        </div>
        <div className="h-[320px] overflow-hidden rounded-lg @xl:h-[420px] @4xl:h-[520px]">
          {maps ? (
            <maps.BaseMap network={network} outline={outline} faintNetwork view={view} onViewChange={onViewChange}>
              <maps.RoadLayer sections={filtered} />
              <StripMapLink sections={joined} pick={pick} onPick={setPick} />
            </maps.BaseMap>
          ) : (
            <MapPlaceholder />
          )}
        </div>
      </Card>
      {/* under the map and the summary on a wide screen (row 2), right under the map on a phone */}
      <RoutePanels
        routes={routes}
        route={route}
        direction={direction}
        refresh={roadStatus}
        pick={pick}
        onPick={setPick}
        onChange={change}
        className="@4xl:col-span-2 @4xl:row-start-2"
      />
      <Card title={t("routeSummary")} testId="route-summary" className="@4xl:max-h-[700px]">
        <ul
          className="grid min-h-0 grid-cols-1 gap-2 overflow-y-auto pr-1 @md:grid-cols-2 @4xl:grid-cols-1 @6xl:grid-cols-2"
          data-testid="route-cards"
        >
          {cards.map((c) => {
            const name = v.route(c.routeName, c.routeNo);
            return (
              <li key={c.routeNo} data-testid="route-card" data-route-no={c.routeNo} className="min-w-0">
                <button
                  type="button"
                  aria-pressed={route === c.routeNo ? "true" : "false"}
                  className={`flex w-full min-w-0 items-center gap-3 rounded-lg border p-2 text-left ${route === c.routeNo ? "border-sky-400 bg-slate-800" : "border-slate-800 bg-slate-900 hover:bg-slate-800"}`}
                  onClick={() => change({ road: route === c.routeNo ? "" : c.routeNo, roadDir: "" })}
                >
                  <Donut
                    size={72}
                    stroke={10}
                    center={c.avgSpeed === null ? "—" : c.avgSpeed.toFixed(0)}
                    sub="km/h"
                    slices={GRADES.map((g) => ({
                      key: String(g),
                      label: t(`grade${g}`),
                      value: c.counts[g],
                      color: GRADE_COLORS[g],
                    }))}
                  />
                  <span className="block min-w-0 flex-1">
                    <span className="block truncate font-bold text-white" title={name} data-vocab="route">
                      {name}
                    </span>
                    <span className="block truncate text-xs text-slate-300" data-vocab="direction">
                      {c.routeNo} · {c.total} {t("sections")}
                      {v.heading(c.routeNo, "S") && v.heading(c.routeNo, "E")
                        ? ` · ${v.heading(c.routeNo, "S")} ↔ ${v.heading(c.routeNo, "E")}`
                        : ""}
                    </span>
                    <span
                      className="mt-1 flex flex-wrap gap-x-2.5 text-sm font-semibold tabular-nums"
                      data-testid="route-card-counts"
                    >
                      {GRADES.map((g) => (
                        <span
                          key={g}
                          className="inline-flex items-center gap-1"
                          title={t(`grade${g}`)}
                          style={{ color: readable(GRADE_COLORS[g]) }}
                        >
                          <GradeSwatch grade={g} width={14} />
                          <span className="sr-only">{t(`grade${g}`)}</span>
                          {c.counts[g]}
                        </span>
                      ))}
                    </span>
                  </span>
                </button>
              </li>
            );
          })}
          {cards.length === 0 ? (
            <li className="text-sm text-slate-300">{sections === null ? t("loading") : t("noData")}</li>
          ) : null}
        </ul>
      </Card>
    </div>
  );
});
