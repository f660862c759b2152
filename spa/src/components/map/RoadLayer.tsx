import { useMemo } from "react";
import { Polyline, Popup } from "react-leaflet";
import { GRADE_COLORS } from "../../lib/colors";
import { memoLine } from "../../lib/geo";
import type { JoinedSection } from "../../lib/road";
import { formatKstTime } from "../../lib/time";
import { useI18n, type DictKey } from "../../i18n";

const GRADE_KEY: Record<number, DictKey> = { 0: "grade0", 1: "grade1", 2: "grade2", 3: "grade3" };
/** sideways offset so both carriageways (E, S share a geometry) show */
const OFFSET_M = 900;

/** A reading rounded to a whole number, "—" when the detector gave none. */
function whole(v: number | null): string {
  return v === null ? "—" : v.toFixed(0);
}

export function RoadLayer({ sections }: { sections: readonly JoinedSection[] }) {
  const { t } = useI18n();
  const lines = useMemo(
    () =>
      sections
        .map((s) => ({
          s,
          pts: memoLine(s.coordinates, s.direction === "S" ? OFFSET_M : s.direction === "E" ? OFFSET_M : 0),
        }))
        .filter((x) => x.pts.length >= 2)
        // draw worse grades last (on top)
        .sort((a, b) => (a.s.grade === 0 ? -1 : a.s.grade) - (b.s.grade === 0 ? -1 : b.s.grade)),
    [sections],
  );
  return (
    <>
      {lines.map(({ s, pts }) => (
        <Polyline
          key={`${s.conzoneId}|${s.direction}`}
          positions={pts}
          className="road-section"
          pathOptions={{
            color: GRADE_COLORS[s.grade],
            weight: s.grade >= 2 ? 5 : 4,
            opacity: s.grade === 0 ? 0.6 : 0.95,
            lineCap: "round",
          }}
        >
          <Popup maxWidth={300}>
            <div className="text-slate-900" data-testid="section-details">
              <strong>{s.conzoneName}</strong>
              <div className="text-xs">
                {s.routeName} · {s.direction === "E" ? t("dirE") : s.direction === "S" ? t("dirS") : s.direction}
              </div>
              <div className="mt-1 text-sm" style={{ color: GRADE_COLORS[s.grade] }}>
                <strong>{t(GRADE_KEY[s.grade])}</strong>
              </div>
              {s.status ? (
                <div className="text-xs">
                  {t("speed")} {whole(s.status.speed)} km/h · {t("volume")} {whole(s.status.trafficAmount)} ·{" "}
                  {formatKstTime(s.status.collectedAt)}
                </div>
              ) : (
                <div className="text-xs">{t("noReading")}</div>
              )}
            </div>
          </Popup>
        </Polyline>
      ))}
    </>
  );
}
