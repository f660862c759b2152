// Travel time between two tollgates (KEC's 영업소간 통행시간): pick a start (searchable) and an
// end among the pairs KEC measures, and see the newest 5-minute slot's average, shortest and
// longest times, and how it compares with the same hour on earlier days when those exist.
import { useMemo, useState } from "react";
import { TRAVEL_PAIRS_URL, type TravelPairItem, type TravelTimeItem, travelTimeUrl, useJson } from "../../api/routes";
import { useNow } from "../../hooks/useNow";
import { fill, useI18n } from "../../i18n";
import { formatNumber } from "../../lib/format";
import { formatKstDate, formatKstHm } from "../../lib/time";
import {
  carTypeLabel,
  choosePair,
  compareWithUsual,
  endChoices,
  findPair,
  formatMinutes,
  itemFor,
  matchChoices,
  startChoices,
  usualMinutes,
} from "../../lib/travel";
import { Ago } from "../Ago";
import { Card } from "../Card";
import { BarList } from "../charts/BarList";
import { FIELD_CLASS } from "../FilterSelect";

/** The pairs change slowly (a pair comes or goes with KEC's measuring): asked for every 5 min. */
const PAIRS_EVERY_MS = 5 * 60_000;
const VERDICT_COLOR = { slower: "#fca5a5", faster: "#5eead4", usual: "#e2e8f0" } as const;

export function TravelTimeCard({ refresh, className }: { refresh?: unknown; className?: string }) {
  const { t, v, lang } = useI18n();
  const tick = Math.floor(useNow(PAIRS_EVERY_MS) / PAIRS_EVERY_MS);
  const pairs = useJson<TravelPairItem[]>(TRAVEL_PAIRS_URL, tick);
  const [want, setWant] = useState({ from: "", to: "" });
  const [carType, setCarType] = useState("1");
  const [query, setQuery] = useState("");
  const label = v.tollgate;
  const list = pairs.data ?? [];
  const chosen = useMemo(() => choosePair(list, want.from, want.to, label), [list, want, label]);
  const starts = useMemo(() => startChoices(list, label), [list, label]);
  const shownStarts = useMemo(() => {
    const m = matchChoices(starts, query, label);
    // the start chosen stays listed (and chosen) whatever the search
    const cur = starts.find((s) => s.code === chosen?.from);
    return cur && !m.includes(cur) ? [cur, ...m] : m;
  }, [starts, query, label, chosen]);
  const ends = useMemo(() => (chosen ? endChoices(list, chosen.from, label) : []), [list, chosen, label]);
  const reverse = chosen ? findPair(list, chosen.to, chosen.from) : null;
  const answer = useJson<TravelTimeItem[]>(chosen ? travelTimeUrl(chosen.from, chosen.to) : null, refresh);
  const items = answer.data ?? [];
  const item = itemFor(items, carType);

  return (
    <Card
      title={t("travelTitle")}
      testId="travel-time"
      className={className}
      right={
        item ? (
          <span className="text-xs text-slate-300" data-testid="travel-slot">
            {formatKstHm(item.slotAt)} KST · <Ago at={item.slotAt} />
          </span>
        ) : null
      }
    >
      {pairs.data === null ? (
        <p className="text-sm text-slate-300">{pairs.error !== null ? t("fetchError") : t("loading")}</p>
      ) : list.length === 0 || !chosen ? (
        <p className="text-sm text-slate-300">{t("travelNoPairs")}</p>
      ) : (
        <>
          <div className="grid grid-cols-2 gap-2 @2xl:grid-cols-[minmax(0,1fr)_minmax(0,1fr)_minmax(0,1fr)_auto]">
            <label className="col-span-2 flex min-w-0 flex-col gap-0.5 text-xs text-slate-300 @2xl:col-span-4">
              {t("travelSearch")}
              <input
                type="search"
                value={query}
                onChange={(e) => {
                  const q = e.target.value;
                  setQuery(q);
                  // the first start that fits is chosen, so the result follows the search
                  const first = matchChoices(starts, q, label)[0];
                  if (q.trim() && first && first.code !== chosen.from) setWant({ from: first.code, to: "" });
                }}
                placeholder={t("travelSearchHint")}
                className={FIELD_CLASS}
                data-testid="travel-search"
              />
            </label>
            <label className="flex min-w-0 flex-col gap-0.5 text-xs text-slate-300">
              {t("travelFrom")}
              <select
                className={FIELD_CLASS}
                value={chosen.from}
                onChange={(e) => setWant({ from: e.target.value, to: "" })}
                data-testid="travel-from"
              >
                {shownStarts.map((c) => (
                  <option key={c.code} value={c.code}>
                    {label(c.name)}
                  </option>
                ))}
              </select>
            </label>
            <label className="flex min-w-0 flex-col gap-0.5 text-xs text-slate-300">
              {t("travelTo")}
              <select
                className={FIELD_CLASS}
                value={chosen.to}
                onChange={(e) => setWant({ from: chosen.from, to: e.target.value })}
                data-testid="travel-to"
              >
                {ends.map((c) => (
                  <option key={c.code} value={c.code}>
                    {label(c.name)}
                  </option>
                ))}
              </select>
            </label>
            <label className="flex min-w-0 flex-col gap-0.5 text-xs text-slate-300">
              {t("travelCar")}
              <select
                className={FIELD_CLASS}
                value={item?.carType ?? carType}
                onChange={(e) => setCarType(e.target.value)}
                data-testid="travel-car"
                disabled={items.length < 2}
              >
                {(items.length ? items : []).map((i) => (
                  <option key={i.carType} value={i.carType}>
                    {carTypeLabel(i, lang)}
                  </option>
                ))}
                {items.length === 0 ? <option value={carType}>—</option> : null}
              </select>
            </label>
            <div className="flex items-end">
              <button
                type="button"
                className="min-h-10 w-full rounded-md border border-slate-600 bg-slate-800 px-3 text-sm text-slate-100 hover:bg-slate-700 disabled:opacity-50"
                disabled={!reverse}
                onClick={() => reverse && setWant({ from: reverse.startUnitCode, to: reverse.endUnitCode })}
                data-testid="travel-swap"
                title={t("travelSwap")}
              >
                ⇄ <span className="@2xl:sr-only">{t("travelSwap")}</span>
              </button>
            </div>
          </div>
          <TravelResult item={item} loading={answer.loading} failed={answer.error !== null} />
        </>
      )}
    </Card>
  );
}

