import { describe, expect, it } from "vitest";
import {
  GRADE_COLORS,
  gradeColor,
  normaliseGrade,
  OTHER_TYPE_COLOR,
  TYPE_COLORS,
  typeColor,
  volumeColor,
} from "../src/lib/colors";
import { inKorea, lineLatLngs, memoLine, offsetLine, toLatLng } from "../src/lib/geo";
import {
  asCollection,
  isNetworkVersion,
  layerUrl,
  loadNetworkVersion,
  NETWORK_VERSION_KEY,
  saveNetworkVersion,
  shareFeatures,
} from "../src/lib/network";
import { busiestTollgates, computeKpis, countByType, isCleared } from "../src/lib/kpi";
import { gradeCounts, joinSections, routeCards } from "../src/lib/road";
import { formatAgo, formatKstDateTime, formatKstHm, formatKstTime, kstHourKey } from "../src/lib/time";
import {
  blockedLanes,
  bucketByHour,
  distinctValues,
  EMPTY_FILTER,
  filterIncidents,
  incidentLatLng,
  incidentState,
  noticeText,
  progressLabel,
  queueKm,
} from "../src/lib/incidents";
import {
  ALL_RESOURCES,
  connectionState,
  networkChanges,
  RECONNECT_BASE_MS,
  RECONNECT_CAP_MS,
  reconnectDelay,
  deltaUrl,
  eventTime,
  mergeChanged,
  resourcesForEvent,
} from "../src/lib/live";
import { parseServedBy } from "../src/api/client";
import { applyMembers, diffSnapshots, memberHealth, pushEvents, snapshotFromStatus, TIMELINE_MAX } from "../src/lib/ha";
import { langFromLocation, tabFromLocation } from "../src/lib/url";
import { DICTS } from "../src/i18n";
import { haStatus, incident, roadStatus, section, summary, tollgate } from "./fixtures";

describe("colours", () => {
  it("maps flow grades 1/2/3/0 to teal green/yellow/red/grey", () => {
    expect(gradeColor(1)).toBe("#14b8a6");
    expect(gradeColor(2)).toBe("#fde047");
    expect(gradeColor(3)).toBe("#dc2626");
    expect(gradeColor(0)).toBe(GRADE_COLORS[0]);
    expect(gradeColor("2")).toBe(GRADE_COLORS[2]);
    expect(gradeColor(7)).toBe(GRADE_COLORS[0]);
    expect(gradeColor(null)).toBe(GRADE_COLORS[0]);
    expect(normaliseGrade("3")).toBe(3);
  });
  it("maps incident types to their colours, others grey", () => {
    expect(typeColor("사고")).toBe("#ef4444");
    expect(typeColor("고장")).toBe("#f97316");
    expect(typeColor("작업")).toBe("#3b82f6");
    expect(typeColor("정체")).toBe("#f59e0b");
    expect(typeColor("장애물")).toBe("#a855f7");
    expect(typeColor(" 사고 ")).toBe(TYPE_COLORS.사고);
    expect(typeColor("기상")).toBe(OTHER_TYPE_COLOR);
    expect(typeColor(undefined)).toBe(OTHER_TYPE_COLOR);
  });
  it("ramps volume colours from low to high", () => {
    expect(volumeColor(0)).not.toBe(volumeColor(1));
    expect(volumeColor(1)).toBe("#ef4444");
    expect(volumeColor(Number.NaN)).toBe(volumeColor(0));
  });
});

