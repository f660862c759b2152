// Incident text, always as React text nodes (never HTML): messages come from upstream.
import type { Incident } from "../api/types";
import { typeColor } from "../lib/colors";
import { incidentTime } from "../lib/incidents";
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

export function IncidentDetails({ incident }: { incident: Incident }) {
  const { t } = useI18n();
  const when = incidentTime(incident);
  return (
    <div className="incident-details min-w-[220px] max-w-[320px] text-slate-900" data-testid="incident-details">
      <div className="mb-1 flex items-center gap-2">
        <TypeBadge type={incident.accType} />
        <strong className="text-sm">{incident.accPointNM}</strong>
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
      {incident.processName ? (
        <div className="text-xs text-slate-600">
          {t("status")}: {incident.processName}
        </div>
      ) : null}
    </div>
  );
}
