// A route's last 24 hours (/api/road/history), of the direction the strip shows: its average
// speed and the incidents that started, per bucket on the KST clock, every bucket drawn.
import { useState } from "react";
import { type HistoryBucket, type RoadHistory, roadHistoryUrl, type StripDirection, useJson } from "../../api/routes";
import { fill, useI18n } from "../../i18n";
import { typeColor } from "../../lib/colors";
import { formatNumber } from "../../lib/format";
import { historySummary, incidentPoints, speedPoints } from "../../lib/routeHistory";
import { formatKstHm } from "../../lib/time";
import { Card } from "../Card";
import { SeriesChart } from "../charts/SeriesChart";
import { FIELD_CLASS } from "../FilterSelect";

const BUCKETS: HistoryBucket[] = [60, 30, 15];

export function RouteHistoryCard({
  route,
  routeLabel,
  direction,
  heading,
  refresh,
  className,
}: {
  route: string;
  routeLabel: string;
  direction: StripDirection | null;
  /** the direction as the road signs it, in the UI's language */
  heading: string | null;
  refresh?: unknown;
  className?: string;
}) {
  const { t, v, lang } = useI18n();
  const [bucket, setBucket] = useState<HistoryBucket>(60);
  const answer = useJson<RoadHistory>(route ? roadHistoryUrl(route, direction, bucket) : null, refresh);
  const h = answer.data;
  const sum = h ? historySummary(h) : null;
  const what = [routeLabel, heading].filter(Boolean).join(" · ");
  return (
    <Card
      title={t("historyTitle")}
      testId="route-history"
      className={className}
      right={
        <label className="flex items-center gap-1.5 text-xs text-slate-300">
          {t("historyBucket")}
          <select
            className={`${FIELD_CLASS} w-auto`}
            value={bucket}
            onChange={(e) => setBucket(Number(e.target.value) as HistoryBucket)}
            data-testid="history-bucket"
          >
            {BUCKETS.map((b) => (
              <option key={b} value={b}>
                {lang === "ko" ? `${b}분` : `${b} min`}
              </option>
            ))}
          </select>
        </label>
      }
    >
      <p className="mb-1 truncate text-xs text-slate-300" data-vocab="route">
        {what}
      </p>
      {!h || !sum ? (
        <p className="text-sm text-slate-300">{answer.error !== null ? t("fetchError") : t("loading")}</p>
      ) : (
        <div data-testid="route-history-charts" data-buckets={h.buckets.length} data-incidents={sum.incidents}>
          <p className="text-sm text-slate-200" data-testid="history-summary">
            {sum.avgSpeed === null ? t("historyEmpty") : fill(t("historyAvg"), { speed: formatNumber(sum.avgSpeed) })}
            {sum.slowest
              ? ` · ${fill(t("historySlowest"), { speed: formatNumber(sum.slowest.speed), at: formatKstHm(sum.slowest.at) })}`
              : ""}
            {sum.slowShare !== null
              ? ` · ${fill(t("historySlowShare"), { pct: formatNumber(sum.slowShare * 100) })}`
              : ""}
          </p>
          <h3 className="mt-2 text-xs font-semibold text-slate-300">{t("historySpeed")}</h3>
          <SeriesChart
            points={speedPoints(h)}
            label={`${what} · ${t("historySpeed")}`}
            color="#14b8a6"
            unit="km/h"
            height={130}
            testId="history-speed"
          />
          <h3 className="mt-2 text-xs font-semibold text-slate-300">
            {t("historyIncidents")} · {fill(t("historyIncidentTotal"), { n: sum.incidents })}
          </h3>
          <SeriesChart
            points={incidentPoints(h)}
            label={`${what} · ${t("historyIncidents")}`}
            color="#94a3b8"
            unit={t("count")}
            height={110}
            testId="history-incidents"
          />
          {sum.byType.length > 0 ? (
            <ul className="mt-1 flex flex-wrap gap-x-3 text-xs text-slate-200">
              {sum.byType.map(([type, n]) => (
                <li key={type} className="inline-flex items-center gap-1">
                  <span
                    className="h-2 w-2 rounded-full"
                    style={{ backgroundColor: typeColor(type) }}
                    aria-hidden="true"
                  />
                  <span data-vocab="type">{v.type(type)}</span> <strong className="tabular-nums">{n}</strong>
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      )}
    </Card>
  );
}
