// The road tab's route logic: the strip's layout and sums, the map pick's section, travel time's
// choices and comparison with earlier days, and the 24 h history's series.
import { describe, expect, it } from "vitest";
import type {
  RoadHistory,
  RoadHistoryBucket,
  RoadStrip,
  StripIncident,
  StripSegment,
  TravelPairItem,
} from "../src/api/routes";
import { roadHistoryUrl, stripUrl, travelTimeUrl } from "../src/api/routes";
import { historySummary, incidentPoints, speedPoints } from "../src/lib/routeHistory";
import {
  formatDrive,
  kmByGrade,
  layoutStrip,
  moveItem,
  nearestSection,
  nodeName,
  STRIP_SCALE,
  sectionByEnds,
  stripItems,
  stripTravelTime,
} from "../src/lib/strip";
import {
  carTypeLabel,
  choosePair,
  compareWithUsual,
  endChoices,
  formatMinutes,
  itemFor,
  matchChoices,
  startChoices,
  usualMinutes,
} from "../src/lib/travel";

function seg(over: Partial<StripSegment> & Pick<StripSegment, "fromNode" | "kmFrom" | "lengthKm">): StripSegment {
  return {
    conzoneId: `CZ${over.fromNode}`,
    conzoneName: `N${over.fromNode}-N${over.fromNode + 1}`,
    toNode: over.fromNode + 1,
    kmTo: over.kmFrom + over.lengthKm,
    grade: 1,
    speed: 100,
    travelTimeS: Math.round((over.lengthKm * 3600) / 100),
    collectedAt: "2026-12-05T08:00:00+09:00",
    ...over,
  };
}

function incident(id: number, km: number | null, over: Partial<StripIncident> = {}): StripIncident {
  return {
    id,
    typeCode: "01",
    typeName: "사고",
    smsText: "사고",
    direction: "서울방향",
    thisDirection: true,
    occurredAt: "2026-12-05T07:00:00+09:00",
    lanesBlocked: "YNNNNN",
    lateLengthKm: null,
    km,
    conzoneId: km === null ? null : "CZ0",
    pinnedBy: km === null ? null : "coordinates",
    ...over,
  };
}

/** Four nodes: a 2 km section (narrower than the minimum), a 20 km one, then a gap of 3 km. */
function strip(incidents: StripIncident[] = []): RoadStrip {
  const node = (name: string, km: number, nameEn: string | null = `${name} IC`) => ({
    name,
    nameEn,
    kind: "IC",
    km,
    lat: 37,
    lon: 127,
  });
  return {
    routeNo: "0010",
    routeName: "경부선",
    routeNameEn: "Gyeongbu Expressway",
    direction: "E",
    heading: "서울방향",
    headingEn: "toward Seoul",
    lengthKm: 25,
    collectedAt: "2026-12-05T08:00:00+09:00",
    nodes: [node("가", 0), node("나", 2), node("다", 22, null), node("라", 25)],
    segments: [
      seg({ fromNode: 0, kmFrom: 0, lengthKm: 2, grade: 3, speed: 20, travelTimeS: 360 }),
      seg({ fromNode: 1, kmFrom: 2, lengthKm: 20, grade: 2, speed: 100, travelTimeS: 720 }),
    ],
    incidents,
  };
}