describe("coordinate bounds", () => {
  it("keeps 33–39 N / 124–132 E and drops the rest", () => {
    expect(inKorea(36.5, 127.8)).toBe(true);
    expect(inKorea(33, 124)).toBe(true);
    expect(inKorea(39, 132)).toBe(true);
    expect(inKorea(32.99, 127)).toBe(false);
    expect(inKorea(39.01, 127)).toBe(false);
    expect(inKorea(36, 123.9)).toBe(false);
    expect(inKorea(36, 132.1)).toBe(false);
    expect(inKorea(127.8, 36.5)).toBe(false); // swapped
    expect(inKorea(0, 0)).toBe(false);
    expect(inKorea(null, 127)).toBe(false);
    expect(inKorea(Number.NaN, 127)).toBe(false);
    expect(toLatLng(35, 128)).toEqual([35, 128]);
    expect(toLatLng(35, 200)).toBeNull();
  });
  it("reads incident longitude from `altitude`", () => {
    expect(incidentLatLng(incident({ id: 1 }))).toEqual([35.198079, 126.818454]);
    expect(incidentLatLng(incident({ id: 2, latitude: null, altitude: null }))).toBeNull();
    expect(incidentLatLng(incident({ id: 3, latitude: 0, altitude: 0 }))).toBeNull();
    expect(incidentLatLng(incident({ id: 4, latitude: 45, altitude: 127 }))).toBeNull();
  });
  it("converts GeoJSON lines to lat/lng and drops out-of-box points", () => {
    expect(
      lineLatLngs([
        [127, 36],
        [140, 36],
        [128, 37],
      ]),
    ).toEqual([
      [36, 127],
      [37, 128],
    ]);
  });
  it("offsets a line sideways by about the given distance", () => {
    const pts: [number, number][] = [
      [36, 127],
      [37, 127],
    ]; // northbound
    const off = offsetLine(pts, 1000);
    expect(off[0][1]).toBeGreaterThan(127); // right of northbound = east
    expect(Math.abs(off[0][0] - 36)).toBeLessThan(1e-9);
  });
});

describe("KPIs", () => {
  it("computes every figure from the payloads", () => {
    const k = computeKpis(
      [
        incident({ id: 1 }),
        incident({ id: 2, active: false, clearedAt: "2026-11-27T13:40:00+09:00" }),
        incident({ id: 3, processName: "처리중" }),
      ],
      [
        tollgate({ unitCode: "1" }),
        tollgate({ unitCode: "2", latestTrafficAmount: null }),
        tollgate({ unitCode: "3", latestTrafficAmount: 0 }),
      ],
      [
        summary({ routeNo: "0010", totalSections: 10, smoothSections: 8, avgSpeed: 90 }),
        summary({ routeNo: "0100", totalSections: 30, smoothSections: 30, avgSpeed: 100 }),
      ],
    );
    expect(k.activeIncidents).toBe(2);
    expect(k.tollgatesReporting).toBe(2);
    expect(k.routes).toBe(2);
    expect(k.avgSpeed).toBeCloseTo(97.5); // section-weighted (90*10 + 100*30) / 40
    expect(k.smoothPct).toBeCloseTo(95); // 38/40
    expect(k.totalSections).toBe(40);
  });
  it("gives nulls, not made-up numbers, when there is no data", () => {
    const k = computeKpis(null, [], undefined);
    expect(k).toMatchObject({ activeIncidents: 0, tollgatesReporting: 0, routes: 0, avgSpeed: null, smoothPct: null });
  });
  it("counts by type and ranks tollgates", () => {
    const m = countByType([
      incident({ id: 1, accType: "사고" }),
      incident({ id: 2, accType: "사고" }),
      incident({ id: 3, accType: "" }),
    ]);
    expect(m.get("사고")).toBe(2);
    expect(m.get("기타")).toBe(1);
    const top = busiestTollgates(
      [
        tollgate({ unitCode: "a", latestTrafficAmount: 5 }),
        tollgate({ unitCode: "b", latestTrafficAmount: 50 }),
        tollgate({ unitCode: "c", latestTrafficAmount: null }),
      ],
      10,
    );
    expect(top.map((t) => t.unitCode)).toEqual(["b", "a"]);
  });
});

