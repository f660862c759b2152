import { memo, useCallback, useMemo, useState } from "react";
import type { LiveData } from "../api/useLiveData";
import type { Tollgate } from "../api/types";
import { Ago } from "../components/Ago";
import { Card } from "../components/Card";
import { SeriesChart } from "../components/charts/SeriesChart";
import { VirtualList } from "../components/VirtualList";
import { useTollgateDay } from "../hooks/useTollgateDay";
import { volumeColor } from "../lib/colors";
import { toLatLng } from "../lib/geo";
import { daySoFar, slotSeries, tollgateOrder } from "../lib/tollgates";
import { formatKstTime } from "../lib/time";
import type { MapView, UrlState } from "../lib/url";
import { fill, useI18n } from "../i18n";
import { MapPlaceholder, useMaps } from "./lazyMaps";
import { formatNumber } from "../lib/format";

/** A list row's height (px): a thumb's reach, and what the virtual list lays out by. */
const ROW = 40;

export type TollgatesTabProps = Pick<LiveData, "tollgates" | "network" | "outline"> & {
  /** the tollgate selected (the URL's), by unit code; the busiest when none */
  selected?: string | null;
  query?: string;
  view?: MapView | null;
  onChange?: (patch: Partial<UrlState>) => void;
};

export const TollgatesTab = memo(function TollgatesTab({
  tollgates,
  network,
  outline,
  selected: selectedProp = null,
  query: queryProp,
  view = null,
  onChange,
}: TollgatesTabProps) {
  const { t, v } = useI18n();
  const maps = useMaps();
  const list = tollgates ?? [];
  // uncontrolled when no URL state is given (tests, embedding): the tab keeps its own
  const [ownSelected, setOwnSelected] = useState<string | null>(null);
  const [ownQuery, setOwnQuery] = useState("");
  const selected = onChange ? selectedProp : ownSelected;
  const query = queryProp ?? ownQuery;
  const [flySeq, setFlySeq] = useState(0);

  // Every tollgate: those reporting by volume, then the rest by name, all reachable.
  const ordered = useMemo(() => tollgateOrder(list), [list]);
  const reporting = useMemo(() => ordered.filter((tg) => typeof tg.latestTrafficAmount === "number"), [ordered]);
  const max = reporting[0]?.latestTrafficAmount ?? 1;
  const rank = useMemo(() => new Map(reporting.map((tg, i) => [tg.unitCode, i + 1])), [reporting]);
  const shown = useMemo(() => {
    const q = query.trim().toLowerCase();
    if (!q) return ordered;
    return ordered.filter((tg) =>
      `${tg.unitName} ${v.tollgate(tg.unitName)} ${tg.routeName ?? ""} ${tg.unitCode}`.toLowerCase().includes(q),
    );
  }, [ordered, query, v]);
  const current = useMemo(
    () => list.find((tg) => tg.unitCode === (selected ?? reporting[0]?.unitCode)) ?? null,
    [list, selected, reporting],
  );
  // A selection (on the map, from a link) the search hides: the search gives way, so the row shows.
  const rows = useMemo(() => (current && !shown.includes(current) ? ordered : shown), [current, shown, ordered]);
  const currentIndex = current ? rows.indexOf(current) : -1;
  // The day's slots when the data API gives them, else the 3 h series /api/tollgates carries.
  const day = useTollgateDay(current?.unitCode ?? null, current?.latestSlotAt ?? null);
  const series = useMemo(
    () => (day ? daySoFar(day.slots) : current ? slotSeries(current.series, current.latestSlotAt) : []),
    [day, current],
  );
  const seriesLabel = day ? t("seriesToday") : t("series3h");

  const pick = useCallback(
    (code: string, flyTo: boolean) => {
      if (onChange) onChange({ tollgate: code });
      else setOwnSelected(code);
      if (flyTo) setFlySeq((s) => s + 1);
    },
    [onChange],
  );
  const setQuery = (q: string) => (onChange ? onChange({ tollgateQuery: q }) : setOwnQuery(q));
  const onViewChange = useCallback((next: MapView) => onChange?.({ view: next }), [onChange]);

  return (
    <div className="grid grid-cols-1 gap-3 p-3 @4xl:grid-cols-[minmax(0,1.4fr)_minmax(360px,1fr)]">
      <Card
        title={t("tollgatesTitle")}
        below={<VolumeLegend max={max} />}
        testId="tollgates-map"
        className="@4xl:row-span-2"
      >
        <div className="h-[320px] overflow-hidden rounded-lg @xl:h-[420px] @4xl:h-[560px]">
          {maps ? (
            <maps.BaseMap network={network} outline={outline} view={view} onViewChange={onViewChange}>
              <maps.TollgateLayer
                tollgates={list}
                selected={current?.unitCode ?? null}
                onSelect={(c) => pick(c, false)}
                flySeq={flySeq}
              />
            </maps.BaseMap>
          ) : (
            <MapPlaceholder />
          )}
        </div>
      </Card>

      <Card
        testId="tollgate-detail"
        title={
          current ? (
            <>
              <span data-vocab="tollgate">{v.tollgate(current.unitName)}</span> · {t("tollgateSeries")}
            </>
          ) : (
            t("tollgateSeries")
          )
        }
        right={
          current ? (
            <span className="text-xs text-slate-300">
              {rank.get(current.unitCode) ? `#${rank.get(current.unitCode)} · ` : ""}
              <span data-vocab="route">{v.route(current.routeName, current.routeNo)}</span>
            </span>
          ) : null
        }
      >
        {current ? (
          <>
            <div className="mb-1 flex flex-wrap items-baseline gap-x-2">
              <span className="text-3xl font-extrabold tabular-nums text-white" data-testid="tollgate-selected-volume">
                {current.latestTrafficAmount === null ? "—" : formatNumber(current.latestTrafficAmount)}
              </span>
              <span className="text-sm text-slate-300">{t("vehicles15")}</span>
            </div>
            <p className="mb-2 text-xs text-slate-300" data-testid="tollgate-slot">
              {current.latestSlotAt ? (
                <>
                  {t("slotAt")} {formatKstTime(current.latestSlotAt).replace(":00 KST", " KST")} ·{" "}
                  <Ago at={current.latestSlotAt} />
                </>
              ) : (
                t("noVolume")
              )}
            </p>
            <SeriesChart
              points={series}
              label={`${v.tollgate(current.unitName)} · ${seriesLabel}`}
              color={volumeColor((current.latestTrafficAmount ?? 0) / max)}
              unit={t("vehicles")}
              testId="tollgate-series"
              height={150}
            />
            <p
              className="mt-1 text-[11px] text-slate-300"
              data-testid="tollgate-series-span"
              data-day={day?.date ?? ""}
            >
              {seriesLabel}
              {day ? ` · ${day.date}` : ""}
            </p>
            {toLatLng(current.lat, current.lon) === null ? (
              <p className="text-xs text-amber-300">{t("unmapped")}</p>
            ) : null}
          </>
        ) : (
          <p className="text-sm text-slate-300">{tollgates === null ? t("loading") : t("selectTollgate")}</p>
        )}
      </Card>

      <Card
        title={t("tollgateList")}
        className="h-[480px] @4xl:h-[520px]"
        right={
          <span className="text-xs text-slate-300" data-testid="tollgate-count">
            {fill(t("tollgatesReporting"), { n: reporting.length, total: list.length })}
          </span>
        }
        testId="tollgate-list"
      >
        <input
          type="search"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          placeholder={t("search2")}
          aria-label={t("search2")}
          className="mb-2 min-h-10 rounded-md border border-slate-600 bg-slate-800 px-2 py-1.5 text-sm"
          data-testid="tollgate-search"
        />
        <VirtualList
          items={rows}
          rowHeight={ROW}
          itemKey={(tg) => tg.unitCode}
          scrollTo={currentIndex}
          className="flex-1 pr-1"
          label={t("tollgateList")}
          testId="tollgate-ranking"
          render={(tg) => (
            <TollgateRow
              tg={tg}
              rank={rank.get(tg.unitCode) ?? null}
              max={max}
              selected={tg.unitCode === current?.unitCode}
              onPick={pick}
            />
          )}
        />
      </Card>
    </div>
  );
});

