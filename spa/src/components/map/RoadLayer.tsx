import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { Polyline, Popup, useMap } from "react-leaflet";
import type { Polyline as LPolyline } from "leaflet";
import { GRADE_COLORS, GRADE_STROKES } from "../../lib/colors";
import { carriagewayOffset, memoLine } from "../../lib/geo";
import type { JoinedSection } from "../../lib/road";
import { formatKstTime } from "../../lib/time";
import { fill, useI18n, type DictKey } from "../../i18n";
import { GradeSwatch } from "./GradeSwatch";
import { MapItems, type MapItem } from "./MapItems";
import { nameMarker } from "./names";

const GRADE_KEY: Record<number, DictKey> = { 0: "grade0", 1: "grade1", 2: "grade2", 3: "grade3" };

/** A reading rounded to a whole number, "—" when the detector gave none. */
function whole(v: number | null): string {
  return v === null ? "—" : v.toFixed(0);
}

const keyOf = (s: JoinedSection) => `${s.conzoneId}|${s.direction}`;

export function RoadLayer({ sections }: { sections: readonly JoinedSection[] }) {
  const { t, v } = useI18n();
  const map = useMap();
  const paths = useRef(new Map<string, LPolyline>());
  const [selected, setSelected] = useState<string | null>(null);
  const lines = useMemo(
    () =>
      sections
        .map((s) => ({
          s,
          pts: memoLine(s.coordinates, carriagewayOffset(s.direction)),
        }))
        .filter((x) => x.pts.length >= 2)
        // draw worse grades last (on top)
        .sort((a, b) => (a.s.grade === 0 ? -1 : a.s.grade) - (b.s.grade === 0 ? -1 : b.s.grade)),
    [sections],
  );
  // The road's own heading (서울방향 / toward Seoul) where the network knows the route's ends.
  const dirLabel = useCallback(
    (s: JoinedSection) =>
      v.heading(s.routeNo, s.direction) ??
      (s.direction === "E" ? t("dirE") : s.direction === "S" ? t("dirS") : s.direction),
    [t, v],
  );
  const label = useCallback(
    (s: JoinedSection) =>
      [
        `${v.route(s.routeName, s.routeNo)} ${v.place(s.conzoneName)}`,
        dirLabel(s),
        t(GRADE_KEY[s.grade]),
        s.status?.speed != null ? fill(t("sectionSpeed"), { speed: whole(s.status.speed) }) : null,
      ]
        .filter(Boolean)
        .join(" · "),
    [t, v, dirLabel],
  );

  useEffect(() => {
    for (const { s } of lines) nameMarker(paths.current.get(keyOf(s)), label(s));
  }, [lines, label]);

  const show = useCallback(
    (key: string, pts: [number, number][]) => {
      const line = paths.current.get(key);
      if (!line) return;
      setSelected(key);
      map.flyToBounds(line.getBounds(), { maxZoom: 11, duration: 0.8, padding: [24, 24] });
      line.openPopup(pts[Math.floor(pts.length / 2)]);
    },
    [map],
  );

  const items = useMemo<MapItem[]>(
    () =>
      lines
        .slice()
        .sort(
          (a, b) =>
            a.s.routeNo.localeCompare(b.s.routeNo) ||
            a.s.conzoneId.localeCompare(b.s.conzoneId) ||
            a.s.direction.localeCompare(b.s.direction),
        )
        .map(({ s, pts }) => ({
          key: keyOf(s),
          label: label(s),
          selected: keyOf(s) === selected,
          cue: <GradeSwatch grade={s.grade} width={22} />,
          onPick: () => show(keyOf(s), pts),
        })),
    [lines, label, selected, show],
  );

  return (
    <>
      {lines.map(({ s, pts }) => {
        const stroke = GRADE_STROKES[s.grade];
        return (
          <Polyline
            key={keyOf(s)}
            positions={pts}
            className="road-section"
            ref={(p) => {
              if (p) paths.current.set(keyOf(s), p);
              else paths.current.delete(keyOf(s));
            }}
            pathOptions={{
              color: GRADE_COLORS[s.grade],
              weight: stroke.weight,
              dashArray: stroke.dashArray,
              lineCap: stroke.lineCap,
              opacity: s.grade === 0 ? 0.8 : 0.95,
            }}
            eventHandlers={{ click: () => setSelected(keyOf(s)) }}
          >
            <Popup maxWidth={300}>
              <div className="text-slate-900" data-testid="section-details">
                <strong>{v.place(s.conzoneName)}</strong>
                <div className="text-xs">
                  {v.route(s.routeName, s.routeNo)} · {dirLabel(s)}
                </div>
                <div className="mt-1 flex items-center gap-1.5 text-sm" data-grade={s.grade}>
                  {/* the line on a dark chip, as on the map: yellow would vanish on the white popup */}
                  <span className="inline-flex rounded bg-slate-800 px-1 py-0.5">
                    <GradeSwatch grade={s.grade} />
                  </span>
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
        );
      })}
      <MapItems items={items} kind="sections" />
    </>
  );
}