describe("the strip's layout", () => {
  it("puts nodes in order, sections at least the minimum wide, and a gap where none joins", () => {
    const l = layoutStrip(strip());
    const { pad, minSegment, pxPerKm, gap } = STRIP_SCALE;
    expect(l.nodes.map((n) => n.x)).toEqual([
      pad,
      pad + minSegment,
      pad + minSegment + 20 * pxPerKm,
      pad + minSegment + 20 * pxPerKm + Math.max(gap, 3 * pxPerKm),
    ]);
    expect(l.segments.map((s) => [s.index, s.x, s.width, s.grade])).toEqual([
      [0, pad, minSegment, 3],
      [1, pad + minSegment, 20 * pxPerKm, 2],
    ]);
    expect(l.width).toBe(l.nodes[3].x + pad);
    // names alternate rows, so each has two sections' width
    expect(l.nodes.map((n) => n.row)).toEqual([0, 1, 0, 1]);
  });

  it("pins an incident by km inside its section, stacks close pins and lists the unplaced", () => {
    const l = layoutStrip(strip([incident(1, 7), incident(2, 7.1), incident(3, null), incident(4, 1)]));
    const s1 = l.segments[1];
    expect(l.xAt(7)).toBeCloseTo(s1.x + 0.25 * s1.width);
    expect(l.xAt(1)).toBeCloseTo(l.segments[0].x + 0.5 * l.segments[0].width);
    const lanes = Object.fromEntries(l.pins.map((p) => [p.incident.id, p.lane]));
    expect(lanes).toEqual({ 4: 0, 1: 0, 2: 1 });
    expect(l.lanes).toBe(2);
    expect(l.unplaced.map((i) => i.id)).toEqual([3]);
  });

  it("walks node, section, node … with the arrow keys, held at the ends", () => {
    const l = layoutStrip(strip());
    const items = stripItems(l);
    expect(items.map((i) => `${i.kind}${i.index}`)).toEqual([
      "node0",
      "segment0",
      "node1",
      "segment1",
      "node2",
      "node3",
    ]);
    expect(moveItem(items, null, "ArrowRight")).toEqual(items[0]);
    expect(moveItem(items, items[1], "ArrowRight")).toEqual(items[2]);
    expect(moveItem(items, items[0], "ArrowLeft")).toEqual(items[0]);
    expect(moveItem(items, items[2], "End")).toEqual(items[5]);
    expect(moveItem(items, items[5], "ArrowRight")).toEqual(items[5]);
    expect(moveItem(items, items[3], "Home")).toEqual(items[0]);
    expect(moveItem(items, items[3], "a")).toBeNull();
  });

  it("sums km by grade, worst first, and the time to drive", () => {
    const s = strip();
    s.segments.push(seg({ fromNode: 2, kmFrom: 22, lengthKm: 3, grade: 0, speed: null, travelTimeS: null }));
    expect(kmByGrade(s.segments)).toEqual([
      { grade: 3, km: 2, sections: 1 },
      { grade: 2, km: 20, sections: 1 },
      { grade: 0, km: 3, sections: 1 },
    ]);
    expect(stripTravelTime(s.segments)).toEqual({ seconds: 1080, missing: 1 });
  });

  it("says a drive's length in either language", () => {
    expect(formatDrive(45, "ko")).toBe("45초");
    expect(formatDrive(380, "ko")).toBe("6분 20초");
    expect(formatDrive(360, "en")).toBe("6 min");
    expect(formatDrive(1080, "ko")).toBe("18분");
    expect(formatDrive(3900, "ko")).toBe("1시간 5분");
    expect(formatDrive(3900, "en")).toBe("1 h 5 min");
    expect(formatDrive(7200, "en")).toBe("2 h");
  });

  it("names a node in English from the network, else as the fallback says", () => {
    const [a, , c] = strip().nodes;
    expect(nodeName(a, "ko", () => "x")).toBe("가");
    expect(nodeName(a, "en", () => "x")).toBe("가 IC");
    expect(nodeName(c, "en", (n) => `romanized ${n}`)).toBe("romanized 다");
  });
});

describe("a pick on the map", () => {
  const sections = [
    {
      conzoneId: "A",
      routeNo: "0010",
      direction: "E",
      points: [
        [37.0, 127.0],
        [37.0, 127.1],
      ] as [number, number][],
    },
    {
      conzoneId: "B",
      routeNo: "0010",
      direction: "S",
      points: [
        [37.02, 127.1],
        [37.02, 127.0],
      ] as [number, number][],
    },
  ];

  it("is the section whose line it opened on", () => {
    expect(sectionByEnds(sections, [37.02, 127.1], [37.02, 127.0])?.conzoneId).toBe("B");
    expect(sectionByEnds(sections, [37.0, 127.1], [37.0, 127.0])).toBeNull();
  });

  it("else the nearest line within reach, and nothing beyond", () => {
    expect(nearestSection([37.001, 127.05], sections)?.conzoneId).toBe("A");
    expect(nearestSection([37.018, 127.05], sections)?.conzoneId).toBe("B");
    // 0.01° of latitude is about 1.1 km: out of a 0.5 km reach
    expect(nearestSection([37.01, 127.05], sections)).toBeNull();
    expect(nearestSection([37.01, 127.05], sections, 2)?.conzoneId).toBe("A");
  });
});

