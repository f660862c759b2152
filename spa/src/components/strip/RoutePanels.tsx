// The road tab's route views under its map: the route strip (one direction at a time, by the
// road's own heading names), the route's last 24 hours, and the travel time between tollgates.
// The strip shows the tab's route, else the route last picked on the map, else the first.
import { useEffect, useMemo, useState } from "react";
import { type RoadStrip, type StripDirection, stripUrl, useJson } from "../../api/routes";
import { fill, useI18n } from "../../i18n";
import { formatNumber } from "../../lib/format";
import { formatKstHm } from "../../lib/time";
import { formatDrive, kmByGrade, stripTravelTime } from "../../lib/strip";
import type { RoadDirection } from "../../lib/url";
import { Card } from "../Card";
import { FIELD_CLASS } from "../FilterSelect";
import { RouteHistoryCard } from "../history/RouteHistory";
import { GradeSwatch } from "../map/GradeSwatch";
import { TravelTimeCard } from "../travel/TravelTime";
import type { StripPick } from "./pick";
import { RouteStrip } from "./RouteStrip";

const GRADE_KEYS = { 0: "grade0", 1: "grade1", 2: "grade2", 3: "grade3" } as const;

export function RoutePanels({
  routes,
  route,
  direction,
  refresh,
  pick,
  onPick,
  onChange,
  className,
}: {
  /** [route number, route name], as the tab lists them */
  routes: readonly (readonly [string, string])[];
  /** the tab's route ("" for all) and direction ("" for both) */
  route: string;
  direction: RoadDirection;
  /** changes when new readings came: the answers are asked for again */
  refresh?: unknown;
  pick: StripPick | null;
  onPick: (pick: StripPick | null) => void;
  onChange: (patch: { road?: string; roadDir?: RoadDirection }) => void;
  className?: string;
}) {
  const { t, v, lang } = useI18n();
  const [mapRoute, setMapRoute] = useState("");
  const [ownDir, setOwnDir] = useState<StripDirection>("E");
  // a pick on the map of another route, or the other carriageway: the strip goes there
  useEffect(() => {
    if (pick?.from !== "map") return;
    setMapRoute(pick.routeNo);
    setOwnDir(pick.direction);
  }, [pick]);
  // another route chosen: the pick of the last one is let go (its outline leaves the map)
  useEffect(() => {
    if (route && pick && pick.routeNo !== route) onPick(null);
  }, [route, pick, onPick]);
  const shown = route || mapRoute || routes[0]?.[0] || "";
  const dir: StripDirection = direction || ownDir;
  const answer = useJson<RoadStrip[]>(shown ? stripUrl(shown) : null, refresh);
  const strips = answer.data ?? [];
  const strip = strips.find((s) => s.direction === dir) ?? null;
  const routeName = routes.find(([no]) => no === shown)?.[1] ?? strips[0]?.routeName ?? "";
  const routeLabel = lang === "ko" ? routeName : strips[0]?.routeNameEn || v.route(routeName, shown) || shown;
  const headingOf = (s: RoadStrip) => (lang === "ko" ? s.heading : s.headingEn);
  const grades = useMemo(() => (strip ? kmByGrade(strip.segments) : []), [strip]);
  const drive = useMemo(() => (strip ? stripTravelTime(strip.segments) : null), [strip]);

  const setDir = (d: StripDirection) => {
    if (pick && pick.direction !== d) onPick(null);
    if (direction) onChange({ roadDir: d });
    else setOwnDir(d);
  };

  return (
    <div className={`grid min-w-0 grid-cols-1 gap-3 @4xl:grid-cols-2 ${className ?? ""}`}>
      <Card
        title={
          <>
            {t("stripTitle")}
            {routeLabel ? (
              <>
                {" · "}
                <span data-vocab="route">{routeLabel}</span>
              </>
            ) : null}
          </>
        }
        testId="route-strip"
        className="@4xl:col-span-2"
        right={
          strip?.collectedAt ? (
            <span className="text-xs text-slate-300">
              {t("stripReadAt")} {formatKstHm(strip.collectedAt)} KST
            </span>
          ) : null
        }
      >
        <div className="mb-2 flex min-w-0 flex-wrap items-end gap-2">
          <label className="flex min-w-0 flex-1 flex-col gap-0.5 text-xs text-slate-300 @2xl:max-w-64">
            {t("filterRoute")}
            <select
              className={FIELD_CLASS}
              value={shown}
              onChange={(e) => onChange({ road: e.target.value, roadDir: "" })}
              data-testid="strip-route"
            >
              {routes.map(([no, name]) => (
                <option key={no} value={no}>
                  {v.route(name, no)} ({no})
                </option>
              ))}
              {shown && !routes.some(([no]) => no === shown) ? <option value={shown}>{shown}</option> : null}
            </select>
          </label>
          {strips.length > 0 ? (
            <fieldset className="flex min-w-0 flex-1 flex-col gap-0.5 @2xl:flex-none">
              <legend className="mb-0.5 text-xs text-slate-300">{t("filterDirection")}</legend>
              <div className="flex min-w-0 gap-1" data-testid="strip-directions">
                {(["E", "S"] as const).map((d) => {
                  const s = strips.find((x) => x.direction === d);
                  if (!s) return null;
                  const on = d === dir;
                  return (
                    <button
                      key={d}
                      type="button"
                      aria-pressed={on ? "true" : "false"}
                      onClick={() => setDir(d)}
                      data-testid={`strip-dir-${d}`}
                      className={`min-h-10 min-w-0 flex-1 truncate rounded-md border px-3 @2xl:flex-none text-sm font-semibold ${on ? "border-sky-400 bg-sky-900 text-white" : "border-slate-600 bg-slate-800 text-slate-200 hover:bg-slate-700"}`}
                    >
                      <span data-vocab="direction">{headingOf(s)}</span>
                    </button>
                  );
                })}
              </div>
            </fieldset>
          ) : null}
        </div>
        {strip ? (
          <>
            <ul
              className="mb-1 flex min-w-0 flex-wrap gap-x-3 gap-y-0.5 text-xs text-slate-200"
              data-testid="strip-grades"
              aria-label={t("gradeLegend")}
            >
              {grades.map((g) => (
                <li key={g.grade} className="inline-flex items-center gap-1 whitespace-nowrap" data-grade={g.grade}>
                  <GradeSwatch grade={g.grade} width={22} />
                  {t(GRADE_KEYS[g.grade])} <strong className="tabular-nums">{formatNumber(g.km, 1)} km</strong>
                </li>
              ))}
              <li className="whitespace-nowrap text-slate-300" data-testid="strip-total">
                {fill(t("stripTotal"), {
                  km: formatNumber(strip.lengthKm),
                  time: drive ? formatDrive(drive.seconds, lang) : "—",
                })}
              </li>
            </ul>
            <RouteStrip strip={strip} pick={pick} onPick={onPick} />
          </>
        ) : (
          <p className="text-sm text-slate-300" data-testid="strip-empty">
            {answer.error === 404
              ? t("stripNoRoute")
              : answer.error !== null
                ? t("fetchError")
                : answer.loading || routes.length === 0
                  ? t("loading")
                  : t("noData")}
          </p>
        )}
      </Card>
      <RouteHistoryCard
        route={shown}
        routeLabel={routeLabel}
        direction={dir}
        heading={strip ? headingOf(strip) : null}
        refresh={refresh}
      />
      <TravelTimeCard refresh={refresh} />
    </div>
  );
}