describe("sections joined with road status", () => {
  const sections = [
    section({ conzoneId: "A", direction: "E" }),
    section({ conzoneId: "A", direction: "S" }),
    section({ conzoneId: "B", direction: "E", routeNo: "0100", routeName: "남해선" }),
  ];
  const status = [
    roadStatus({ conzoneId: "A", updownTypeCode: "E", grade: 3, speed: 20 }),
    roadStatus({ conzoneId: "A", updownTypeCode: "S", grade: 1, speed: 100 }),
  ];
  it("joins on conzoneId and direction; grey (0) without a reading", () => {
    const j = joinSections(sections, status);
    expect(j.map((s) => s.grade)).toEqual([3, 1, 0]);
    expect(j[2].status).toBeNull();
    expect(gradeCounts(j)).toEqual({ 0: 1, 1: 1, 2: 0, 3: 1 });
  });
  it("matches on conzoneId alone only when a side has no direction", () => {
    expect(joinSections([section({ conzoneId: "A", direction: "" })], status)[0].status?.conzoneId).toBe("A");
    expect(
      joinSections(
        [section({ conzoneId: "A", direction: "E" })],
        [roadStatus({ conzoneId: "A", updownTypeCode: "" })],
      )[0].status?.conzoneId,
    ).toBe("A");
    expect(
      joinSections(
        [section({ conzoneId: "B", direction: "S" })],
        [roadStatus({ conzoneId: "B", updownTypeCode: "E" })],
      )[0].status,
    ).toBeNull();
  });
  it("builds route cards with counts and mean speed", () => {
    const cards = routeCards(joinSections(sections, status));
    expect(cards).toHaveLength(2);
    expect(cards[0]).toMatchObject({ routeNo: "0010", total: 2, avgSpeed: 60 });
    expect(cards[1]).toMatchObject({ routeNo: "0100", total: 1, avgSpeed: null });
  });
});

describe("time in KST", () => {
  it("formats in Asia/Seoul whatever the input offset", () => {
    expect(formatKstTime("2026-11-27T04:47:05Z")).toBe("13:47:05 KST");
    expect(formatKstTime("2026-11-27T13:47:05+09:00")).toBe("13:47:05 KST");
    expect(formatKstDateTime("2026-11-27T15:30:00Z")).toBe("2026-11-28 00:30:00 KST");
    expect(formatKstHm("2026-11-27T13:15:00+09:00")).toBe("13:15");
    expect(formatKstTime(null)).toBe("—");
    expect(formatKstTime("garbage")).toBe("—");
  });
  it("says how long ago, in Korean and English", () => {
    const now = Date.parse("2026-11-27T13:47:10+09:00");
    expect(formatAgo("2026-11-27T13:47:05+09:00", now, "ko")).toBe("5초 전");
    expect(formatAgo("2026-11-27T13:47:05+09:00", now, "en")).toBe("5 s ago");
    expect(formatAgo("2026-11-27T13:45:05+09:00", now, "ko")).toBe("2분 전");
    expect(formatAgo("2026-11-27T10:45:05+09:00", now, "en")).toBe("3 h ago");
    expect(formatAgo("2026-11-27T13:48:05+09:00", now, "en")).toBe("0 s ago"); // future clamps
  });
  it("buckets by KST hour", () => {
    expect(kstHourKey("2026-11-27T15:30:00Z")).toBe("2026-11-28T00");
  });
});

describe("incident filters and search", () => {
  const list = [
    incident({
      id: 1,
      roadNM: "경부선",
      accType: "사고",
      direction: "서울방향",
      accPointNM: "서초IC",
      smsText: "3차로 사고",
    }),
    incident({
      id: 2,
      roadNM: "경부선",
      accType: "작업",
      direction: "부산방향",
      accPointNM: "양재IC",
      smsText: "도로 보수 작업",
    }),
    incident({
      id: 3,
      roadNM: "호남선",
      accType: "사고",
      direction: "논산방향",
      accPointNM: "산월IC",
      smsText: "추돌",
    }),
  ];
  it("filters by route, type and direction and combines them", () => {
    expect(filterIncidents(list, { ...EMPTY_FILTER, route: "경부선" }).map((i) => i.id)).toEqual([1, 2]);
    expect(filterIncidents(list, { ...EMPTY_FILTER, type: "사고" }).map((i) => i.id)).toEqual([1, 3]);
    expect(filterIncidents(list, { ...EMPTY_FILTER, route: "경부선", type: "사고" }).map((i) => i.id)).toEqual([1]);
    expect(filterIncidents(list, { ...EMPTY_FILTER, direction: "논산방향" }).map((i) => i.id)).toEqual([3]);
    expect(filterIncidents(list, EMPTY_FILTER)).toHaveLength(3);
  });
  it("searches place and message, case-insensitively", () => {
    expect(filterIncidents(list, { ...EMPTY_FILTER, query: "양재" }).map((i) => i.id)).toEqual([2]);
    expect(filterIncidents(list, { ...EMPTY_FILTER, query: "추돌" }).map((i) => i.id)).toEqual([3]);
    expect(filterIncidents(list, { ...EMPTY_FILTER, query: "ic" })).toHaveLength(3);
    expect(filterIncidents(list, { ...EMPTY_FILTER, query: "없는말" })).toHaveLength(0);
  });
  it("lists distinct values and buckets by hour and type", () => {
    expect(distinctValues(list, (i) => i.roadNM)).toEqual(["경부선", "호남선"]);
    const b = bucketByHour([
      incident({ id: 1, accType: "사고", occurredAt: "2026-11-27T13:05:00+09:00" }),
      incident({ id: 2, accType: "사고", occurredAt: "2026-11-27T13:55:00+09:00" }),
      incident({ id: 3, accType: "작업", occurredAt: "2026-11-27T03:10:00Z" }),
      incident({ id: 4, accType: "작업", occurredAt: "", createdAt: "2026-11-27T14:00:00+09:00" }),
    ]);
    expect(b.map((x) => x.hour)).toEqual(["2026-11-27T12", "2026-11-27T13", "2026-11-27T14"]);
    expect(b[1].counts).toEqual({ 사고: 2 });
    expect(b[0].counts).toEqual({ 작업: 1 });
  });
});

