// One direction of a route as a line, like 로드플러스's 도로 소통: the ICs and JCs in the order a
// driver meets them, each section between two drawn in its grade's colour, width and dash (the
// map's own strokes, so the grade reads without colour), its speed over it, and the active
// incidents pinned where they are. The line scrolls sideways inside its box; an overview above it
// shows the whole direction. Hover, focus or tap a section or IC for its speed and travel time;
// arrow keys move along the line (one tab stop); Enter or a tap shows it on the map.
import { type KeyboardEvent, type RefObject, useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { RoadStrip, StripIncident } from "../../api/routes";
import { fill, useI18n } from "../../i18n";
import { GRADE_COLORS, GRADE_STROKES, typeColor } from "../../lib/colors";
import { contrast } from "../../lib/contrast";
import { formatNumber } from "../../lib/format";
import {
  formatDrive,
  itemKey,
  layoutStrip,
  moveItem,
  nodeName,
  STRIP_SCALE,
  type StripItem,
  stripItems,
} from "../../lib/strip";
import { formatKstDateTime, formatKstHm } from "../../lib/time";
import { GradeSwatch } from "../map/GradeSwatch";
import type { StripPick } from "./pick";

const PIN_ROW = 24;
const SEG_H = 38;
/** the line's y inside a section's button: its speed above, the line below */
const LINE_IN_SEG = 27;
const LABEL_H = 20;
const LABEL_W = STRIP_SCALE.minSegment * 2 - 8;
const GRADE_KEYS = { 0: "grade0", 1: "grade1", 2: "grade2", 3: "grade3" } as const;

function pinText(color: string): string {
  return contrast(color, "#000000") >= contrast(color, "#ffffff") ? "#000000" : "#ffffff";
}

export function RouteStrip({
  strip,
  pick,
  onPick,
}: {
  strip: RoadStrip;
  pick: StripPick | null;
  onPick: (pick: StripPick) => void;
}) {
  const { t, v, lang } = useI18n();
  const layout = useMemo(() => layoutStrip(strip), [strip]);
  const items = useMemo(() => stripItems(layout), [layout]);
  const scroller = useRef<HTMLDivElement>(null);
  const buttons = useRef(new Map<string, HTMLButtonElement>());
  const [cursor, setCursor] = useState<StripItem | null>(null);
  const [hover, setHover] = useState<StripItem | null>(null);
  const [focused, setFocused] = useState(false);
  const [pinOpen, setPinOpen] = useState<number | null>(null);

  const name = useCallback((i: number) => nodeName(strip.nodes[i], lang, v.place), [strip, lang, v]);
  const here = pick && pick.routeNo === strip.routeNo && pick.direction === strip.direction ? pick : null;
  // the map's pick names a section (or a node), which is an item once the strip is in
  const selected = useMemo<StripItem | null>(() => {
    if (!here) return null;
    if (here.node !== null) return { kind: "node", index: here.node.index };
    const i = strip.segments.findIndex((s) => s.conzoneId === here.conzoneId);
    return i >= 0 ? { kind: "segment", index: i } : null;
  }, [here, strip]);
  const shown = hover ?? (focused ? cursor : null) ?? selected;
  const pin = pinOpen === null ? null : (strip.incidents.find((i) => i.id === pinOpen) ?? null);

  const choose = useCallback(
    (item: StripItem) => {
      setCursor(item);
      setPinOpen(null);
      if (item.kind === "segment") {
        onPick({
          routeNo: strip.routeNo,
          direction: strip.direction as "E" | "S",
          conzoneId: strip.segments[item.index].conzoneId,
          node: null,
          from: "strip",
        });
      } else {
        const n = strip.nodes[item.index];
        onPick({
          routeNo: strip.routeNo,
          direction: strip.direction as "E" | "S",
          conzoneId: null,
          node: { index: item.index, lat: n.lat, lon: n.lon },
          from: "strip",
        });
      }
    },
    [onPick, strip],
  );

  // A pick from the map: the strip scrolls to it (inside its box; the page stays where it is).
  useEffect(() => {
    if (!selected || here?.from !== "map") return;
    setCursor(selected);
    const el = scroller.current;
    const x =
      selected.kind === "segment"
        ? (layout.segments.find((s) => s.index === selected.index)?.x ?? 0)
        : (layout.nodes[selected.index]?.x ?? 0);
    const left = Math.max(0, x - (el?.clientWidth ?? 0) / 3);
    if (el && typeof el.scrollTo === "function") el.scrollTo({ left, behavior: "smooth" });
    else if (el) el.scrollLeft = left;
  }, [selected, here, layout]);

  const onKey = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key === "Enter" || e.key === " ") {
      const on = items.find((i) => itemKey(i) === (e.target as HTMLElement).dataset.item);
      if (on) {
        e.preventDefault();
        choose(on);
      }
      return;
    }
    // from the item that has the focus (an incident pin is not on the line's path)
    const on = items.find((i) => itemKey(i) === (e.target as HTMLElement).dataset.item) ?? cursor ?? selected;
    const next = moveItem(items, on, e.key);
    if (!next) return;
    e.preventDefault();
    setCursor(next);
    buttons.current.get(itemKey(next))?.focus();
  };
  // one tab stop: the item the cursor is on (else the selection, else the first)
  const tabStop = itemKey(cursor ?? selected ?? items[0] ?? { kind: "node", index: 0 });
  const pinsH = Math.max(1, layout.lanes) * PIN_ROW;
  const segTop = pinsH + 4;
  const lineY = segTop + LINE_IN_SEG;
  const labelTop = segTop + SEG_H + 2;
  const height = labelTop + LABEL_H * 2 + 4;
  const heading = lang === "ko" ? strip.heading : strip.headingEn;
  const route = lang === "ko" ? strip.routeName : strip.routeNameEn || v.route(strip.routeName, strip.routeNo);

  const segmentText = (i: number) => {
    const s = strip.segments[i];
    return [
      `${name(s.fromNode)} → ${name(s.toNode)}`,
      `${formatNumber(s.lengthKm, 1)} km`,
      t(GRADE_KEYS[layout.segments.find((p) => p.index === i)?.grade ?? 0]),
      s.speed === null ? t("noReading") : `${formatNumber(s.speed)} km/h`,
      s.travelTimeS === null ? null : fill(t("stripDrive"), { time: formatDrive(s.travelTimeS, lang) }),
    ]
      .filter(Boolean)
      .join(" · ");
  };
  const nodeText = (i: number) => {
    const n = strip.nodes[i];
    return `${name(i)}${n.kind ? ` (${n.kind})` : ""} · ${formatNumber(n.km, 1)} km`;
  };
  const incidentText = (i: StripIncident) =>
    [
      v.type(i.typeName),
      i.km === null ? t("stripUnplaced") : `${formatNumber(i.km, 1)} km`,
      formatKstHm(i.occurredAt),
      i.thisDirection ? null : t("stripEitherWay"),
    ]
      .filter(Boolean)
      .join(" · ");

  return (
    <div className="min-w-0" data-testid="strip" data-route-no={strip.routeNo} data-direction={strip.direction}>
      <Overview layout={layout} scroller={scroller} />
      <div
        ref={scroller}
        className="relative mt-1 overflow-x-auto overflow-y-hidden overscroll-x-contain rounded-lg bg-slate-950/60"
        data-testid="strip-scroller"
      >
        {/* a toolbar of buttons: one tab stop, the arrow keys move along the line */}
        <div
          role="toolbar"
          aria-label={fill(t("stripLabel"), { route, heading })}
          aria-orientation="horizontal"
          className="relative"
          style={{ width: layout.width, height }}
          onKeyDown={onKey}
          onFocus={() => setFocused(true)}
          onBlur={(e) => {
            if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setFocused(false);
          }}
          onMouseLeave={() => setHover(null)}
        >
          <svg width={layout.width} height={height} className="absolute inset-0" aria-hidden="true">
            {layout.nodes
              .slice(1)
              .map((n) =>
                layout.segments.some((s) => s.segment.toNode === n.index) ? null : (
                  <line
                    key={`gap${n.index}`}
                    x1={layout.nodes[n.index - 1].x}
                    x2={n.x}
                    y1={lineY}
                    y2={lineY}
                    stroke="#475569"
                    strokeWidth={1.5}
                    strokeDasharray="2 4"
                  />
                ),
              )}
            {layout.segments.map((s) => {
              const stroke = GRADE_STROKES[s.grade];
              const on = selected?.kind === "segment" && selected.index === s.index;
              return (
                <g key={s.index}>
                  {on ? (
                    <rect
                      x={s.x + 1}
                      y={segTop + 1}
                      width={s.width - 2}
                      height={SEG_H - 2}
                      rx={6}
                      fill="#0c4a6e"
                      stroke="#38bdf8"
                    />
                  ) : null}
                  <line
                    x1={s.x + 3}
                    x2={s.x + s.width - 3}
                    y1={lineY}
                    y2={lineY}
                    stroke={GRADE_COLORS[s.grade]}
                    strokeWidth={stroke.weight * 1.5}
                    strokeDasharray={stroke.dashArray}
                    strokeLinecap={stroke.lineCap}
                  />
                  <text
                    x={s.x + s.width / 2}
                    y={segTop + 13}
                    textAnchor="middle"
                    fontSize="12"
                    fontWeight="600"
                    fill="#e2e8f0"
                  >
                    {s.segment.speed === null ? "—" : formatNumber(s.segment.speed)}
                  </text>
                </g>
              );
            })}
            {layout.nodes.map((n) => {
              const on = selected?.kind === "node" && selected.index === n.index;
              const fillColor = on ? "#38bdf8" : "#e2e8f0";
              return n.node.kind === "JC" ? (
                <rect
                  key={n.index}
                  x={n.x - 4.5}
                  y={lineY - 4.5}
                  width={9}
                  height={9}
                  transform={`rotate(45 ${n.x} ${lineY})`}
                  fill={fillColor}
                  stroke="#0f172a"
                  strokeWidth={1.5}
                />
              ) : (
                <circle key={n.index} cx={n.x} cy={lineY} r={4.5} fill={fillColor} stroke="#0f172a" strokeWidth={1.5} />
              );
            })}
            {layout.pins.map((p) => (
              <line
                key={p.incident.id}
                x1={p.x}
                x2={p.x}
                y1={pinsH - p.lane * PIN_ROW - 2}
                y2={lineY - 5}
                stroke={typeColor(p.incident.typeName)}
                strokeWidth={1.5}
              />
            ))}
          </svg>
          {layout.segments.map((s) => {
            const key = itemKey({ kind: "segment", index: s.index });
            const on = selected?.kind === "segment" && selected.index === s.index;
            const text = segmentText(s.index);
            return (
              <button
                key={key}
                ref={(el) => {
                  if (el) buttons.current.set(key, el);
                  else buttons.current.delete(key);
                }}
                type="button"
                tabIndex={tabStop === key ? 0 : -1}
                aria-label={text}
                aria-pressed={on ? "true" : "false"}
                title={text}
                data-testid="strip-segment"
                data-item={key}
                data-conzone-id={s.segment.conzoneId}
                data-grade={s.grade}
                className="absolute rounded-md outline-none hover:ring-1 hover:ring-slate-400 focus-visible:ring-2 focus-visible:ring-sky-300"
                style={{ left: s.x, top: segTop, width: s.width, height: SEG_H }}
                onClick={() => choose({ kind: "segment", index: s.index })}
                onMouseEnter={() => setHover({ kind: "segment", index: s.index })}
                onFocus={() => setCursor({ kind: "segment", index: s.index })}
              />
            );
          })}
          {layout.nodes.map((n) => {
            const key = itemKey({ kind: "node", index: n.index });
            const on = selected?.kind === "node" && selected.index === n.index;
            return (
              <button
                key={key}
                ref={(el) => {
                  if (el) buttons.current.set(key, el);
                  else buttons.current.delete(key);
                }}
                type="button"
                tabIndex={tabStop === key ? 0 : -1}
                aria-label={nodeText(n.index)}
                aria-pressed={on ? "true" : "false"}
                title={nodeText(n.index)}
                data-testid="strip-node"
                data-item={key}
                data-kind={n.node.kind ?? ""}
                className={`absolute truncate rounded px-1 text-center text-[11px] leading-5 outline-none hover:bg-slate-700/60 focus-visible:ring-2 focus-visible:ring-sky-300 ${on ? "bg-sky-900 font-bold text-white" : "text-slate-200"}`}
                style={{ left: n.x - LABEL_W / 2, top: labelTop + n.row * LABEL_H, width: LABEL_W, height: LABEL_H }}
                onClick={() => choose({ kind: "node", index: n.index })}
                onMouseEnter={() => setHover({ kind: "node", index: n.index })}
                onFocus={() => setCursor({ kind: "node", index: n.index })}
              >
                <span data-vocab="place">{name(n.index)}</span>
              </button>
            );
          })}
          {layout.pins.map((p) => {
            const color = typeColor(p.incident.typeName);
            const text = incidentText(p.incident);
            return (
              <button
                key={p.incident.id}
                type="button"
                aria-label={text}
                aria-expanded={pinOpen === p.incident.id ? "true" : "false"}
                title={text}
                data-testid="strip-incident"
                className="absolute flex items-center justify-center rounded-full border border-slate-950 text-[11px] font-bold outline-none focus-visible:ring-2 focus-visible:ring-sky-300"
                style={{
                  left: p.x - 10,
                  top: pinsH - (p.lane + 1) * PIN_ROW + 2,
                  width: 20,
                  height: 20,
                  backgroundColor: color,
                  color: pinText(color),
                  opacity: p.incident.thisDirection ? 1 : 0.7,
                }}
                onClick={() => {
                  setPinOpen(pinOpen === p.incident.id ? null : p.incident.id);
                  if (p.incident.conzoneId)
                    onPick({
                      routeNo: strip.routeNo,
                      direction: strip.direction as "E" | "S",
                      conzoneId: p.incident.conzoneId,
                      node: null,
                      from: "strip",
                    });
                }}
              >
                {v.type(p.incident.typeName).slice(0, 1)}
              </button>
            );
          })}
        </div>
      </div>
      <div
        className="mt-2 min-h-[3.25rem] rounded-lg border border-slate-800 bg-slate-950/60 px-3 py-2 text-sm"
        data-testid="strip-details"
        aria-live="polite"
      >
        {pin && !hover ? (
          <IncidentDetails incident={pin} label={incidentText(pin)} />
        ) : shown?.kind === "segment" ? (
          <SegmentDetails strip={strip} index={shown.index} name={name} />
        ) : shown?.kind === "node" ? (
          <p>
            <strong className="text-white" data-vocab="place">
              {name(shown.index)}
            </strong>
            <span className="text-slate-300">
              {strip.nodes[shown.index].kind ? ` (${strip.nodes[shown.index].kind})` : ""} ·{" "}
              {formatNumber(strip.nodes[shown.index].km, 1)} km
            </span>
          </p>
        ) : (
          <p className="text-slate-300">{t("stripHint")}</p>
        )}
      </div>
      {layout.unplaced.length > 0 ? (
        <ul className="mt-2 space-y-1 text-xs text-slate-300" data-testid="strip-unplaced">
          {layout.unplaced.map((i) => (
            <li key={i.id} className="flex min-w-0 gap-2">
              <span className="shrink-0 font-semibold" style={{ color: typeColor(i.typeName) }}>
                {v.type(i.typeName)}
              </span>
              <span className="shrink-0">{t("stripUnplaced")}</span>
              <span className="min-w-0 truncate">{i.smsText}</span>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

function SegmentDetails({ strip, index, name }: { strip: RoadStrip; index: number; name: (i: number) => string }) {
  const { t, lang } = useI18n();
  const s = strip.segments[index];
  const grade = (s.grade === 1 || s.grade === 2 || s.grade === 3 ? s.grade : 0) as 0 | 1 | 2 | 3;
  return (
    <div className="flex min-w-0 flex-wrap items-center gap-x-3 gap-y-1" data-testid="strip-segment-details">
      <strong className="min-w-0 text-white">
        <span data-vocab="place">{name(s.fromNode)}</span> → <span data-vocab="place">{name(s.toNode)}</span>
      </strong>
      <span className="text-slate-300">{formatNumber(s.lengthKm, 1)} km</span>
      <span className="inline-flex items-center gap-1.5" data-grade={grade}>
        <GradeSwatch grade={grade} />
        <strong>{t(GRADE_KEYS[grade])}</strong>
      </span>
      <span data-testid="strip-speed">
        {t("speed")} <strong className="tabular-nums">{s.speed === null ? "—" : formatNumber(s.speed)}</strong> km/h
      </span>
      <span data-testid="strip-travel">
        {t("stripTravel")}{" "}
        <strong className="tabular-nums">{s.travelTimeS === null ? "—" : formatDrive(s.travelTimeS, lang)}</strong>
      </span>
      <span className="text-xs text-slate-300">
        {s.collectedAt ? `${t("stripReadAt")} ${formatKstHm(s.collectedAt)} KST` : t("noReading")}
      </span>
    </div>
  );
}

function IncidentDetails({ incident, label }: { incident: StripIncident; label: string }) {
  const { t, v } = useI18n();
  return (
    <div className="min-w-0" data-testid="strip-incident-details">
      <p className="flex min-w-0 flex-wrap gap-x-2">
        <strong style={{ color: typeColor(incident.typeName) }} data-vocab="type">
          {v.type(incident.typeName)}
        </strong>
        <span className="text-slate-300">{label}</span>
        <span className="text-slate-300" data-vocab="direction">
          {v.direction(incident.direction)}
        </span>
      </p>
      <p className="mt-0.5 break-words text-slate-100">{incident.smsText}</p>
      <p className="mt-0.5 text-xs text-slate-300">
        {t("occurred")} {formatKstDateTime(incident.occurredAt)}
        {incident.lateLengthKm ? ` · ${t("queue")} ${formatNumber(incident.lateLengthKm, 1)} km` : ""}
      </p>
    </div>
  );
}

/** The whole direction at a glance, in its grades, with the part the line shows now framed; a
 * click there scrolls the line (the line itself is what the keyboard and assistive technology use). */
function Overview({
  layout,
  scroller,
}: {
  layout: ReturnType<typeof layoutStrip>;
  scroller: RefObject<HTMLDivElement>;
}) {
  const W = layout.width || 1;
  // the part of the line in view, as fractions of its width: followed here, so that scrolling
  // redraws this frame alone and not the line
  const [view, setView] = useState<[number, number]>([0, 1]);
  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const track = () => setView([el.scrollLeft / W, Math.min(1, (el.scrollLeft + el.clientWidth) / W)]);
    track();
    el.addEventListener("scroll", track, { passive: true });
    const ro = typeof ResizeObserver === "undefined" ? null : new ResizeObserver(track);
    ro?.observe(el);
    return () => {
      el.removeEventListener("scroll", track);
      ro?.disconnect();
    };
  }, [scroller, W]);
  const onJump = (f: number) => {
    const el = scroller.current;
    if (el && typeof el.scrollTo === "function") el.scrollTo({ left: f * W });
  };
  return (
    <svg
      viewBox={`0 0 ${W} 14`}
      preserveAspectRatio="none"
      width="100%"
      height={14}
      className="block cursor-pointer"
      aria-hidden="true"
      data-testid="strip-overview"
      onClick={(e) => {
        const r = e.currentTarget.getBoundingClientRect();
        const f = (e.clientX - r.left) / Math.max(1, r.width);
        onJump(Math.max(0, f - (view[1] - view[0]) / 2));
      }}
    >
      <rect x={0} y={3} width={W} height={8} fill="#1e293b" />
      {layout.segments.map((s) => (
        <rect key={s.index} x={s.x} y={3} width={s.width} height={8} fill={GRADE_COLORS[s.grade]} />
      ))}
      <rect
        x={view[0] * W}
        y={0.75}
        width={Math.max(2, (view[1] - view[0]) * W)}
        height={12.5}
        fill="none"
        stroke="#f8fafc"
        strokeWidth={1.5}
        vectorEffect="non-scaling-stroke"
      />
    </svg>
  );
}
