// The route strip as a reader uses it: every section and IC in order, the grade in colour and
// dash, speed and travel time on hover, focus and tap, the arrow keys along the line, a tap
// telling the map, a map pick selecting its section, English names in English.
import { fireEvent, render, screen, within } from "@testing-library/react";
import type { ReactNode } from "react";
import { describe, expect, it, vi } from "vitest";
import type { RoadStrip } from "../src/api/routes";
import { RouteStrip } from "../src/components/strip/RouteStrip";
import type { StripPick } from "../src/components/strip/pick";
import { DICTS, I18nContext, type Lang } from "../src/i18n";
import { GRADE_COLORS, GRADE_STROKES } from "../src/lib/colors";

function inLang(lang: Lang, ui: ReactNode) {
  return <I18nContext.Provider value={{ lang, t: (k) => DICTS[lang][k] }}>{ui}</I18nContext.Provider>;
}

const STRIP: RoadStrip = {
  routeNo: "0010",
  routeName: "경부선",
  routeNameEn: "Gyeongbu Expressway",
  direction: "S",
  heading: "부산방향",
  headingEn: "toward Busan",
  lengthKm: 30,
  collectedAt: "2026-12-05T08:00:00+09:00",
  nodes: [
    { name: "한남IC", nameEn: "Hannam IC", kind: "IC", km: 0, lat: 37.53, lon: 127.01 },
    { name: "양재IC", nameEn: "Yangjae IC", kind: "IC", km: 8, lat: 37.47, lon: 127.04 },
    { name: "판교JC", nameEn: "Pangyo JC", kind: "JC", km: 18, lat: 37.4, lon: 127.1 },
    { name: "서울TG", nameEn: "Seoul TG", kind: "TG", km: 30, lat: 37.36, lon: 127.1 },
  ],
  segments: [
    {
      conzoneId: "0010CZS010",
      conzoneName: "한남IC-양재IC",
      fromNode: 0,
      toNode: 1,
      kmFrom: 0,
      kmTo: 8,
      lengthKm: 8,
      grade: 1,
      speed: 96,
      travelTimeS: 300,
      collectedAt: "2026-12-05T08:00:00+09:00",
    },
    {
      conzoneId: "0010CZS020",
      conzoneName: "양재IC-판교JC",
      fromNode: 1,
      toNode: 2,
      kmFrom: 8,
      kmTo: 18,
      lengthKm: 10,
      grade: 2,
      speed: 45,
      travelTimeS: 800,
      collectedAt: "2026-12-05T08:00:00+09:00",
    },
    {
      conzoneId: "0010CZS030",
      conzoneName: "판교JC-서울TG",
      fromNode: 2,
      toNode: 3,
      kmFrom: 18,
      kmTo: 30,
      lengthKm: 12,
      grade: 3,
      speed: 12,
      travelTimeS: 3600,
      collectedAt: "2026-12-05T08:00:00+09:00",
    },
  ],
  incidents: [
    {
      id: 7,
      typeCode: "01",
      typeName: "사고",
      smsText: "[사고] 경부선 부산방향 1차로 사고",
      direction: "부산방향",
      thisDirection: true,
      occurredAt: "2026-12-05T07:40:00+09:00",
      lanesBlocked: "YNNNNN",
      lateLengthKm: 1.5,
      km: 20,
      conzoneId: "0010CZS030",
      pinnedBy: "coordinates",
    },
  ],
};

function draw(lang: Lang = "ko", pick: StripPick | null = null, onPick = vi.fn()) {
  const view = render(inLang(lang, <RouteStrip strip={STRIP} pick={pick} onPick={onPick} />));
  return { ...view, onPick };
}