describe("incidents as KEC sends them", () => {
  it("takes active and cleared from the server, not from the progress text", () => {
    expect(incidentState(incident({ id: 1 }))).toBe("active");
    // KEC's recorded progress is 1/진행; a closing name is the server's to judge
    expect(isCleared(incident({ id: 2, processName: "처리완료" }))).toBe(false);
    const cleared = incident({ id: 3, active: false, clearedAt: "2026-11-27T13:40:00+09:00" });
    expect(incidentState(cleared)).toBe("cleared");
    expect(isCleared(cleared)).toBe(true);
    const list = [incident({ id: 1 }), cleared];
    expect(filterIncidents(list, { ...EMPTY_FILTER, state: "cleared" }).map((i) => i.id)).toEqual([3]);
    expect(filterIncidents(list, { ...EMPTY_FILTER, state: "active" }).map((i) => i.id)).toEqual([1]);
  });
  it("reads blocked lanes, queue length and progress as recorded", () => {
    expect(blockedLanes("NNYNNN")).toEqual([3]);
    expect(blockedLanes("YYNNNN")).toEqual([1, 2]);
    expect(blockedLanes("NNNNNN")).toEqual([]);
    expect(blockedLanes("")).toEqual([]);
    expect(queueKm(incident({ id: 1, lateLengthKm: 2.5 }))).toBe(2.5);
    expect(queueKm(incident({ id: 1, lateLengthKm: 0 }))).toBeNull(); // KEC sends 0.0 for none
    expect(queueKm(incident({ id: 1, lateLengthKm: null }))).toBeNull();
    expect(progressLabel("1", "진행")).toBe("진행 (1)");
    expect(progressLabel(null, "진행")).toBe("진행");
    expect(progressLabel("1", null)).toBe("1");
    expect(progressLabel(null, null)).toBe("");
  });
  it("unwraps a notice's ** … ** text", () => {
    expect(noticeText("**  (광주방향)112k 남상졸음쉼터 폐쇄(~12월) **")).toBe(
      "(광주방향)112k 남상졸음쉼터 폐쇄(~12월)",
    );
    expect(noticeText("plain")).toBe("plain");
    expect(noticeText("**")).toBe("**");
  });
});

