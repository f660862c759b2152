import { memo, useMemo } from "react";
import type { LiveData } from "../api/useLiveData";
import { Ago } from "../components/Ago";
import { Card, KpiCard } from "../components/Card";
import { BarList } from "../components/charts/BarList";
import { StackBar } from "../components/charts/Donut";
import { BaseMap } from "../components/map/BaseMap";
import { IncidentLayer } from "../components/map/IncidentLayer";
import { StateBadge, TypeBadge } from "../components/IncidentDetails";
import { NoticeCount, NoticeList } from "../components/NoticeList";
import { GRADE_COLORS, INCIDENT_TYPES, typeColor, volumeColor } from "../lib/colors";
import { busiestTollgates, computeKpis, countByType, isCleared } from "../lib/kpi";
import { incidentLatLng, incidentTime } from "../lib/incidents";
import { routesBySpeed } from "../lib/road";
import { formatKstTime } from "../lib/time";
import { useI18n } from "../i18n";

function fmt(n: number | null, digits = 0): string {
  return n === null
    ? "—"
    : n.toLocaleString(undefined, { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export type DashboardTabProps = Pick<
  LiveData,
  "accidents" | "stats" | "notices" | "tollgates" | "roadSummary" | "network" | "outline"
> & {
  onOpenIncident: (id: number) => void;
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
}: DashboardTabProps) {
  const { t } = useI18n();
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
    return keys.map((key) => ({ key, label: key, value: m.get(key) ?? 0, color: typeColor(key) }));
  }, [incidents]);
  const top = useMemo(() => busiestTollgates(tollgates ?? [], 10), [tollgates]);
  const topMax = top[0]?.latestTrafficAmount ?? 1;
  const routes = useMemo(() => routesBySpeed(roadSummary ?? []), [roadSummary]);
  const loading = (v: unknown) => (v === null ? "…" : undefined);

  return (
    // One column below lg: rows as tall as their cards (the tab scrolls), never squeezed into
    // the tab's height with the cards' contents spilling over the next ones.
    <div className="grid h-full min-h-0 grid-cols-1 gap-3 overflow-y-auto p-3 max-lg:auto-rows-max lg:grid-cols-12 lg:grid-rows-[auto_minmax(0,1fr)]">
      <div className="grid grid-cols-2 gap-3 md:grid-cols-3 lg:col-span-12 xl:grid-cols-5">
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
          sub={`${k.totalSections.toLocaleString()} ${t("sections")}`}
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
        />
      </div>

      <Card
        title={t("miniMap")}
        className="min-h-[360px] lg:col-span-5"
        right={<span className="text-xs text-slate-400">{unmapped > 0 ? `${t("unmapped")} ${unmapped}` : ""}</span>}
      >
        <div className="min-h-[300px] flex-1 overflow-hidden rounded-lg">
          <BaseMap network={network} outline={outline}>
            <IncidentLayer incidents={incidents} radius={6} onSelect={onOpenIncident} popups={false} />
          </BaseMap>
        </div>
      </Card>

      <div className="flex min-h-0 min-w-0 flex-col gap-3 lg:col-span-3">
        <Card title={t("byType")} fixed>
          {typeItems.length ? (
            <BarList items={typeItems} unit={t("count")} testId="by-type" />
          ) : (
            <p className="text-sm text-slate-400">{t("noData")}</p>
          )}
        </Card>
        <Card title={t("latestIncidents")} className="min-h-[120px] flex-1">
          <ul className="space-y-1.5 overflow-y-auto" data-testid="latest-incidents">
            {incidents.slice(0, 5).map((i) => (
              <li key={i.id}>
                <button
                  type="button"
                  className="w-full rounded px-1 py-0.5 text-left hover:bg-slate-800"
                  onClick={() => onOpenIncident(i.id)}
                >
                  <div className="flex items-center gap-2">
                    <TypeBadge type={i.accType} />
                    <StateBadge incident={i} onlyCleared />
                    <span className="min-w-0 truncate text-sm font-semibold">{i.accPointNM}</span>
                  </div>
                  <div className="text-xs text-slate-400">
                    {i.roadNM} · {formatKstTime(incidentTime(i)).replace(" KST", "")} · <Ago at={incidentTime(i)} />
                  </div>
                </button>
              </li>
            ))}
            {incidents.length === 0 ? <li className="text-sm text-slate-400">{t("noData")}</li> : null}
          </ul>
        </Card>
        <Card
          title={t("notices")}
          className="max-h-[240px] min-h-[120px] flex-1"
          right={<NoticeCount notices={notices} />}
          testId="dashboard-notices"
        >
          <NoticeList notices={notices} limit={30} />
        </Card>
      </div>

      <Card title={t("busiestTollgates")} className="lg:col-span-2">
        <BarList
          testId="busiest-tollgates"
          unit={t("vehicles")}
          items={top.map((tg) => ({
            key: tg.unitCode,
            label: tg.unitName,
            value: tg.latestTrafficAmount ?? 0,
            color: volumeColor((tg.latestTrafficAmount ?? 0) / topMax),
            sub: tg.routeName ?? undefined,
          }))}
        />
      </Card>

      <Card title={t("routesBySpeed")} className="min-h-0 lg:col-span-2">
        <ul className="space-y-2 overflow-y-auto" data-testid="routes-by-speed">
          {routes.map((r) => (
            <li key={r.routeNo}>
              <div className="flex items-baseline justify-between gap-2 text-sm">
                <span className="min-w-0 truncate font-semibold" title={r.routeName}>
                  {r.routeName}
                </span>
                <span className="shrink-0 whitespace-nowrap tabular-nums font-bold">
                  {fmt(r.avgSpeed, 1)} <span className="text-xs font-normal text-slate-400">{t("kmh")}</span>
                </span>
              </div>
              <StackBar
                slices={[
                  { key: "1", label: t("grade1"), value: r.smoothSections, color: GRADE_COLORS[1] },
                  { key: "2", label: t("grade2"), value: r.slowSections, color: GRADE_COLORS[2] },
                  { key: "3", label: t("grade3"), value: r.congestedSections, color: GRADE_COLORS[3] },
                ]}
              />
              <div className="mt-0.5 flex gap-2 text-[11px] tabular-nums text-slate-400">
                <span style={{ color: GRADE_COLORS[1] }}>
                  {t("grade1")} {r.smoothSections}
                </span>
                <span style={{ color: GRADE_COLORS[2] }}>
                  {t("grade2")} {r.slowSections}
                </span>
                <span style={{ color: GRADE_COLORS[3] }}>
                  {t("grade3")} {r.congestedSections}
                </span>
              </div>
            </li>
          ))}
          {routes.length === 0 ? <li className="text-sm text-slate-400">{t("noData")}</li> : null}
        </ul>
      </Card>
    </div>
  );
});