describe("the route strip", () => {
  it("draws each section in its grade's colour and dash, the ICs in order, the incident pinned", () => {
    const { container } = draw();
    const segments = screen.getAllByTestId("strip-segment");
    expect(segments.map((s) => s.dataset.grade)).toEqual(["1", "2", "3"]);
    expect(screen.getAllByTestId("strip-node").map((n) => n.textContent)).toEqual([
      "한남IC",
      "양재IC",
      "판교JC",
      "서울TG",
    ]);
    const lines = [...container.querySelectorAll("svg line")].filter((l) =>
      Object.values(GRADE_COLORS).includes(l.getAttribute("stroke") ?? ""),
    );
    expect(lines.map((l) => [l.getAttribute("stroke"), l.getAttribute("stroke-dasharray")])).toEqual(
      ([1, 2, 3] as const).map((g) => [GRADE_COLORS[g], GRADE_STROKES[g].dashArray ?? null]),
    );
    const pin = screen.getByTestId("strip-incident");
    expect(pin.getAttribute("aria-label")).toContain("사고");
    expect(pin.getAttribute("aria-label")).toContain("20.0 km");
  });

  it("shows speed and travel time on hover, on focus and on a tap, and the tap tells the map", () => {
    const { onPick } = draw();
    const details = screen.getByTestId("strip-details");
    const [, slow, jam] = screen.getAllByTestId("strip-segment");
    fireEvent.mouseEnter(slow);
    expect(within(details).getByTestId("strip-speed").textContent).toContain("45");
    expect(within(details).getByTestId("strip-travel").textContent).toContain("13분");
    expect(details.textContent).toContain("서행");
    fireEvent.mouseLeave(slow.parentElement as HTMLElement);
    fireEvent.focus(jam);
    expect(details.textContent).toContain("정체");
    expect(details.textContent).toContain("1시간");
    fireEvent.click(jam);
    expect(onPick).toHaveBeenCalledWith({
      routeNo: "0010",
      direction: "S",
      conzoneId: "0010CZS030",
      node: null,
      from: "strip",
    });
    // the labels say it all for assistive technology too
    expect(slow.getAttribute("aria-label")).toBe("양재IC → 판교JC · 10.0 km · 서행 · 45 km/h · 통행 13분");
  });

  it("is one tab stop, the arrow keys moving along node, section, node", () => {
    draw();
    const bar = screen.getByRole("toolbar");
    const stops = within(bar)
      .getAllByRole("button")
      .filter((b) => b.tabIndex === 0);
    expect(stops).toHaveLength(2); // the line's one stop, and the incident pin
    const first = screen.getAllByTestId("strip-node")[0];
    expect(first.tabIndex).toBe(0);
    first.focus();
    fireEvent.keyDown(first, { key: "ArrowRight" });
    const seg0 = screen.getAllByTestId("strip-segment")[0];
    expect(document.activeElement).toBe(seg0);
    expect(seg0.tabIndex).toBe(0);
    expect(screen.getByTestId("strip-details").textContent).toContain("96");
    fireEvent.keyDown(seg0, { key: "End" });
    expect(document.activeElement).toBe(screen.getAllByTestId("strip-node")[3]);
  });

  it("selects the section a map pick names, and an IC tap sends its place", () => {
    const pick: StripPick = { routeNo: "0010", direction: "S", conzoneId: "0010CZS020", node: null, from: "map" };
    const { onPick } = draw("ko", pick);
    const segments = screen.getAllByTestId("strip-segment");
    expect(segments.map((s) => s.getAttribute("aria-pressed"))).toEqual(["false", "true", "false"]);
    expect(screen.getByTestId("strip-details").textContent).toContain("양재IC → 판교JC");
    fireEvent.click(screen.getAllByTestId("strip-node")[2]);
    expect(onPick).toHaveBeenCalledWith(
      expect.objectContaining({ conzoneId: null, node: { index: 2, lat: 37.4, lon: 127.1 }, from: "strip" }),
    );
  });

  it("says the places and the incident's type in English", () => {
    draw("en");
    expect(screen.getAllByTestId("strip-node").map((n) => n.textContent)).toEqual([
      "Hannam IC",
      "Yangjae IC",
      "Pangyo JC",
      "Seoul TG",
    ]);
    fireEvent.click(screen.getByTestId("strip-incident"));
    const details = screen.getByTestId("strip-incident-details");
    expect(details.textContent).toContain("Accident");
    expect(details.textContent).toContain("toward Busan");
    fireEvent.mouseEnter(screen.getAllByTestId("strip-segment")[2]);
    expect(screen.getByTestId("strip-details").textContent).toContain("Congested");
    expect(screen.getByTestId("strip-details").textContent).toContain("1 h");
  });
});
