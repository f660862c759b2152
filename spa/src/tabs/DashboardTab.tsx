import { memo, useMemo } from "react";
import type { LiveData } from "../api/useLiveData";
import { Ago } from "../components/Ago";
import { Card, KpiCard } from "../components/Card";
import { BarList } from "../components/charts/BarList";
import { StackBar } from "../components/charts/Donut";
import { StateBadge, TypeBadge } from "../components/IncidentDetails";
import { NoticeCount, NoticeList } from "../components/NoticeList";
import { GRADE_COLORS, INCIDENT_TYPES, typeColor, volumeColor } from "../lib/colors";
import { readable } from "../lib/contrast";
import { busiestTollgates, computeKpis, countByType, isCleared } from "../lib/kpi";
import { incidentLatLng, incidentTime } from "../lib/incidents";
import { routesBySpeed } from "../lib/road";
import { formatKstTime } from "../lib/time";
import type { MapView } from "../lib/url";
import { useI18n } from "../i18n";
import { MapPlaceholder, useMaps } from "./lazyMaps";
import { formatNumber } from "../lib/format";

const fmt = formatNumber;

export type DashboardTabProps = Pick<
  LiveData,
  "accidents" | "stats" | "notices" | "tollgates" | "roadSummary" | "network" | "outline"
> & {
  onOpenIncident: (id: number) => void;
  /** the map's view from the URL, and where it is told the map moved */
  view?: MapView | null;
  onViewChange?: (view: MapView) => void;
};