describe("SSE event -> refetch", () => {
  it("refetches only the committed kind's endpoints (its last collection moves with the event)", () => {
    expect(resourcesForEvent("commit", { kind: "accidents" }).sort()).toEqual(["accidents", "notices", "stats"]);
    expect(resourcesForEvent("commit", { kind: "road" }).sort()).toEqual(["roadStatus", "roadSummary"]);
    expect(resourcesForEvent("commit", { kind: "tollgate" }).sort()).toEqual(["tollgates"]);
    expect(resourcesForEvent("commit", { kind: "tollgates" }).sort()).toEqual(["tollgates"]);
    expect(resourcesForEvent("commit", { kind: "vds" })).toEqual([]);
  });
  it("refetches nothing for a commit that changed no row's shown content", () => {
    for (const kind of ["accidents", "road", "tollgates", "weird"])
      expect(resourcesForEvent("commit", { kind, inserted: 0, duplicates: 40, changed: 0 })).toEqual([]);
    // a new, updated or cleared incident: the lists moved (the HA status moves with the event)
    expect(resourcesForEvent("commit", { kind: "accidents", inserted: 0, changed: 2 }).sort()).toEqual([
      "accidents",
      "notices",
      "stats",
    ]);
  });
  it("refetches a commit whose dataset does not count changes, or from an older server", () => {
    const road = ["roadStatus", "roadSummary"];
    expect(resourcesForEvent("commit", { kind: "road", inserted: 4, changed: null }).sort()).toEqual(road);
    expect(resourcesForEvent("commit", { kind: "road", inserted: 0, duplicates: 9 }).sort()).toEqual(road);
    expect(resourcesForEvent("commit", { kind: "road", changed: "0" }).sort()).toEqual(road);
  });
  it("asks for the rows changed since a minute before the last answer, on a 30 s grid", () => {
    const at = Date.parse("2026-11-27T04:48:44.500Z");
    expect(deltaUrl("accidents", at)).toBe(
      "/api/accidents/latest?limit=1000&changedSince=2026-11-27T04%3A47%3A30.000Z",
    );
    expect(deltaUrl("notices", at)).toBe("/api/notices?changedSince=2026-11-27T04%3A47%3A30.000Z");
    // viewers a few seconds apart share one URL (one cached answer)
    expect(deltaUrl("notices", at + 5000)).toBe(deltaUrl("notices", at));
  });
  it("merges changed rows by id, in the server's order, within the limit", () => {
    const row = (id: number, occurredAt: string, active = true) => ({ id, occurredAt, active });
    const held = [row(1, "2026-11-27T13:00:00+09:00"), row(2, "2026-11-27T12:00:00+09:00")];
    expect(mergeChanged(held, [], { limit: 10, dropInactive: false })).toBe(held);
    const merged = mergeChanged(
      held,
      [row(3, "2026-11-27T13:30:00+09:00"), row(2, "2026-11-27T12:00:00+09:00", false)],
      { limit: 10, dropInactive: false },
    );
    expect(merged.map((r) => [r.id, r.active])).toEqual([
      [3, true],
      [1, true],
      [2, false],
    ]);
    // notices: one no longer listed leaves; same time: the higher id first; the limit holds
    const notices = mergeChanged(held, [row(2, "x", false), row(9, "2026-11-27T13:00:00+09:00")], {
      limit: 1,
      dropInactive: true,
    });
    expect(notices.map((r) => r.id)).toEqual([9]);
  });
  it("reads a logged event's server time from its id", () => {
    expect(eventTime("1764748812345-0")).toBe(1764748812345);
    for (const bad of [null, undefined, "", "12-x", "x-1", "1764748812345", "-1-0"]) expect(eventTime(bad)).toBeNull();
  });
  it("knows the commits the data API relearns the network after", () => {
    for (const kind of ["road", "tollgates", "vds"]) expect(networkChanges("commit", { kind })).toBe(true);
    for (const kind of ["accidents", "tollgate", "weird"]) expect(networkChanges("commit", { kind })).toBe(false);
    expect(networkChanges("commit", null)).toBe(false);
    expect(networkChanges("hello", { kind: "road" })).toBe(false);
  });
  it("refreshes HA status on leader/source/members", () => {
    for (const e of ["leader", "source", "members"]) expect(resourcesForEvent(e, {})).toEqual(["ha"]);
  });
  it("refetches everything on hello or an unknown commit kind; nothing on other events", () => {
    expect(resourcesForEvent("hello", {}).sort()).toEqual([...ALL_RESOURCES].sort());
    expect(resourcesForEvent("hello", { resumed: false }).sort()).toEqual([...ALL_RESOURCES].sort());
    // resumed: the replayed events refetch what they changed
    expect(resourcesForEvent("hello", { resumed: true })).toEqual(["ha"]);
    expect(resourcesForEvent("hello", { resumed: "yes" }).sort()).toEqual([...ALL_RESOURCES].sort());
    expect(resourcesForEvent("commit", { kind: "weird" }).sort()).toEqual([...ALL_RESOURCES].sort());
    expect(resourcesForEvent("ping", {})).toEqual([]);
  });
  it("derives the connection state", () => {
    expect(connectionState(true, false)).toBe("live");
    expect(connectionState(false, true)).toBe("polling");
    expect(connectionState(false, false)).toBe("offline");
  });
});

