import { memo, useMemo, useState } from "react";
import type { LiveData } from "../api/useLiveData";
import { Card } from "../components/Card";
import { SeriesChart } from "../components/charts/SeriesChart";
import { BaseMap } from "../components/map/BaseMap";
import { TollgateLayer } from "../components/map/TollgateLayer";
import { volumeColor } from "../lib/colors";
import { toLatLng } from "../lib/geo";
import { formatKstTime } from "../lib/time";
import { useI18n } from "../i18n";

export type TollgatesTabProps = Pick<LiveData, "tollgates" | "network" | "outline">;

export const TollgatesTab = memo(function TollgatesTab({ tollgates, network, outline }: TollgatesTabProps) {
  const { t } = useI18n();
  const list = tollgates ?? [];
  const [selected, setSelected] = useState<string | null>(null);
  const [flySeq, setFlySeq] = useState(0);
  const [query, setQuery] = useState("");

  const ranked = useMemo(
    () =>
      list
        .filter((tg) => typeof tg.latestTrafficAmount === "number")
        .slice()
        .sort((a, b) => (b.latestTrafficAmount ?? 0) - (a.latestTrafficAmount ?? 0)),
    [list],
  );
  const max = ranked[0]?.latestTrafficAmount ?? 1;
  const shown = useMemo(() => {
    const q = query.trim().toLowerCase();
    const list = q
      ? ranked.filter((tg) => `${tg.unitName} ${tg.routeName ?? ""} ${tg.unitCode}`.toLowerCase().includes(q))
      : ranked;
    return list.slice(0, 100);
  }, [ranked, query]);
  const current = useMemo(
    () => list.find((tg) => tg.unitCode === (selected ?? ranked[0]?.unitCode)) ?? null,
    [list, selected, ranked],
  );
  const series = useMemo(
    () =>
      (current?.series ?? [])
        .slice()
        .sort((a, b) => a.slotAt.localeCompare(b.slotAt))
        .map((p) => ({ at: p.slotAt, value: p.trafficAmount })),
    [current],
  );
  const rankOf = (code: string) => ranked.findIndex((r) => r.unitCode === code) + 1;
  const pick = (code: string, flyTo: boolean) => {
    setSelected(code);
    if (flyTo) setFlySeq((s) => s + 1);
  };

  return (
    <div className="grid h-full min-h-0 grid-cols-1 gap-3 overflow-y-auto p-3 lg:grid-cols-[minmax(0,1.5fr)_minmax(380px,1fr)]">
      <Card className="min-h-[420px]" title={t("tabTollgates")} right={<VolumeLegend max={max} />}>
        <div className="min-h-[360px] flex-1 overflow-hidden rounded-lg">
          <BaseMap network={network} outline={outline}>
            <TollgateLayer
              tollgates={list}
              selected={current?.unitCode ?? null}
              onSelect={(c) => pick(c, false)}
              flySeq={flySeq}
            />
          </BaseMap>
        </div>
      </Card>
      <div className="flex min-h-0 flex-col gap-3">
        <Card
          fixed
          testId="tollgate-detail"
          title={current ? `${current.unitName} · ${t("tollgateSeries")}` : t("tollgateSeries")}
          right={
            current ? (
              <span className="text-xs text-slate-400">
                #{rankOf(current.unitCode)} · {current.routeName ?? ""}
              </span>
            ) : null
          }
        >
          {current ? (
            <>
              <div className="mb-1 flex items-baseline gap-2">
                <span
                  className="text-3xl font-extrabold tabular-nums text-white"
                  data-testid="tollgate-selected-volume"
                >
                  {(current.latestTrafficAmount ?? 0).toLocaleString()}
                </span>
                <span className="text-slate-400">
                  {t("vehicles")} / 15min · {formatKstTime(current.latestSlotAt)}
                </span>
              </div>
              <SeriesChart
                points={series}
                label={`${current.unitName} · ${t("tollgateSeries")}`}
                color={volumeColor((current.latestTrafficAmount ?? 0) / max)}
                unit={t("vehicles")}
                testId="tollgate-series"
              />
              {toLatLng(current.lat, current.lon) === null ? (
                <p className="text-xs text-amber-300">{t("unmapped")}</p>
              ) : null}
            </>
          ) : (
            <p className="text-sm text-slate-400">{tollgates === null ? t("loading") : t("selectTollgate")}</p>
          )}
        </Card>
        <Card
          title={t("tollgateRanking")}
          className="min-h-[300px] flex-1"
          right={<span className="text-xs text-slate-400">{ranked.length}</span>}
        >
          <input
            type="search"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            placeholder={t("search2")}
            className="mb-2 rounded-md border border-slate-700 bg-slate-800 px-2 py-1.5 text-sm"
            data-testid="tollgate-search"
          />
          <ol className="min-h-0 flex-1 space-y-0.5 overflow-y-auto pr-1" data-testid="tollgate-ranking">
            {shown.map((tg) => {
              const v = tg.latestTrafficAmount ?? 0;
              const isSel = tg.unitCode === current?.unitCode;
              return (
                <li key={tg.unitCode}>
                  <button
                    type="button"
                    data-testid="tollgate-row"
                    data-unit-code={tg.unitCode}
                    aria-pressed={isSel ? "true" : "false"}
                    onClick={() => pick(tg.unitCode, true)}
                    className={`flex w-full items-center gap-2 rounded px-2 py-1 text-left text-sm ${isSel ? "bg-slate-700 ring-1 ring-sky-400" : "hover:bg-slate-800"}`}
                  >
                    <span className="w-7 shrink-0 text-right tabular-nums text-slate-500">{rankOf(tg.unitCode)}</span>
                    <span className="w-28 shrink-0 truncate font-semibold">{tg.unitName}</span>
                    <span className="h-2 flex-1 rounded bg-slate-800">
                      <span
                        className="block h-2 rounded"
                        style={{ width: `${(v / max) * 100}%`, backgroundColor: volumeColor(v / max) }}
                      />
                    </span>
                    <span className="w-14 shrink-0 text-right tabular-nums">{v.toLocaleString()}</span>
                  </button>
                </li>
              );
            })}
          </ol>
        </Card>
      </div>
    </div>
  );
});

function VolumeLegend({ max }: { max: number }) {
  const { t } = useI18n();
  const steps = [0.1, 0.3, 0.5, 0.7, 0.9];
  return (
    <div className="flex items-center gap-2 text-xs text-slate-300">
      <span>{t("volumeLegend")}</span>
      {steps.map((s) => (
        <span key={s} className="inline-flex items-center gap-1">
          <span className="h-2.5 w-2.5 rounded-full" style={{ backgroundColor: volumeColor(s) }} />
          {Math.round(((s - 0.1) * max) / 1).toLocaleString()}+
        </span>
      ))}
    </div>
  );
}
