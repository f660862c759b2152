// useLiveData follows the learned network: a commit of road, tollgates or VDS data refetches
// /api/network and /api/network/sections, once per burst, and an unchanged answer changes nothing.
import { act, renderHook } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { NETWORK_DELAY_MS, NETWORK_GAP_MS, NETWORK_POLL_MS, useLiveData } from "../src/api/useLiveData";
import type { SectionCollection } from "../src/api/types";
import { FakeEventSource } from "./eventSource";
import { section } from "./fixtures";

const collection = (features: unknown[]) => ({ type: "FeatureCollection", features });
const A = section({ conzoneId: "0010CZE010" });
const B = section({ conzoneId: "0010CZE020", conzoneName: "부산TG-노포JC" });
const ROUTE = {
  type: "Feature",
  geometry: {
    type: "LineString",
    coordinates: [
      [129.09, 35.24],
      [129.1, 35.3],
    ],
  },
  properties: { routeNo: "0010" },
};

// What the fake API answers now, per path; every request is counted.
let served: Record<string, unknown>;
const calls: string[] = [];
const count = (path: string) => calls.filter((c) => c === path).length;

function fakeFetch(input: RequestInfo | URL): Promise<Response> {
  const url = String(input);
  const path = url.split("?")[0];
  calls.push(path);
  const known = path in served;
  const body = JSON.stringify(known ? served[path] : null);
  return Promise.resolve({
    ok: known,
    status: known ? 200 : 404,
    headers: new Headers({ "X-Served-By": "member1/data-api" }),
    json: () => Promise.resolve(JSON.parse(body)),
    text: () => Promise.resolve(body),
  } as unknown as Response);
}

/** Let timers run and every answer settle. */
async function advance(ms: number) {
  await act(async () => {
    await vi.advanceTimersByTimeAsync(ms);
  });
}

async function start() {
  const hook = renderHook(() => useLiveData());
  await advance(0);
  const es = FakeEventSource.last;
  if (!es) throw new Error("no event stream opened");
  act(() => {
    es.open();
    es.emit("hello", { servedBy: "member1/data-api" });
  });
  await advance(500);
  return { ...hook, es };
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(Date.parse("2026-11-27T13:48:00+09:00"));
  calls.length = 0;
  FakeEventSource.last = null;
  served = {
    "/api/network": collection([ROUTE]),
    "/api/network/sections": collection([A]),
    "/api/accidents/latest": [],
    "/api/accidents/stats": null,
    "/api/notices": [],
    "/api/tollgates": [],
    "/api/road/status": [],
    "/api/road/summary": [],
  };
  vi.stubGlobal("fetch", vi.fn(fakeFetch));
  vi.stubGlobal("EventSource", FakeEventSource);
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe("the learned network", () => {
  it("is refetched once, a few seconds after a burst of road, tollgates and vds commits", async () => {
    const { result, es } = await start();
    expect(count("/api/network/sections")).toBe(1);
    expect(count("/api/network")).toBe(1);
    expect(result.current.sections?.features).toHaveLength(1);

    served["/api/network/sections"] = collection([A, B]);
    act(() => es.emit("commit", { type: "commit", kind: "road", version: 2 }));
    await advance(1000);
    act(() => es.emit("commit", { type: "commit", kind: "tollgates", version: 3 }));
    act(() => es.emit("commit", { type: "commit", kind: "vds", version: 4 }));
    // the data API relearns within its 5 s gap: not asked before then
    await advance(NETWORK_DELAY_MS - 1000 - 100);
    expect(count("/api/network/sections")).toBe(1);
    await advance(200);
    expect(count("/api/network/sections")).toBe(2);
    expect(count("/api/network")).toBe(2);
    expect(result.current.sections?.features.map((f) => f.properties.conzoneId)).toEqual(["0010CZE010", "0010CZE020"]);
    await advance(NETWORK_POLL_MS);
    expect(count("/api/network/sections")).toBe(2);
  });

  it("is not refetched for commits of other kinds", async () => {
    const { es } = await start();
    for (const kind of ["accidents", "tollgate"]) act(() => es.emit("commit", { type: "commit", kind, version: 2 }));
    await advance(NETWORK_GAP_MS * 2);
    expect(count("/api/network/sections")).toBe(1);
    expect(count("/api/network")).toBe(1);
    expect(count("/api/tollgates")).toBeGreaterThan(1);
  });

  it("is refetched at most once per gap however often road data is committed", async () => {
    const { es } = await start();
    for (let s = 0; s < 30; s++) {
      act(() => es.emit("commit", { type: "commit", kind: "road", version: s + 2 }));
      await advance(1000);
    }
    const n = count("/api/network/sections") - 1;
    expect(n).toBeGreaterThanOrEqual(2);
    expect(n).toBeLessThanOrEqual(Math.ceil(30_000 / NETWORK_GAP_MS));
  });

  it("keeps what it holds when the answer is unchanged, and every unchanged section when one changes", async () => {
    const { result, es } = await start();
    served["/api/network/sections"] = collection([A, B]);
    act(() => es.emit("commit", { type: "commit", kind: "road", version: 2 }));
    await advance(NETWORK_DELAY_MS + 100);
    const before = result.current.sections as SectionCollection;
    const network = result.current.network;
    expect(before.features).toHaveLength(2);

    // the same answer (another build, say): not one object replaced, nothing to redraw
    served["/api/network/sections"] = JSON.parse(JSON.stringify(collection([A, B])));
    act(() => es.emit("commit", { type: "commit", kind: "road", version: 3 }));
    await advance(NETWORK_GAP_MS + 100);
    expect(count("/api/network/sections")).toBe(3);
    expect(result.current.sections).toBe(before);
    expect(result.current.network).toBe(network);

    // one section moved: a new collection, the other section the very object drawn before
    const moved = section({ conzoneId: "0010CZE010" });
    moved.geometry.coordinates = [
      [129.0, 35.2],
      [129.096, 35.284],
    ];
    served["/api/network/sections"] = collection([moved, B]);
    act(() => es.emit("commit", { type: "commit", kind: "vds", version: 4 }));
    await advance(NETWORK_GAP_MS + 100);
    const after = result.current.sections as SectionCollection;
    expect(after).not.toBe(before);
    expect(after.features[0].geometry.coordinates[0]).toEqual([129.0, 35.2]);
    expect(after.features[1]).toBe(before.features[1]);
    expect(result.current.network).toBe(network);
  });

  it("keeps the drawn network when a refetch fails, and is refetched after the stream reconnects", async () => {
    const { result, es } = await start();
    const before = result.current.sections;
    delete served["/api/network/sections"];
    act(() => es.emit("commit", { type: "commit", kind: "road", version: 2 }));
    await advance(NETWORK_DELAY_MS + 100);
    expect(count("/api/network/sections")).toBe(2);
    expect(result.current.sections).toBe(before);

    served["/api/network/sections"] = collection([A, B]);
    act(() => es.emit("hello", { servedBy: "member2/data-api" }));
    await advance(NETWORK_GAP_MS + 100);
    expect(count("/api/network/sections")).toBe(3);
    expect(result.current.sections?.features).toHaveLength(2);
  });
});
