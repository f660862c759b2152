import { memo, useMemo, useState } from "react";
import { FIELD_CLASS } from "../components/FilterSelect";
import type { LiveData } from "../api/useLiveData";
import { Card } from "../components/Card";
import { Donut } from "../components/charts/Donut";
import { BaseMap } from "../components/map/BaseMap";
import { RoadLayer } from "../components/map/RoadLayer";
import { GRADE_COLORS } from "../lib/colors";
import { gradeCounts, joinSections, routeCards } from "../lib/road";
import { useI18n } from "../i18n";

export type RoadTabProps = Pick<LiveData, "sections" | "roadStatus" | "network" | "outline">;

export const RoadTab = memo(function RoadTab({ sections, roadStatus, network, outline }: RoadTabProps) {
  const { t } = useI18n();
  const [route, setRoute] = useState("");
  const [direction, setDirection] = useState("");
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

  return (
    <div className="grid h-full min-h-0 grid-cols-1 gap-3 overflow-y-auto p-3 lg:grid-cols-[minmax(0,1.5fr)_minmax(380px,1fr)]">
      <Card
        className="min-h-[420px]"
        title={t("tabRoad")}
        right={
          <div className="flex flex-wrap gap-x-2.5 text-xs">
            {([1, 2, 3, 0] as const).map((g) => (
              <span key={g} className="inline-flex items-center gap-1" data-testid={`road-count-${g}`}>
                <span className="h-1.5 w-4 rounded" style={{ backgroundColor: GRADE_COLORS[g] }} />
                {t(`grade${g}`)} <strong className="tabular-nums">{counts[g]}</strong>
              </span>
            ))}
          </div>
        }
      >
        <div className="mb-2 flex flex-wrap gap-2">
          <label className="flex items-center gap-1.5 text-xs text-slate-400">
            {t("filterRoute")}
            <select
              className={FIELD_CLASS}
              value={route}
              onChange={(e) => setRoute(e.target.value)}
              data-testid="road-filter-route"
            >
              <option value="">{t("all")}</option>
              {routes.map(([no, name]) => (
                <option key={no} value={no}>
                  {name} ({no})
                </option>
              ))}
            </select>
          </label>
          <label className="flex items-center gap-1.5 text-xs text-slate-400">
            {t("filterDirection")}
            <select
              className={FIELD_CLASS}
              value={direction}
              onChange={(e) => setDirection(e.target.value)}
              data-testid="road-filter-direction"
            >
              <option value="">{t("all")}</option>
              <option value="E">{t("dirE")}</option>
              <option value="S">{t("dirS")}</option>
            </select>
          </label>
          <span className="ml-auto self-center text-xs text-slate-400" data-testid="road-section-count">
            {filtered.length} {t("sections")}
          </span>
        </div>
        <div className="min-h-[340px] flex-1 overflow-hidden rounded-lg">
          <BaseMap network={network} outline={outline} faintNetwork>
            <RoadLayer sections={filtered} />
          </BaseMap>
        </div>
      </Card>
      <Card title={t("routeSummary")} className="min-h-0">
        <ul className="grid min-h-0 grid-cols-1 gap-2 overflow-y-auto pr-1 sm:grid-cols-2" data-testid="route-cards">
          {cards.map((c) => (
            <li key={c.routeNo} data-testid="route-card" data-route-no={c.routeNo}>
              <button
                type="button"
                aria-pressed={route === c.routeNo ? "true" : "false"}
                className={`flex w-full items-center gap-3 rounded-lg border p-2 text-left ${route === c.routeNo ? "border-sky-400 bg-slate-800" : "border-slate-800 bg-slate-900 hover:bg-slate-800"}`}
                onClick={() => setRoute((r) => (r === c.routeNo ? "" : c.routeNo))}
              >
                <Donut
                  size={78}
                  stroke={11}
                  center={c.avgSpeed === null ? "—" : c.avgSpeed.toFixed(0)}
                  sub="km/h"
                  slices={([1, 2, 3, 0] as const).map((g) => ({
                    key: String(g),
                    label: t(`grade${g}`),
                    value: c.counts[g],
                    color: GRADE_COLORS[g],
                  }))}
                />
                <span className="block min-w-0 flex-1">
                  <span className="block truncate font-bold text-white">{c.routeName}</span>
                  <span className="block text-xs text-slate-400">
                    {c.routeNo} · {c.total} {t("sections")}
                  </span>
                  <span
                    className="mt-1 flex flex-wrap gap-x-2.5 text-sm font-semibold tabular-nums"
                    data-testid="route-card-counts"
                  >
                    {([1, 2, 3, 0] as const).map((g) => (
                      <span
                        key={g}
                        className="inline-flex items-center gap-1"
                        title={t(`grade${g}`)}
                        style={{ color: GRADE_COLORS[g] }}
                      >
                        <span className="h-2 w-2 rounded-full" style={{ backgroundColor: GRADE_COLORS[g] }} />
                        {c.counts[g]}
                      </span>
                    ))}
                  </span>
                </span>
              </button>
            </li>
          ))}
          {cards.length === 0 ? (
            <li className="text-sm text-slate-400">{sections === null ? t("loading") : t("noData")}</li>
          ) : null}
        </ul>
      </Card>
    </div>
  );
});