describe("reopening the event stream", () => {
  it("waits half the base plus a random half, the base doubling per attempt up to the cap", () => {
    expect(reconnectDelay(0, () => 0)).toBe(RECONNECT_BASE_MS / 2);
    expect(reconnectDelay(0, () => 0.999999)).toBe(RECONNECT_BASE_MS);
    expect(reconnectDelay(1, () => 0)).toBe(RECONNECT_BASE_MS);
    expect(reconnectDelay(1, () => 0.5)).toBe(1.5 * RECONNECT_BASE_MS);
    expect(reconnectDelay(3, () => 0)).toBe(4 * RECONNECT_BASE_MS);
    for (const attempt of [5, 6, 10, 100, 5000]) {
      expect(reconnectDelay(attempt, () => 0)).toBe(RECONNECT_CAP_MS / 2);
      expect(reconnectDelay(attempt, () => 0.999999)).toBe(RECONNECT_CAP_MS);
    }
  });
  it("spreads viewers dropped together over the attempt's window", () => {
    // what a failover leaves: many viewers on the same attempt, each with its own draw
    let seed = 7;
    const random = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    for (const attempt of [0, 2, 8]) {
      const delays = Array.from({ length: 1000 }, () => reconnectDelay(attempt, random));
      const base = Math.min(RECONNECT_CAP_MS, RECONNECT_BASE_MS * 2 ** attempt);
      expect(Math.min(...delays)).toBeGreaterThanOrEqual(base / 2);
      expect(Math.max(...delays)).toBeLessThanOrEqual(base);
      // no lockstep: hardly two viewers in the same 1 % of the window
      const buckets = new Set(delays.map((d) => Math.floor(((d - base / 2) / (base / 2)) * 100)));
      expect(buckets.size).toBeGreaterThan(95);
    }
  });
  it("takes a bad attempt as the first, and a random outside [0, 1) as its bound", () => {
    for (const attempt of [-3, Number.NaN, Number.POSITIVE_INFINITY])
      expect(reconnectDelay(attempt, () => 0)).toBe(RECONNECT_BASE_MS / 2);
    expect(reconnectDelay(2.7, () => 0)).toBe(2 * RECONNECT_BASE_MS);
    expect(reconnectDelay(0, () => -1)).toBe(RECONNECT_BASE_MS / 2);
    expect(reconnectDelay(0, () => 7)).toBe(RECONNECT_BASE_MS);
  });
  it("draws from Math.random by default", () => {
    for (let i = 0; i < 50; i++) {
      const d = reconnectDelay(4);
      expect(d).toBeGreaterThanOrEqual(8 * RECONNECT_BASE_MS);
      expect(d).toBeLessThanOrEqual(16 * RECONNECT_BASE_MS);
    }
  });
});

describe("X-Served-By", () => {
  it("parses gateway and data-api members", () => {
    expect(parseServedBy("member2/gateway, member1/data-api")).toEqual({
      raw: "member2/gateway, member1/data-api",
      gateway: "member2",
      dataApi: "member1",
      members: ["member2", "member1"],
    });
    expect(parseServedBy("member1/data-api")).toMatchObject({
      gateway: null,
      dataApi: "member1",
      members: ["member1"],
    });
    expect(parseServedBy(" member1/gateway ,member1/data-api ")?.members).toEqual(["member1"]);
    expect(parseServedBy("")).toBeNull();
    expect(parseServedBy(null)).toBeNull();
    expect(parseServedBy(" , ")).toBeNull();
  });
});

