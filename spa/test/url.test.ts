// What the URL holds: read back as written, bad values dropped, other parameters kept, and which
// changes are a step in history.
import { describe, expect, it } from "vitest";
import { EMPTY_FILTER } from "../src/lib/incidents";
import { DEFAULT_STATE, historyMode, parseView, readUrlState, writeUrlState, type UrlState } from "../src/lib/url";

const FULL: UrlState = {
  tab: "accidents",
  incident: 61,
  filter: { route: "경부선", type: "사고", direction: "서울방향", state: "active", query: "양재 IC" },
  tollgate: "101",
  tollgateQuery: "서울",
  road: "0010",
  roadDir: "E",
  view: { lat: 37.4815, lng: 127.0412, zoom: 10.25 },
};

describe("URL state", () => {
  it("reads back everything it writes: tab, selection, filters and map view", () => {
    const search = writeUrlState(FULL);
    expect(readUrlState(search)).toEqual(FULL);
    const q = new URLSearchParams(search);
    expect(q.get("map")).toBe("37.4815,127.0412,10.25");
    expect(q.get("incident")).toBe("61");
    expect(q.get("route")).toBe("경부선");
  });
  it("writes nothing for the defaults and keeps the parameters it does not own", () => {
    expect(writeUrlState(DEFAULT_STATE)).toBe("");
    const search = writeUrlState({ ...DEFAULT_STATE, tab: "road" }, "?lang=en&sse=0&tab=tollgates&incident=3");
    const q = new URLSearchParams(search);
    expect(q.get("lang")).toBe("en");
    expect(q.get("sse")).toBe("0");
    expect(q.get("tab")).toBe("road");
    expect(q.has("incident")).toBe(false);
  });
  it("drops what no page could have written, keeping the rest", () => {
    const s = readUrlState(`?tab=nope&incident=-4&state=gone&roaddir=N&road=12345&map=91,127,7&q=${"x".repeat(300)}`);
    expect(s.tab).toBe("dashboard");
    expect(s.incident).toBeNull();
    expect(s.filter).toEqual({ ...EMPTY_FILTER, query: "x".repeat(100) });
    expect(s.roadDir).toBe("");
    expect(s.road).toBe("");
    expect(s.view).toBeNull();
    expect(readUrlState("?road=10").road).toBe("0010");
    expect(readUrlState("?incident=abc").incident).toBeNull();
  });
  it("takes a map view only inside the map's bounds and zooms", () => {
    expect(parseView("36.5,127.8,7")).toEqual({ lat: 36.5, lng: 127.8, zoom: 7 });
    for (const bad of ["", "36.5,127.8", "36.5,127.8,7,1", "a,b,c", "36.5,200,7", "36.5,127.8,30", "36.5,,7"])
      expect(parseView(bad)).toBeNull();
  });
  it("still opens the old #hash tabs", () => {
    expect(readUrlState("", "#tollgates").tab).toBe("tollgates");
  });
  it("makes a new history entry for another tab or selection, and replaces it for filters and the map", () => {
    const base = readUrlState("?tab=accidents");
    expect(historyMode(base, { ...base, tab: "road" })).toBe("push");
    expect(historyMode(base, { ...base, incident: 5 })).toBe("push");
    expect(historyMode(base, { ...base, tollgate: "101" })).toBe("push");
    expect(historyMode(base, { ...base, road: "0010" })).toBe("push");
    expect(historyMode(base, { ...base, filter: { ...base.filter, query: "a" } })).toBe("replace");
    expect(historyMode(base, { ...base, view: { lat: 36, lng: 127, zoom: 8 } })).toBe("replace");
  });
});