describe("travel time", () => {
  const pair = (from: string, fromName: string, to: string, toName: string): TravelPairItem => ({
    startUnitCode: from,
    startUnitName: fromName,
    endUnitCode: to,
    endUnitName: toName,
    carTypes: ["1", "4"],
    latestAt: "2026-12-05T08:30:00+09:00",
  });
  const pairs = [
    pair("105", "기흥", "101", "서울"),
    pair("101", "서울", "105", "기흥"),
    pair("101", "서울", "103", "수원신갈"),
    pair("103", "수원신갈", "101", "서울"),
  ];
  const same = (name: string) => name;

  it("offers each start once by name, and the ends of a start", () => {
    expect(startChoices(pairs, same).map((c) => c.code)).toEqual(["105", "101", "103"]);
    expect(endChoices(pairs, "101", same).map((c) => c.name)).toEqual(["기흥", "수원신갈"]);
    expect(matchChoices(startChoices(pairs, same), "수원", same).map((c) => c.code)).toEqual(["103"]);
    expect(matchChoices(startChoices(pairs, same), "105", same).map((c) => c.code)).toEqual(["105"]);
    expect(
      matchChoices(
        startChoices(pairs, () => "Seoul"),
        "seoul",
        () => "Seoul",
      ),
    ).toHaveLength(3);
  });

  it("shows the pair asked for, else the start's first end, else 서울's, else the first", () => {
    expect(choosePair(pairs, "101", "103", same)).toEqual({ from: "101", to: "103" });
    expect(choosePair(pairs, "103", "105", same)).toEqual({ from: "103", to: "101" });
    expect(choosePair(pairs, "", "", same)).toEqual({ from: "101", to: "105" });
    expect(choosePair(pairs.slice(3), "", "", same)).toEqual({ from: "103", to: "101" });
    expect(choosePair([], "", "", same)).toBeNull();
  });

  it("compares now with the same hour of the earlier days that have it", () => {
    const usual = usualMinutes([
      { date: "2026-12-02", minutes: 9, slots: 12 },
      { date: "2026-12-03", minutes: 11, slots: 6 },
      { date: "2026-12-04", minutes: 99, slots: 0 },
    ]);
    expect(usual).toEqual({ minutes: 10, days: 2 });
    expect(usualMinutes([])).toBeNull();
    expect(compareWithUsual(15.4, 10)).toEqual({ verdict: "slower", minutes: 5 });
    expect(compareWithUsual(7.6, 10)).toEqual({ verdict: "faster", minutes: 2 });
    expect(compareWithUsual(10.8, 10)).toEqual({ verdict: "usual", minutes: 0 });
    // a tenth of a long trip is noise: 8 minutes on 100 is about usual
    expect(compareWithUsual(108, 100).verdict).toBe("usual");
    expect(compareWithUsual(112, 100)).toEqual({ verdict: "slower", minutes: 12 });
  });

  it("picks the vehicle class asked for, else cars, and names it in either language", () => {
    const base = {
      startUnitCode: "101",
      startUnitName: "서울",
      endUnitCode: "103",
      endUnitName: "수원신갈",
      basis: "2",
      basisName: "도착기준통행시간",
      slotAt: "2026-12-05T08:30:00+09:00",
      timeAvg: 9,
      timeMin: 7,
      timeMax: 11,
      vehicles: 20,
      sameHourEarlier: [],
    };
    const car = { ...base, carType: "1", carTypeName: "1종", carClassName: "소형차" };
    const truck = { ...base, carType: "4", carTypeName: "4종", carClassName: "대형차" };
    expect(itemFor([truck, car], "4")).toBe(truck);
    expect(itemFor([truck, car], "9")).toBe(car);
    expect(itemFor([truck], "9")).toBe(truck);
    expect(itemFor([], "1")).toBeNull();
    expect(carTypeLabel(car, "ko")).toBe("1종 (소형차)");
    expect(carTypeLabel(truck, "en")).toBe("Class 4 (large vehicle)");
    expect(carTypeLabel({ ...car, carClassName: "" }, "en")).toBe("Class 1");
    expect(formatMinutes(9.07, "ko")).toBe("9분");
    expect(formatMinutes(65, "en")).toBe("1 h 5 min");
  });

  it("always asks for one pair", () => {
    expect(travelTimeUrl("101", "103")).toBe("/api/travel-time?from=101&to=103");
    expect(stripUrl("0010")).toBe("/api/road/strip?route=0010");
    expect(roadHistoryUrl("0010", "S", 30)).toBe("/api/road/history?route=0010&direction=S&bucket=30");
    expect(roadHistoryUrl("0010", null, 60)).toBe("/api/road/history?route=0010&bucket=60");
  });
});

describe("a route's 24 hours", () => {
  const bucket = (
    start: string,
    avgSpeed: number | null,
    readings: number,
    incidents = 0,
    slow = 0,
  ): RoadHistoryBucket => ({
    start,
    avgSpeed,
    readings,
    smoothReadings: readings - slow,
    slowReadings: slow,
    congestedReadings: 0,
    incidents,
    incidentsByType: incidents ? { 사고: incidents } : {},
  });
  const h: RoadHistory = {
    routeNo: "0010",
    routeName: "경부선",
    direction: "E",
    heading: "서울방향",
    headingEn: "toward Seoul",
    bucketMinutes: 60,
    start: "2026-12-05T06:00:00+09:00",
    end: "2026-12-05T09:00:00+09:00",
    buckets: [
      bucket("2026-12-05T06:00:00+09:00", null, 0),
      bucket("2026-12-05T07:00:00+09:00", 60.4, 10, 2, 5),
      bucket("2026-12-05T08:00:00+09:00", 100, 30, 1),
    ],
  };

  it("draws empty buckets as gaps for speed and zeros for incidents", () => {
    expect(speedPoints(h).map((p) => p.value)).toEqual([null, 60, 100]);
    expect(incidentPoints(h).map((p) => p.value)).toEqual([0, 2, 1]);
  });

  it("sums the day: mean speed by readings, the slowest bucket, incidents by type", () => {
    const s = historySummary(h);
    expect(s.avgSpeed).toBeCloseTo((60.4 * 10 + 100 * 30) / 40);
    expect(s.slowest).toEqual({ at: "2026-12-05T07:00:00+09:00", speed: 60.4 });
    expect(s.incidents).toBe(3);
    expect(s.byType).toEqual([["사고", 3]]);
    expect(s.readBuckets).toBe(2);
    expect(s.slowShare).toBeCloseTo(5 / 40);
  });
});
