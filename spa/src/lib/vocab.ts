// The data's own words in the UI's language: incident types, progress, directions, places, routes
// and tollgates. Korean is shown as KEC sends it; English comes from a fixed vocabulary for the
// words, from the network's English names (/api/network: routeNameEn, nameEn) for routes and
// places, and from the Revised Romanization for a name the network does not know.
import type { NetworkCollection } from "../api/types";
import { romanize } from "./romanize";

type Lang = "ko" | "en";

/** KEC's incident types (accType), as the feed and the simulator name them. */
export const TYPE_EN: Readonly<Record<string, string>> = {
  사고: "Accident",
  고장: "Breakdown",
  작업: "Roadwork",
  공사: "Construction",
  정체: "Congestion",
  장애물: "Debris",
  낙하물: "Debris",
  기상: "Weather",
  통제: "Closure",
  화재: "Fire",
  행사: "Event",
  재난: "Disaster",
  "이벤트/홍보": "Notice",
  기타: "Other",
};

/** KEC's progress names (accProcessNM). */
export const PROCESS_EN: Readonly<Record<string, string>> = {
  접수: "Reported",
  진행: "Ongoing",
  처리중: "Being cleared",
  처리: "Being cleared",
  완료: "Cleared",
  처리완료: "Cleared",
  종료: "Ended",
  해제: "Lifted",
};

/** Direction words that are not "<place>방향". */
export const DIRECTION_EN: Readonly<Record<string, string>> = {
  양방향: "both directions",
  상행: "inbound",
  하행: "outbound",
  기점방향: "toward the start",
  종점방향: "toward the end",
};

/** Words of KEC's place texts (accPointNM), with where the English goes. */
const PLACE_WORDS: readonly [RegExp, string][] = [
  // KEC writes "<place> 부근(12.3K)": the place is all that comes before
  [/^(.+?)\s*부근/, "near $1"],
  [/부근/g, " near "],
  [/휴게소/g, " Rest Area"],
  [/졸음쉼터/g, " Rest Stop"],
  [/(요금소|영업소)/g, " TG"],
  [/나들목/g, " IC"],
  [/분기점/g, " JC"],
  [/터널/g, " Tunnel"],
];

/**
 * The everyday city of a route end whose waypoint is named otherwise (the end of 경부선 is
 * 한남IC in Seoul: its traffic goes 서울방향), as KEC's direction texts name them.
 */
const END_CITY: Readonly<Record<string, string>> = {
  한남: "서울",
  구서: "부산",
  금천: "서울",
  죽림: "목포",
  서창: "인천",
  삼락: "부산",
  강일: "서울",
  해운대: "부산",
  남포항: "포항",
  덕천: "부산",
  서순천: "순천",
};

const SUFFIX = /(IC|JC|TG|SA)$/;
const SUFFIX_EN = /\s+(IC|JC|TG|SA)$/;

export interface RouteEnds {
  /** the route's origin (기점) and end (종점), bare names ("구서", "한남") */
  origin: string;
  end: string;
}

/** What the network says about names: built once per network answer. */
export interface Places {
  /** waypoint name as spelt (서울TG) -> English (Seoul TG) */
  waypoints: ReadonlyMap<string, string>;
  /** bare place name (서울) -> bare English (Seoul) */
  bare: ReadonlyMap<string, string>;
  /** route number -> English name ("" for a route learned without one) */
  routeEnByNo: ReadonlyMap<string, string>;
  /** route name (경부선) -> English name */
  routeEnByName: ReadonlyMap<string, string>;
  ends: ReadonlyMap<string, RouteEnds>;
  /** every waypoint name, longest first: to find them in a place text */
  names: RegExp | null;
}

export const NO_PLACES: Places = {
  waypoints: new Map(),
  bare: new Map(),
  routeEnByNo: new Map(),
  routeEnByName: new Map(),
  ends: new Map(),
  names: null,
};

const bareName = (name: string) => name.trim().replace(SUFFIX, "");
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const samePoint = (a: readonly number[] | undefined, b: readonly number[] | undefined) =>
  !!a && !!b && Math.abs(a[0] - b[0]) < 1e-6 && Math.abs(a[1] - b[1]) < 1e-6;

export function buildPlaces(network: NetworkCollection | null): Places {
  if (!network) return NO_PLACES;
  const waypoints = new Map<string, string>();
  const bare = new Map<string, string>();
  const routeEnByNo = new Map<string, string>();
  const routeEnByName = new Map<string, string>();
  const lines = new Map<string, readonly (readonly number[])[]>();
  const pointsOf = new Map<string, { name: string; at: readonly number[] }[]>();
  for (const f of network.features) {
    const p = f.properties as Partial<Record<string, unknown>>;
    if (f.geometry.type === "LineString") {
      const no = String(p.routeNo ?? "");
      const en = String(p.routeNameEn ?? "");
      if (!routeEnByNo.get(no)) routeEnByNo.set(no, en);
      if (en && typeof p.routeName === "string") routeEnByName.set(p.routeName, en);
      if (en && !lines.has(no)) lines.set(no, f.geometry.coordinates);
    } else if (f.geometry.type === "Point") {
      const name = String(p.name ?? "").trim();
      const en = String(p.nameEn ?? "").trim();
      if (!name) continue;
      if (en) {
        waypoints.set(name, en);
        if (!bare.has(bareName(name))) bare.set(bareName(name), en.replace(SUFFIX_EN, ""));
      }
      const no = String(p.routeNo ?? "");
      const list = pointsOf.get(no) ?? [];
      list.push({ name, at: f.geometry.coordinates });
      pointsOf.set(no, list);
    }
  }
  // A route's ends: the waypoints at its line's first and last points (the network lists them
  // origin first anyway, which is the fallback).
  const ends = new Map<string, RouteEnds>();
  for (const [no, pts] of pointsOf) {
    const line = lines.get(no);
    const origin = pts.find((w) => samePoint(w.at, line?.[0])) ?? pts[0];
    const end = pts.find((w) => samePoint(w.at, line?.[line.length - 1])) ?? pts[pts.length - 1];
    if (origin && end && origin !== end) ends.set(no, { origin: bareName(origin.name), end: bareName(end.name) });
  }
  const all = [...waypoints.keys()].sort((a, b) => b.length - a.length);
  return {
    waypoints,
    bare,
    routeEnByNo,
    routeEnByName,
    ends,
    names: all.length ? new RegExp(all.map(escapeRe).join("|"), "g") : null,
  };
}