function TollgateRow({
  tg,
  rank,
  max,
  selected,
  onPick,
}: {
  tg: Tollgate;
  rank: number | null;
  max: number;
  selected: boolean;
  onPick: (code: string, flyTo: boolean) => void;
}) {
  const { t, v } = useI18n();
  const volume = tg.latestTrafficAmount;
  return (
    <button
      type="button"
      data-testid="tollgate-row"
      data-unit-code={tg.unitCode}
      aria-pressed={selected ? "true" : "false"}
      onClick={() => onPick(tg.unitCode, true)}
      className={`flex h-[38px] w-full items-center gap-2 rounded px-2 text-left text-sm ${selected ? "bg-slate-700 ring-1 ring-sky-400" : "hover:bg-slate-800"}`}
    >
      <span className="w-8 shrink-0 text-right tabular-nums text-slate-300">{rank ?? "—"}</span>
      <span className="w-28 shrink-0 truncate font-semibold" data-vocab="tollgate">
        {v.tollgate(tg.unitName)}
      </span>
      {volume === null ? (
        <span className="min-w-0 flex-1 truncate text-xs text-slate-300">{t("noVolume")}</span>
      ) : (
        <>
          <span className="h-2 min-w-0 flex-1 rounded bg-slate-800" aria-hidden="true">
            <span
              className="block h-2 rounded"
              style={{ width: `${(volume / max) * 100}%`, backgroundColor: volumeColor(volume / max) }}
            />
          </span>
          <span className="w-14 shrink-0 text-right tabular-nums">{formatNumber(volume)}</span>
        </>
      )}
    </button>
  );
}

function VolumeLegend({ max }: { max: number }) {
  const { t } = useI18n();
  const steps = [0.1, 0.3, 0.5, 0.7, 0.9];
  return (
    <ul
      className="flex flex-wrap items-center gap-x-2.5 gap-y-0.5 text-xs text-slate-200"
      aria-label={t("volumeLegend")}
    >
      <li className="whitespace-nowrap">{t("volumeLegend")}</li>
      {steps.map((s) => (
        <li key={s} className="inline-flex items-center gap-1 whitespace-nowrap">
          <span className="h-2.5 w-2.5 rounded-full" style={{ backgroundColor: volumeColor(s) }} aria-hidden="true" />
          {formatNumber(Math.round((s - 0.1) * max))}+
        </li>
      ))}
    </ul>
  );
}
