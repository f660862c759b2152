// The data's words in English: the fixed vocabulary, the network's names, the road's own
// directions from its end points, and romanization for the rest; Korean left as KEC sends it.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import type { NetworkCollection } from "../src/api/types";
import { INCIDENT_TYPES } from "../src/lib/colors";
import { hasHangul, romanize } from "../src/lib/romanize";
import { buildPlaces, makeVocab, PROCESS_EN, TYPE_EN } from "../src/lib/vocab";

interface RefWaypoint {
  name: string;
  nameEn: string;
  kind: string;
  lat: number;
  lon: number;
}
interface RefRoute {
  routeNo: string;
  routeName: string;
  routeNameEn: string;
  waypoints: RefWaypoint[];
}

// The built-in network (the package data; vitest runs in spa/) as /api/network serves it: a
// LineString per route, then its waypoints.
const reference = JSON.parse(
  readFileSync(resolve(process.cwd(), "../src/trafficha/reference/data/network.json"), "utf8"),
) as { routes: RefRoute[] };
const NETWORK: NetworkCollection = {
  type: "FeatureCollection",
  features: [
    ...reference.routes.map((r) => ({
      type: "Feature" as const,
      geometry: { type: "LineString" as const, coordinates: r.waypoints.map((w) => [w.lon, w.lat]) },
      properties: { routeNo: r.routeNo, routeName: r.routeName, routeNameEn: r.routeNameEn },
    })),
    ...reference.routes.flatMap((r) =>
      r.waypoints.map((w) => ({
        type: "Feature" as const,
        geometry: { type: "Point" as const, coordinates: [w.lon, w.lat] },
        properties: { name: w.name, nameEn: w.nameEn, kind: w.kind, routeNo: r.routeNo },
      })),
    ),
  ],
} as NetworkCollection;

const places = buildPlaces(NETWORK);
const en = makeVocab("en", places);
const ko = makeVocab("ko", places);

describe("romanization", () => {
  it("writes place names by the Revised Romanization, with the sound changes between syllables", () => {
    const cases: [string, string][] = [
      ["부산", "Busan"],
      ["서울", "Seoul"],
      ["인천", "Incheon"],
      ["목포", "Mokpo"],
      ["강릉", "Gangneung"],
      ["신라", "Silla"],
      ["종로", "Jongno"],
      ["독립", "Dongnip"],
      ["한국어", "Hangugeo"],
      ["설날", "Seollal"],
      ["해운대", "Haeundae"],
      ["왕십리", "Wangsimni"],
    ];
    for (const [ko, latin] of cases) expect(romanize(ko)).toBe(latin);
    expect(romanize("서울TG 부근")).toBe("SeoulTG Bugeun");
    expect(hasHangul(romanize("휘경동 뷁"))).toBe(false);
  });
});

describe("the fixed vocabulary", () => {
  it("has English for every incident type the dashboard knows, and KEC's progress names", () => {
    for (const type of INCIDENT_TYPES) expect(TYPE_EN[type]).toMatch(/^[A-Z][a-z]+$/);
    expect(en.type("사고")).toBe("Accident");
    expect(en.type("이벤트/홍보")).toBe("Notice");
    expect(ko.type("사고")).toBe("사고");
    expect(en.process("1", "진행")).toBe(`${PROCESS_EN.진행} (1)`);
    expect(ko.process("1", "진행")).toBe("진행 (1)");
    expect(en.process("", "")).toBe("");
    // a word outside the vocabulary still reads in Latin letters
    expect(hasHangul(en.type("산사태"))).toBe(false);
  });
});

describe("the network's names", () => {
  it("gives each built-in route its English name, by number or by name", () => {
    for (const r of reference.routes) {
      expect(en.route(r.routeName, r.routeNo)).toBe(r.routeNameEn);
      expect(en.route(r.routeName)).toBe(r.routeNameEn);
      expect(ko.route(r.routeName, r.routeNo)).toBe(r.routeName);
    }
    expect(en.route("수도권제2순환선", "4000")).toBe("Sudogwonje2Sunhwan Expressway");
  });
  it("names places and tollgates in English from their waypoints", () => {
    expect(en.place("산월IC-광산IC")).toBe("Sanwol IC-Gwangsan IC");
    expect(en.place("서울TG 부근(12.3K)")).toBe("near Seoul TG(12.3K)");
    expect(en.tollgate("서울")).toBe("Seoul");
    expect(en.tollgate("양재")).toBe("Yangjae");
    expect(ko.place("산월IC-광산IC")).toBe("산월IC-광산IC");
    for (const r of reference.routes)
      for (const w of r.waypoints) expect(hasHangul(en.place(w.name)), w.name).toBe(false);
  });
});

describe("directions", () => {
  it("says the road's own direction, toward the city at its end, from the route's end points", () => {
    // 경부선 runs from 구서IC (Busan) to 한남IC (Seoul): E is 서울방향
    expect(ko.heading("0010", "E")).toBe("서울방향");
    expect(ko.heading("0010", "S")).toBe("부산방향");
    expect(en.heading("0010", "E")).toBe("toward Seoul");
    expect(en.heading("0010", "S")).toBe("toward Busan");
    expect(en.heading("0500", "E")).toBe("toward Gangneung");
    expect(en.heading("0150", "S")).toBe("toward Mokpo");
    expect(en.heading("9999", "E")).toBeNull();
    for (const r of reference.routes)
      for (const dir of ["E", "S"]) {
        expect(ko.heading(r.routeNo, dir)).toMatch(/방향$/);
        expect(en.heading(r.routeNo, dir)).toMatch(/^toward [A-Z][a-z]/);
      }
  });
  it("translates KEC's direction texts", () => {
    expect(en.direction("서울방향")).toBe("toward Seoul");
    expect(en.direction("인천방향")).toBe("toward Incheon");
    expect(en.direction("양방향")).toBe("both directions");
    expect(ko.direction("서울방향")).toBe("서울방향");
    expect(en.place("(강릉방향) 생태습지")).not.toMatch(/[가-힣]/);
  });
});
