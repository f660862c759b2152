// Incident text, always as React text nodes (never HTML): messages come from upstream.
import type { Incident } from "../api/types";
import { typeColor } from "../lib/colors";
import { blockedLanes, incidentState, incidentTime, progressLabel, queueKm } from "../lib/incidents";
import { formatKstDateTime } from "../lib/time";
import { useI18n } from "../i18n";
import { Ago } from "./Ago";

export function TypeBadge({ type }: { type: string }) {
  const c = typeColor(type);
  return (
    <span
      className="inline-flex shrink-0 items-center rounded px-1.5 py-0.5 text-xs font-bold"
      style={{ backgroundColor: `${c}33`, color: c, border: `1px solid ${c}` }}
    >
      {type || "—"}
    </span>
  );
}

/** 진행 중 / 해제: cleared when the latest poll left it out or saw a closing progress. */
export function StateBadge({ incident, onlyCleared = false }: { incident: Incident; onlyCleared?: boolean }) {
  const { t } = useI18n();
  const state = incidentState(incident);
  if (onlyCleared && state === "active") return null;
  return (
    <span
      data-testid="incident-state"
      data-state={state}
      className={`inline-flex shrink-0 items-center rounded px-1.5 py-0.5 text-[11px] font-bold ${
        state === "cleared"
          ? "border border-dashed border-slate-500 text-slate-400"
          : "border border-emerald-500/60 bg-emerald-500/15 text-emerald-300"
      }`}
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
  const open = light ? "bg-slate-300" : "bg-slate-600";
  return (
    <span className="inline-flex items-center gap-1" data-testid="incident-lanes" title={label}>
      <span className="inline-flex gap-px" aria-hidden="true">
        {[1, 2, 3, 4, 5, 6].map((n) => (
          <span key={n} className={`h-2.5 w-1.5 rounded-sm ${blocked.includes(n) ? "bg-red-500" : open}`} />
        ))}
        {shoulder ? <span className="ml-px h-2.5 w-1 rounded-sm bg-amber-400" /> : null}
      </span>
      <span className={light ? "text-red-700" : "text-red-400"}>{names.join("·")}</span>
    </span>
  );
}

export function QueueLength({ incident, light = false }: { incident: Incident; light?: boolean }) {
  const { t } = useI18n();
  const km = queueKm(incident);
  if (km === null) return null;
  return (
    <span data-testid="incident-queue" className={`tabular-nums ${light ? "text-amber-700" : "text-amber-400"}`}>
      {t("queue")} {km.toLocaleString(undefined, { maximumFractionDigits: 1 })} km
    </span>
  );
}

export function IncidentDetails({ incident }: { incident: Incident }) {
  const { t } = useI18n();
  const when = incidentTime(incident);
  const progress = progressLabel(incident.processCode, incident.processName);
  const blocked = blockedLanes(incident.lanesBlocked).length > 0 || incident.shoulderBlocked;
  return (
    <div className="incident-details min-w-[220px] max-w-[320px] text-slate-900" data-testid="incident-details">
      <div className="mb-1 flex items-center gap-2">
        <TypeBadge type={incident.accType} />
        <strong className="text-sm">{incident.accPointNM}</strong>
        <span className="ml-auto">
          <StateBadge incident={incident} />
        </span>
      </div>
      <div className="text-xs text-slate-600">
        {incident.roadNM}
        {incident.direction ? ` · ${incident.direction}` : ""}
      </div>
      <p className="my-1 text-sm" data-testid="incident-message">
        {incident.smsText}
      </p>
      <div className="text-xs text-slate-600">
        {t("occurred")}: {formatKstDateTime(when)} (<Ago at={when} />)
      </div>
      {progress ? (
        <div className="text-xs text-slate-600" data-testid="incident-progress">
          {t("status")}: {progress}
        </div>
      ) : null}
      {incident.clearedAt ? (
        <div className="text-xs text-slate-600" data-testid="incident-cleared-at">
          {t("clearedAt")}: {formatKstDateTime(incident.clearedAt)} (<Ago at={incident.clearedAt} />)
        </div>
      ) : null}
      {blocked ? (
        <div className="text-xs text-slate-600">
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
