// Incident text, always as React text nodes (never HTML): messages come from upstream.
import type { Incident } from "../api/types";
import { typeColor } from "../lib/colors";
import { DARK_SURFACE, LIGHT_SURFACE, mix, readable } from "../lib/contrast";
import { blockedLanes, incidentState, incidentTime, queueKm } from "../lib/incidents";
import { formatKstDateTime } from "../lib/time";
import { useI18n } from "../i18n";
import { Ago } from "./Ago";
import { formatNumber } from "../lib/format";

/** The type in its colour: a 20 % tint behind, the text that colour made readable (4.5:1) on it. */
export function TypeBadge({ type, light = false }: { type: string; light?: boolean }) {
  const { v } = useI18n();
  const c = typeColor(type);
  const back = mix(light ? LIGHT_SURFACE : DARK_SURFACE, c, 0.2);
  return (
    <span
      className="inline-flex shrink-0 items-center rounded px-1.5 py-0.5 text-xs font-bold"
      style={{ backgroundColor: back, color: readable(c, back), border: `1px solid ${c}` }}
      data-testid="type-badge"
      data-vocab="type"
    >
      {v.type(type) || "—"}
    </span>
  );
}

/** 진행 중 / 해제: cleared when the latest poll left it out or saw a closing progress. */
export function StateBadge({
  incident,
  onlyCleared = false,
  light = false,
}: {
  incident: Incident;
  onlyCleared?: boolean;
  light?: boolean;
}) {
  const { t } = useI18n();
  const state = incidentState(incident);
  if (onlyCleared && state === "active") return null;
  const look =
    state === "cleared"
      ? light
        ? "border-dashed border-slate-500 text-slate-700"
        : "border-dashed border-slate-400 text-slate-300"
      : light
        ? "border-emerald-600 bg-emerald-50 text-emerald-800"
        : "border-emerald-500/60 bg-emerald-500/15 text-emerald-300";
  return (
    <span
      data-testid="incident-state"
      data-state={state}
      data-vocab="state"
      className={`inline-flex shrink-0 items-center rounded border px-1.5 py-0.5 text-[11px] font-bold ${look}`}
    >
      {state === "cleared" ? t("stateCleared") : t("stateActive")}
    </span>
  );
}

/** Lanes 1..6 (and the shoulder) as KEC flags them, blocked ones red, with their numbers. */
export function LaneStrip({ flags, shoulder, light = false }: { flags: string; shoulder: boolean; light?: boolean }) {
  const { t, lang } = useI18n();
  const blocked = blockedLanes(flags);
  if (blocked.length === 0 && !shoulder) return null;
  const names = blocked.map((n) => (lang === "ko" ? `${n}${t("laneUnit")}` : `${t("laneUnit")} ${n}`));
  if (shoulder) names.push(t("shoulder"));
  const label = `${t("lanes")}: ${names.join(", ")}`;
  const open = light ? "bg-slate-300" : "bg-slate-500";
  return (
    <span className="inline-flex items-center gap-1" data-testid="incident-lanes" data-vocab="lanes" title={label}>
      <span className="inline-flex gap-px" aria-hidden="true">
        {[1, 2, 3, 4, 5, 6].map((n) => (
          <span key={n} className={`h-2.5 w-1.5 rounded-sm ${blocked.includes(n) ? "bg-red-500" : open}`} />
        ))}
        {shoulder ? <span className="ml-px h-2.5 w-1 rounded-sm bg-amber-400" /> : null}
      </span>
      <span className={light ? "text-red-800" : "text-red-400"}>{names.join("·")}</span>
    </span>
  );
}

export function QueueLength({ incident, light = false }: { incident: Incident; light?: boolean }) {
  const { t } = useI18n();
  const km = queueKm(incident);
  if (km === null) return null;
  return (
    <span
      data-testid="incident-queue"
      data-vocab="queue"
      className={`tabular-nums ${light ? "text-amber-800" : "text-amber-400"}`}
    >
      {t("queue")} {formatNumber(km, Number.isInteger(km) ? 0 : 1)} km
    </span>
  );
}

export function IncidentDetails({ incident }: { incident: Incident }) {
  const { t, v } = useI18n();
  const when = incidentTime(incident);
  const progress = v.process(incident.processCode, incident.processName);
  const blocked = blockedLanes(incident.lanesBlocked).length > 0 || incident.shoulderBlocked;
  return (
    <div className="incident-details min-w-[220px] max-w-[320px] text-slate-900" data-testid="incident-details">
      <div className="mb-1 flex items-center gap-2">
        <TypeBadge type={incident.accType} light />
        <strong className="text-sm" data-vocab="place">
          {v.place(incident.accPointNM)}
        </strong>
        <span className="ml-auto">
          <StateBadge incident={incident} light />
        </span>
      </div>
      <div className="text-xs text-slate-700">
        <span data-vocab="route">{v.route(incident.roadNM, incident.nosunNM)}</span>
        {incident.direction ? (
          <>
            {" · "}
            <span data-vocab="direction">{v.direction(incident.direction)}</span>
          </>
        ) : null}
      </div>
      <p className="my-1 text-sm" data-testid="incident-message">
        {incident.smsText}
      </p>
      <div className="text-xs text-slate-700">
        {t("occurred")}: {formatKstDateTime(when)} (<Ago at={when} />)
      </div>
      {progress ? (
        <div className="text-xs text-slate-700" data-testid="incident-progress" data-vocab="process">
          {t("status")}: {progress}
        </div>
      ) : null}
      {incident.clearedAt ? (
        <div className="text-xs text-slate-700" data-testid="incident-cleared-at">
          {t("clearedAt")}: {formatKstDateTime(incident.clearedAt)} (<Ago at={incident.clearedAt} />)
        </div>
      ) : null}
      {blocked ? (
        <div className="text-xs text-slate-700">
          {t("lanes")}: <LaneStrip flags={incident.lanesBlocked} shoulder={incident.shoulderBlocked} light />
        </div>
      ) : null}
      {queueKm(incident) !== null ? (
        <div className="text-xs">
          <QueueLength incident={incident} light />
        </div>
      ) : null}
    </div>
  );
}