describe("HA timeline", () => {
  it("records the first state, then leader changes, member down/up and source switches", () => {
    const s0 = snapshotFromStatus(haStatus());
    const first = diffSnapshots(null, s0, 1);
    expect(first.map((e) => e.kind)).toEqual(["initial"]);
    expect(diffSnapshots(s0, s0, 2)).toEqual([]);
    const all1 = ["proxy", "processor", "data-api", "gateway", "collector"].map((s) => `member1/${s}`);
    const s1 = applyMembers(s0, [], all1);
    expect(memberHealth(s1, "member1")).toBe("down");
    expect(memberHealth(s1, "member2")).toBe("alive");
    const d1 = diffSnapshots(s0, s1, 3);
    expect(d1.map((e) => [e.kind, e.member])).toEqual([["member-down", "member1"]]);
    const s2 = { ...s1, leaderMember: "member2", epoch: 2 };
    const d2 = diffSnapshots(s1, s2, 4);
    expect(d2.map((e) => e.kind)).toEqual(["leader"]);
    expect(d2[0].text).toContain("member2 (epoch 2)");
    const s3 = applyMembers(s2, ["member1/proxy"], []);
    expect(diffSnapshots(s2, s3, 5).map((e) => e.kind)).toEqual(["member-partial"]);
    const s4 = snapshotFromStatus(haStatus({ leader: "member2", epoch: 2, active: "real" }));
    const d4 = diffSnapshots(s3, s4, 6);
    expect(d4.map((e) => e.kind)).toEqual(["member-up", "source"]);
    const tl = pushEvents(pushEvents([], d1), d2);
    expect(tl.map((e) => e.kind)).toEqual(["leader", "member-down"]); // newest first
  });
  it("is bounded", () => {
    let tl = pushEvents([], []);
    const s0 = snapshotFromStatus(haStatus());
    for (let i = 0; i < TIMELINE_MAX + 20; i++) tl = pushEvents(tl, diffSnapshots(null, s0, i));
    expect(tl).toHaveLength(TIMELINE_MAX);
  });
});

describe("URL and dictionary", () => {
  it("opens a tab from ?tab= or #hash", () => {
    expect(tabFromLocation("?tab=accidents", "")).toBe("accidents");
    expect(tabFromLocation("", "#road")).toBe("road");
    expect(tabFromLocation("", "#/tollgates")).toBe("tollgates");
    expect(tabFromLocation("?tab=nope", "")).toBe("dashboard");
    expect(langFromLocation("?lang=en")).toBe("en");
    expect(langFromLocation("?lang=fr")).toBeNull();
  });
  it("has every key in both languages", () => {
    expect(Object.keys(DICTS.en).sort()).toEqual(Object.keys(DICTS.ko).sort());
    for (const v of Object.values(DICTS.en)) expect(typeof v).toBe("string");
    expect(DICTS.ko.tabDashboard).toBe("대시보드");
    expect(DICTS.en.tabRoad).toBe("Road flow");
  });
});

describe("HA timeline through a leaderless gap", () => {
  it("announces member2 once, not again after a gap or a stale lower epoch", async () => {
    const { advance } = await import("../src/lib/ha");
    const s0 = snapshotFromStatus(haStatus());
    let st = advance(null, s0, 0);
    const gap = { ...st.snapshot, leaderMember: null, leaderHolder: null, epoch: null };
    st = advance(st.snapshot, gap, 1);
    expect(st.events).toEqual([]);
    const m2 = { ...st.snapshot, leaderMember: "member2", epoch: 2 };
    st = advance(st.snapshot, m2, 2);
    expect(st.events.map((e) => e.text)).toEqual(["member1 (epoch 1) → member2 (epoch 2)"]);
    st = advance(st.snapshot, gap, 3);
    expect(st.events).toEqual([]);
    st = advance(st.snapshot, m2, 4);
    expect(st.events).toEqual([]);
    st = advance(st.snapshot, { ...m2, leaderMember: "member1", epoch: 1 }, 5); // stale answer
    expect(st.events).toEqual([]);
    st = advance(st.snapshot, { ...m2, leaderMember: "member1", epoch: 3 }, 6);
    expect(st.events.map((e) => e.kind)).toEqual(["leader"]);
  });
});