function TravelResult({ item, loading, failed }: { item: TravelTimeItem | null; loading: boolean; failed: boolean }) {
  const { t, v, lang } = useI18n();
  if (!item)
    return (
      <p className="mt-3 text-sm text-slate-300">
        {loading ? t("loading") : failed ? t("fetchError") : t("travelNone")}
      </p>
    );
  const usual = usualMinutes(item.sameHourEarlier);
  const cmp = usual ? compareWithUsual(item.timeAvg, usual.minutes) : null;
  const verdict =
    cmp === null
      ? null
      : cmp.verdict === "usual"
        ? t("travelUsual")
        : fill(t(cmp.verdict === "slower" ? "travelSlower" : "travelFaster"), {
            time: formatMinutes(cmp.minutes, lang),
          });
  const hour = formatKstHm(item.slotAt).slice(0, 2);
  return (
    <div
      className="mt-3 min-w-0"
      data-testid="travel-result"
      data-minutes={item.timeAvg.toFixed(2)}
      aria-live="polite"
      aria-busy={loading ? "true" : "false"}
    >
      <p className="text-xs text-slate-300">
        <span data-vocab="tollgate">{v.tollgate(item.startUnitName)}</span> →{" "}
        <span data-vocab="tollgate">{v.tollgate(item.endUnitName)}</span> · {carTypeLabel(item, lang)}
      </p>
      <div className="flex flex-wrap items-baseline gap-x-3">
        <span className="text-4xl font-extrabold tabular-nums text-white" data-testid="travel-minutes">
          {formatMinutes(item.timeAvg, lang)}
        </span>
        {item.timeMin !== null || item.timeMax !== null ? (
          <span className="text-sm text-slate-300" data-testid="travel-range">
            {fill(t("travelRange"), {
              min: item.timeMin === null ? "—" : formatMinutes(item.timeMin, lang),
              max: item.timeMax === null ? "—" : formatMinutes(item.timeMax, lang),
            })}
          </span>
        ) : null}
      </div>
      {verdict && cmp && usual ? (
        <>
          <p
            className="mt-1 text-lg font-bold"
            style={{ color: VERDICT_COLOR[cmp.verdict] }}
            data-testid="travel-compare"
            data-verdict={cmp.verdict}
          >
            {cmp.verdict === "slower" ? "▲ " : cmp.verdict === "faster" ? "▼ " : "＝ "}
            {verdict}
          </p>
          <p className="text-xs text-slate-300">
            {fill(t("travelUsualBasis"), { days: usual.days, hour, time: formatMinutes(usual.minutes, lang) })}
          </p>
          <div className="mt-2">
            <BarList
              testId="travel-days"
              unit={lang === "ko" ? "분" : "min"}
              items={[
                ...item.sameHourEarlier.map((d) => ({
                  key: d.date,
                  label: d.date.slice(5),
                  value: Math.round(d.minutes),
                  color: "#64748b",
                })),
                {
                  key: "now",
                  label: `${formatKstDate(item.slotAt).slice(5)} · ${t("travelNow")}`,
                  value: Math.round(item.timeAvg),
                  color: "#38bdf8",
                },
              ]}
            />
          </div>
        </>
      ) : (
        <p className="mt-1 text-xs text-slate-300" data-testid="travel-compare" data-verdict="none">
          {t("travelNoHistory")}
        </p>
      )}
      <p className="mt-2 text-xs text-slate-300">
        {fill(t("travelSlot"), { time: formatKstHm(item.slotAt) })}
        {item.vehicles !== null ? ` · ${fill(t("travelVehicles"), { n: formatNumber(item.vehicles) })}` : ""}
      </p>
    </div>
  );
}