/** The city a direction of a route heads for, in Korean: "E" toward the end, "S" the origin. */
export function headingCity(places: Places, routeNo: string, dir: string): string | null {
  const e = places.ends.get(routeNo);
  if (!e || (dir !== "E" && dir !== "S")) return null;
  const place = dir === "E" ? e.end : e.origin;
  return END_CITY[place] ?? place;
}

/** A place name in English: the network's, else romanized. */
export function placeNameEn(places: Places, name: string): string {
  const n = name.trim();
  return places.bare.get(n) ?? places.waypoints.get(n) ?? places.bare.get(bareName(n)) ?? romanize(n);
}

const tidy = (s: string) =>
  s
    .replace(/\s+/g, " ")
    .replace(/\s*([-~·])\s*/g, "$1")
    .replace(/\s+([,)])/g, "$1")
    .replace(/\(\s+/g, "(")
    .trim();

/** The words of the data in one language, with the network's names. */
export interface Vocab {
  lang: Lang;
  /** an incident type: 사고 / Accident */
  type(type: string | null | undefined): string;
  /** KEC's progress: 진행 (1) / Ongoing (1) */
  process(code: string | null | undefined, name: string | null | undefined): string;
  /** a direction text as KEC writes it: 서울방향 / toward Seoul */
  direction(text: string | null | undefined): string;
  /** a place text (accPointNM): 산월IC-광산IC / Sanwol IC-Gwangsan IC */
  place(text: string | null | undefined): string;
  /** a route: 경부선 / Gyeongbu Expressway */
  route(name: string | null | undefined, routeNo?: string | null): string;
  /** a tollgate's name: 서울 / Seoul */
  tollgate(name: string | null | undefined): string;
  /** a route's direction by its code: 서울방향 / toward Seoul; null when the route's ends are unknown */
  heading(routeNo: string, dir: string): string | null;
}

export function makeVocab(lang: Lang, places: Places = NO_PLACES): Vocab {
  const cache = new Map<string, string>();
  const memo = (key: string, make: () => string) => {
    let v = cache.get(key);
    if (v === undefined) {
      v = make();
      if (cache.size > 5000) cache.clear();
      cache.set(key, v);
    }
    return v;
  };
  const en = lang === "en";
  const direction = (text: string | null | undefined): string => {
    const s = (text ?? "").trim();
    if (!en || !s) return s;
    return memo(`d:${s}`, () => {
      if (DIRECTION_EN[s]) return DIRECTION_EN[s];
      const m = /^(.+?)\s*방향$/.exec(s);
      return m ? `toward ${placeNameEn(places, m[1])}` : place(s);
    });
  };
  const place = (text: string | null | undefined): string => {
    const s = (text ?? "").trim();
    if (!en || !s) return s;
    return memo(`p:${s}`, () => {
      let out = places.names ? s.replace(places.names, (name) => ` ${places.waypoints.get(name) ?? name} `) : s;
      out = out.replace(/(\S+?)\s*방향/g, (_m, p: string) => ` ${direction(`${p}방향`)} `);
      out = out.replace(/양방향/g, ` ${DIRECTION_EN.양방향} `);
      for (const [re, to] of PLACE_WORDS) out = out.replace(re, to);
      return tidy(romanize(out));
    });
  };
  return {
    lang,
    type: (type) => {
      const s = (type ?? "").trim();
      return en ? (TYPE_EN[s] ?? (s ? romanize(s) : s)) : s;
    },
    process: (code, name) => {
      const c = (code ?? "").trim();
      const n = (name ?? "").trim();
      const word = en && n ? (PROCESS_EN[n] ?? romanize(n)) : n;
      if (word && c) return `${word} (${c})`;
      return word || c;
    },
    direction,
    place,
    route: (name, routeNo) => {
      const s = (name ?? "").trim();
      if (!en) return s;
      const byNo = routeNo ? places.routeEnByNo.get(routeNo) : undefined;
      if (byNo) return byNo;
      if (!s) return s;
      return memo(`r:${s}`, () => places.routeEnByName.get(s) ?? `${romanize(s.replace(/선$/, ""))} Expressway`);
    },
    tollgate: (name) => {
      const s = (name ?? "").trim();
      return en && s ? memo(`t:${s}`, () => placeNameEn(places, s)) : s;
    },
    heading: (routeNo, dir) => {
      const city = headingCity(places, routeNo, dir);
      if (city === null) return null;
      return en ? `toward ${placeNameEn(places, city)}` : `${city}방향`;
    },
  };
}