describe("the learned network's layers", () => {
  const f = (id: string, x = 127) => ({ id, geometry: { coordinates: [[x, 37]] } });
  const fc = (...features: ReturnType<typeof f>[]) => ({ type: "FeatureCollection" as const, features });
  it("takes FeatureCollections only", () => {
    expect(asCollection(fc(f("a")))).not.toBeNull();
    for (const bad of [null, [], { type: "Feature" }, { type: "FeatureCollection" }])
      expect(asCollection(bad)).toBeNull();
  });
  it("keeps the collection when nothing changed, and each unchanged feature when some did", () => {
    const prev = fc(f("a"), f("b"));
    expect(shareFeatures(null, prev)).toBe(prev);
    expect(shareFeatures(prev, fc(f("a"), f("b")))).toBe(prev);
    const next = shareFeatures(prev, fc(f("b"), f("a", 128), f("c")));
    expect(next).not.toBe(prev);
    expect(next.features[0]).toBe(prev.features[1]);
    expect(next.features[1]).not.toBe(prev.features[0]);
    expect(next.features.map((x) => x.id)).toEqual(["b", "a", "c"]);
    // a reorder or a dropped feature is a change too
    expect(shareFeatures(prev, fc(f("b"), f("a")))).not.toBe(prev);
    expect(shareFeatures(prev, fc(f("a")))).not.toBe(prev);
  });
  it("asks for a layer at the version known, URL-encoded, and unversioned without one", () => {
    expect(layerUrl("/api/network", "3f9c0a1b2d4e6f70")).toBe("/api/network?v=3f9c0a1b2d4e6f70");
    expect(layerUrl("/api/network/sections", "a b&c=/?")).toBe("/api/network/sections?v=a%20b%26c%3D%2F%3F");
    expect(layerUrl("/api/network/sections?route=0010", "abc")).toBe("/api/network/sections?route=0010&v=abc");
    for (const none of [null, undefined, "", " abc", "x".repeat(65)])
      expect(layerUrl("/api/network", none)).toBe("/api/network");
    expect(layerUrl("/api/network", "x".repeat(64))).toBe(`/api/network?v=${"x".repeat(64)}`);
    expect(isNetworkVersion("null")).toBe(true);
    expect(isNetworkVersion(42)).toBe(false);
  });
  it("keeps the version in storage, and does without storage that is absent, blocked or full", () => {
    localStorage.removeItem(NETWORK_VERSION_KEY);
    expect(loadNetworkVersion()).toBeNull();
    saveNetworkVersion("3f9c0a1b2d4e6f70");
    expect(localStorage.getItem(NETWORK_VERSION_KEY)).toBe("3f9c0a1b2d4e6f70");
    expect(loadNetworkVersion()).toBe("3f9c0a1b2d4e6f70");
    // a value no server sent (edited by hand, say) is not asked for
    localStorage.setItem(NETWORK_VERSION_KEY, "x".repeat(100));
    expect(loadNetworkVersion()).toBeNull();
    localStorage.removeItem(NETWORK_VERSION_KEY);

    const blocked = () => {
      throw new DOMException("The operation is insecure.", "SecurityError");
    };
    expect(loadNetworkVersion(blocked)).toBeNull();
    expect(() => saveNetworkVersion("abc", blocked)).not.toThrow();
    expect(loadNetworkVersion(() => null)).toBeNull();
    expect(() => saveNetworkVersion("abc", () => null)).not.toThrow();
    const full = {
      getItem: () => {
        throw new Error("unreadable");
      },
      setItem: () => {
        throw new DOMException("quota", "QuotaExceededError");
      },
    } as unknown as Storage;
    expect(loadNetworkVersion(() => full)).toBeNull();
    expect(() => saveNetworkVersion("abc", () => full)).not.toThrow();
  });
  it("memoises a line's positions on its coordinates", () => {
    const coords = [
      [127, 37],
      [127.1, 37.1],
    ];
    expect(memoLine(coords)).toBe(memoLine(coords));
    expect(memoLine(coords)).toEqual(lineLatLngs(coords));
    expect(memoLine(coords, 900)).toEqual(offsetLine(lineLatLngs(coords), 900));
    expect(memoLine(coords, 900)).not.toBe(memoLine(coords));
    expect(memoLine(coords.map((c) => [...c]))).not.toBe(memoLine(coords));
  });
});