export const DashboardTab = memo(function DashboardTab({
  accidents,
  stats,
  notices,
  tollgates,
  roadSummary,
  network,
  outline,
  onOpenIncident,
  view = null,
  onViewChange,
}: DashboardTabProps) {
  const { t, v } = useI18n();
  const maps = useMaps();
  const incidents = accidents ?? [];
  const k = useMemo(() => computeKpis(accidents, tollgates, roadSummary), [accidents, tollgates, roadSummary]);
  const unmapped = useMemo(() => incidents.filter((i) => incidentLatLng(i) === null).length, [incidents]);
  // By type: the active incidents, as the KPI counts them (notices never reach this list).
  const typeItems = useMemo(() => {
    const m = countByType(incidents.filter((i) => !isCleared(i)));
    const keys = [
      ...INCIDENT_TYPES.filter((x) => m.has(x)),
      ...[...m.keys()].filter((x) => !(INCIDENT_TYPES as readonly string[]).includes(x)),
    ];
    return keys.map((key) => ({ key, label: v.type(key), value: m.get(key) ?? 0, color: typeColor(key) }));
  }, [incidents, v]);
  const top = useMemo(() => busiestTollgates(tollgates ?? [], 10), [tollgates]);
  const topMax = top[0]?.latestTrafficAmount ?? 1;
  const routes = useMemo(() => routesBySpeed(roadSummary ?? []), [roadSummary]);
  const loading = (x: unknown) => (x === null ? "…" : undefined);
  const grades = [1, 2, 3] as const;
  const gradeCount = (r: (typeof routes)[number], g: 1 | 2 | 3) =>
    g === 1 ? r.smoothSections : g === 2 ? r.slowSections : r.congestedSections;

  return (
    // One column on a phone, more as the width allows; every row as tall as its cards, so no
    // card is squeezed under its content or spills into the next.
    <div className="grid grid-cols-1 gap-3 p-3 @xl:grid-cols-2 @4xl:grid-cols-3 @7xl:grid-cols-4">
      <div className="col-span-full grid grid-cols-2 gap-3 @2xl:grid-cols-3 @3xl:grid-cols-5">
        <KpiCard
          name="incidents"
          label={t("kpiIncidents")}
          value={loading(accidents) ?? fmt(k.activeIncidents)}
          unit={t("count")}
          accent="#ef4444"
          sub={
            stats ? (
              <span data-testid="kpi-incidents-today">
                {t("todayOccurred")} {stats.todayAccidents} · {t("todayCleared")} {stats.clearedToday}
              </span>
            ) : undefined
          }
        />
        <KpiCard
          name="tollgates"
          label={t("kpiTollgates")}
          value={loading(tollgates) ?? fmt(k.tollgatesReporting)}
          accent="#38bdf8"
          sub={tollgates ? `/ ${tollgates.length}` : undefined}
        />
        <KpiCard
          name="routes"
          label={t("kpiRoutes")}
          value={loading(roadSummary) ?? fmt(k.routes)}
          accent="#a855f7"
          sub={`${formatNumber(k.totalSections)} ${t("sections")}`}
        />
        <KpiCard
          name="avg-speed"
          label={t("kpiAvgSpeed")}
          value={loading(roadSummary) ?? fmt(k.avgSpeed, 1)}
          unit={t("kmh")}
          accent="#22c55e"
        />
        <KpiCard
          name="smooth"
          label={t("kpiSmooth")}
          value={loading(roadSummary) ?? fmt(k.smoothPct, 1)}
          unit="%"
          accent={GRADE_COLORS[1]}
          className="col-span-2 @2xl:col-span-1 @3xl:col-span-1"
        />
      </div>

      <Card
        title={t("miniMap")}
        className="@xl:col-span-2 @4xl:row-span-2"
        right={<span className="text-xs text-slate-300">{unmapped > 0 ? `${t("unmapped")} ${unmapped}` : ""}</span>}
        testId="dashboard-map"
      >
        <div className="h-[300px] overflow-hidden rounded-lg @xl:h-[380px] @4xl:h-[480px]">
          {maps ? (
            <maps.BaseMap network={network} outline={outline} view={view} onViewChange={onViewChange}>
              <maps.IncidentLayer incidents={incidents} radius={6} onSelect={onOpenIncident} popups={false} />
            </maps.BaseMap>
          ) : (
            <MapPlaceholder />
          )}
        </div>
      </Card>

      <Card title={t("byType")}>
        {typeItems.length ? (
          <BarList items={typeItems} unit={t("count")} testId="by-type" vocab />
        ) : (
          <p className="text-sm text-slate-300">{accidents === null ? t("loading") : t("noData")}</p>
        )}
      </Card>

      <Card title={t("latestIncidents")}>
        <ul className="max-h-[320px] space-y-1 overflow-y-auto" data-testid="latest-incidents">
          {incidents.slice(0, 5).map((i) => (
            <li key={i.id}>
              <button
                type="button"
                className="w-full rounded px-1.5 py-1.5 text-left hover:bg-slate-800"
                onClick={() => onOpenIncident(i.id)}
              >
                <div className="flex min-w-0 items-center gap-2">
                  <TypeBadge type={i.accType} />
                  <StateBadge incident={i} onlyCleared />
                  <span className="min-w-0 truncate text-sm font-semibold" data-vocab="place">
                    {v.place(i.accPointNM) || v.direction(i.direction)}
                  </span>
                </div>
                <div className="truncate text-xs text-slate-300">
                  <span data-vocab="route">{v.route(i.roadNM, i.nosunNM)}</span> ·{" "}
                  {formatKstTime(incidentTime(i)).replace(" KST", "")} · <Ago at={incidentTime(i)} />
                </div>
              </button>
            </li>
          ))}
          {incidents.length === 0 ? (
            <li className="text-sm text-slate-300">{accidents === null ? t("loading") : t("noData")}</li>
          ) : null}
        </ul>
      </Card>

      <Card title={t("busiestTollgates")}>
        <BarList
          testId="busiest-tollgates"
          unit={t("vehicles")}
          vocab
          items={top.map((tg) => ({
            key: tg.unitCode,
            label: v.tollgate(tg.unitName),
            value: tg.latestTrafficAmount ?? 0,
            color: volumeColor((tg.latestTrafficAmount ?? 0) / topMax),
            sub: tg.routeName ? v.route(tg.routeName, tg.routeNo) : undefined,
          }))}
        />
        {top.length === 0 ? (
          <p className="text-sm text-slate-300">{tollgates === null ? t("loading") : t("noData")}</p>
        ) : null}
      </Card>

      <Card title={t("routesBySpeed")}>
        <ul className="space-y-2" data-testid="routes-by-speed">
          {routes.map((r) => {
            const name = v.route(r.routeName, r.routeNo);
            return (
              <li key={r.routeNo}>
                <div className="flex min-w-0 items-baseline justify-between gap-2 text-sm">
                  <span className="min-w-0 truncate font-semibold" title={name} data-vocab="route">
                    {name}
                  </span>
                  <span className="shrink-0 whitespace-nowrap font-bold tabular-nums">
                    {fmt(r.avgSpeed, 1)} <span className="text-xs font-normal text-slate-300">{t("kmh")}</span>
                  </span>
                </div>
                <StackBar
                  slices={grades.map((g) => ({
                    key: String(g),
                    label: t(`grade${g}`),
                    value: gradeCount(r, g),
                    color: GRADE_COLORS[g],
                  }))}
                />
                <div className="mt-0.5 flex flex-wrap gap-x-2 text-[11px] tabular-nums">
                  {grades.map((g) => (
                    <span key={g} style={{ color: readable(GRADE_COLORS[g]) }} data-vocab="grade">
                      {t(`grade${g}`)} {gradeCount(r, g)}
                    </span>
                  ))}
                </div>
              </li>
            );
          })}
          {routes.length === 0 ? (
            <li className="text-sm text-slate-300">{roadSummary === null ? t("loading") : t("noData")}</li>
          ) : null}
        </ul>
      </Card>

      <Card title={t("notices")} right={<NoticeCount notices={notices} />} testId="dashboard-notices">
        <NoticeList notices={notices} limit={30} className="max-h-[320px]" />
      </Card>
    </div>
  );
});
