// useLiveData follows the learned network: a commit of road, tollgates or VDS data refetches
// /api/network and /api/network/sections, once per burst, and an unchanged answer changes nothing;
// the layers are asked for at the geometry version last seen. It reopens an event stream the
// browser gave up on after a jittered, growing backoff, and skips commits that changed nothing.
import { act, renderHook } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { NETWORK_DELAY_MS, NETWORK_GAP_MS, NETWORK_POLL_MS, SSE_STUCK_MS, useLiveData } from "../src/api/useLiveData";
import { NETWORK_VERSION_KEY } from "../src/lib/network";
import type { SectionCollection } from "../src/api/types";
import { FakeEventSource } from "./eventSource";
import { haStatus, incident, notice, section } from "./fixtures";

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
/** The geometry's version the fake names in X-Network-Version (none: an older server). */
let geometryVersion: string | null;
const calls: string[] = [];
const count = (path: string) => calls.filter((c) => c === path).length;
/** Every request's URL and cache mode, in order. */
const requests: { url: string; cache: RequestCache | undefined }[] = [];
const layerRequests = () => requests.filter((r) => r.url.startsWith("/api/network"));

function fakeFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const url = String(input);
  const path = url.split("?")[0];
  calls.push(path);
  requests.push({ url, cache: init?.cache });
  const known = path in served;
  const body = JSON.stringify(known ? served[path] : null);
  const headers = new Headers({ "X-Served-By": "member1/data-api" });
  if (geometryVersion !== null && path.startsWith("/api/network")) headers.set("X-Network-Version", geometryVersion);
  return Promise.resolve({
    ok: known,
    status: known ? 200 : 404,
    headers,
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
  requests.length = 0;
  geometryVersion = null;
  localStorage.clear();
  FakeEventSource.last = null;
  FakeEventSource.all = [];
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
  vi.restoreAllMocks();
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

describe("the event stream", () => {
  const made = () => FakeEventSource.all.length;
  const newest = () => FakeEventSource.all[FakeEventSource.all.length - 1];

  it("reopens a stream the browser gave up on after a jittered backoff that doubles up to a cap", async () => {
    vi.spyOn(Math, "random").mockReturnValue(0.999);
    const { result, es } = await start();
    expect(made()).toBe(1);
    // refused (a 502 while no member serves) at every reopen: half the base plus the draw's half
    // of it, from 1 s doubling to 30 s, each counted from the refusal
    act(() => es.fail());
    for (const wait of [1000, 1999, 3998, 7996, 15992, 29985, 29985, 29985]) {
      const n = made();
      await advance(wait - 50);
      expect(made()).toBe(n);
      await advance(100);
      expect(made()).toBe(n + 1);
      expect(newest().url).toBe("/api/events");
      act(() => newest().fail());
    }
    expect(result.current.connection).not.toBe("live");

    // a member serves again: the reopened stream's hello refetches everything (a new EventSource
    // sends no Last-Event-ID, so nothing is replayed), and the backoff starts over
    await advance(29985 + 50);
    const accidents = count("/api/accidents/latest");
    act(() => {
      newest().open();
      newest().emit("hello", { servedBy: "member2/data-api" });
    });
    await advance(300);
    expect(result.current.connection).toBe("live");
    expect(count("/api/accidents/latest")).toBeGreaterThan(accidents);
    const n = made();
    act(() => newest().fail());
    await advance(1000 - 50);
    expect(made()).toBe(n);
    await advance(100);
    expect(made()).toBe(n + 1);
  });

  it("spreads the reopens by the random draw", async () => {
    vi.spyOn(Math, "random").mockReturnValue(0);
    const { es } = await start();
    act(() => es.fail());
    await advance(450);
    expect(made()).toBe(1);
    await advance(100);
    expect(made()).toBe(2);
  });

  it("leaves a dropped stream to the browser's own retry, and reopens one stuck connecting", async () => {
    vi.spyOn(Math, "random").mockReturnValue(0.999);
    const { result, es } = await start();
    // the browser retries at the server's `retry:` (and sends Last-Event-ID): no new stream
    act(() => es.drop());
    expect(result.current.connection).not.toBe("live");
    await advance(SSE_STUCK_MS - 100);
    expect(made()).toBe(1);
    act(() => {
      es.open();
      es.emit("hello", { servedBy: "member1/data-api" });
    });
    expect(result.current.connection).toBe("live");
    await advance(60_000);
    expect(made()).toBe(1);

    // dropped again and never connecting: closed and reopened after SSE_STUCK_MS, then again
    // while each new one hangs (no open, no error), the backoff taking over once it is the
    // longer wait; each new stream's clock starts at its reopen
    act(() => es.drop());
    let late = 0;
    for (const wait of [SSE_STUCK_MS, SSE_STUCK_MS, SSE_STUCK_MS, 7996]) {
      const n = made();
      await advance(wait - 50 - late);
      expect(made()).toBe(n);
      await advance(100);
      expect(made()).toBe(n + 1);
      expect(FakeEventSource.all[n - 1].readyState).toBe(FakeEventSource.CLOSED);
      late = 50;
    }
  });

  it("reopens nothing once the page is gone", async () => {
    const { es, unmount } = await start();
    unmount();
    act(() => es.fail());
    await advance(60_000);
    expect(made()).toBe(1);
  });
});

describe("commits", () => {
  it("refetch nothing when the batch changed no row, and move the last collection with the event", async () => {
    served["/api/ha/status"] = haStatus(); // accidents last collected 31 s ago
    const { es, result } = await start();
    const before = { accidents: count("/api/accidents/latest"), stats: count("/api/accidents/stats") };
    const ha = count("/api/ha/status");
    const committed = Date.now() - 1000; // the event id's time: Redis's clock at the commit
    act(() =>
      es.emit(
        "commit",
        { type: "commit", kind: "accidents", inserted: 0, duplicates: 12, changed: 0 },
        `${committed}-0`,
      ),
    );
    await advance(300);
    expect(count("/api/accidents/latest")).toBe(before.accidents);
    expect(count("/api/accidents/stats")).toBe(before.stats);
    expect(count("/api/ha/status")).toBe(ha);
    const accidents = result.current.ha?.collections.find((c) => c.kind === "accidents");
    expect(Date.parse(accidents?.at ?? "")).toBe(committed);

    // an incident new, updated or cleared: the list moved
    act(() => es.emit("commit", { type: "commit", kind: "accidents", inserted: 0, duplicates: 9, changed: 3 }));
    await advance(300);
    expect(count("/api/accidents/latest")).toBe(before.accidents + 1);
    expect(count("/api/accidents/stats")).toBe(before.stats + 1);

    // an older server's commit (no changed count): as before
    act(() => es.emit("commit", { type: "commit", kind: "accidents", inserted: 0, duplicates: 9 }));
    await advance(300);
    expect(count("/api/accidents/latest")).toBe(before.accidents + 2);
    expect(count("/api/ha/status")).toBe(ha);
  });
});

describe("a commit that changed rows", () => {
  it("fetches only the changed incidents and notices and merges them into what the page holds", async () => {
    const a = incident({ id: 1, occurredAt: "2026-11-27T13:00:00+09:00" });
    const b = incident({ id: 2, occurredAt: "2026-11-27T12:00:00+09:00" });
    const n1 = notice({ id: 7 });
    const n2 = notice({ id: 8 });
    served["/api/accidents/latest"] = [a, b];
    served["/api/notices"] = [n1, n2];
    served["/api/ha/status"] = haStatus();
    const { es, result } = await start();
    expect(result.current.accidents?.map((i) => i.id)).toEqual([1, 2]);

    // b's progress moved, a new incident c came, notice 8 cleared
    const moved = { ...b, processName: "처리중" };
    const c = incident({ id: 3, occurredAt: "2026-11-27T13:30:00+09:00" });
    served["/api/accidents/latest"] = [c, moved];
    served["/api/notices"] = [{ ...n2, active: false }];
    requests.length = 0;
    act(() => es.emit("commit", { type: "commit", kind: "accidents", inserted: 1, duplicates: 2, changed: 3 }));
    await advance(300);
    const asked = requests.map((r) => r.url).filter((u) => /accidents\/latest|notices/.test(u));
    expect(asked).toHaveLength(2);
    for (const url of asked) expect(url).toMatch(/changedSince=\d{4}-\d\d-\d\dT\d\d%3A\d\d%3A[03]0\.000Z$/);
    expect(result.current.accidents?.map((i) => [i.id, i.processName])).toEqual([
      [3, c.processName],
      [1, a.processName],
      [2, "처리중"],
    ]);
    expect(result.current.notices?.map((n) => n.id)).toEqual([7]);

    // a fresh hello (the stream could not resume): whole lists again
    served["/api/accidents/latest"] = [a];
    requests.length = 0;
    act(() => es.emit("hello", { servedBy: "member1/gateway", resumed: false }));
    await advance(300);
    expect(requests.map((r) => r.url)).toContain("/api/accidents/latest?limit=1000");
    expect(result.current.accidents?.map((i) => i.id)).toEqual([1]);
  });

  it("fetches the whole list again once it is five minutes old", async () => {
    served["/api/accidents/latest"] = [];
    const { es } = await start();
    await advance(5 * 60_000);
    requests.length = 0;
    act(() => es.emit("commit", { type: "commit", kind: "accidents", inserted: 1, duplicates: 0, changed: 1 }));
    await advance(300);
    expect(requests.map((r) => r.url)).toContain("/api/accidents/latest?limit=1000");
  });
});

describe("the geometry's version", () => {
  beforeEach(() => {
    served["/api/network/outline"] = collection([]);
  });

  it("is learned from an answer, kept for the next visit, and asked for then", async () => {
    geometryVersion = "3f9c0a1b2d4e6f70";
    const first = await start();
    expect(layerRequests().map((r) => r.url)).toEqual([
      "/api/network",
      "/api/network/sections?v=3f9c0a1b2d4e6f70",
      "/api/network/outline?v=3f9c0a1b2d4e6f70",
    ]);
    expect(localStorage.getItem(NETWORK_VERSION_KEY)).toBe("3f9c0a1b2d4e6f70");
    first.unmount();

    // a reload: every layer at the version kept, the browser's cache free to answer
    requests.length = 0;
    const { result } = await start();
    expect(layerRequests()).toEqual([
      { url: "/api/network?v=3f9c0a1b2d4e6f70", cache: undefined },
      { url: "/api/network/sections?v=3f9c0a1b2d4e6f70", cache: undefined },
      { url: "/api/network/outline?v=3f9c0a1b2d4e6f70", cache: undefined },
    ]);
    expect(result.current.sections?.features).toHaveLength(1);
  });

  it("is URL-encoded", async () => {
    localStorage.setItem(NETWORK_VERSION_KEY, "a/b c");
    geometryVersion = "a/b c";
    await start();
    expect(layerRequests()[0].url).toBe("/api/network?v=a%2Fb%20c");
  });

  it("is revalidated when the network is refetched, and moves to the one the answer names", async () => {
    localStorage.setItem(NETWORK_VERSION_KEY, "v1");
    geometryVersion = "v1";
    const { result, es } = await start();
    requests.length = 0;

    // relearned: a cached v1 answer must not hide it, so the refetch revalidates
    geometryVersion = "v2";
    served["/api/network/sections"] = collection([A, B]);
    act(() => es.emit("commit", { type: "commit", kind: "road", inserted: 4, changed: null, version: 2 }));
    await advance(NETWORK_DELAY_MS + 100);
    expect(layerRequests()).toEqual([
      { url: "/api/network?v=v1", cache: "no-cache" },
      { url: "/api/network/sections?v=v2", cache: "no-cache" },
    ]);
    expect(localStorage.getItem(NETWORK_VERSION_KEY)).toBe("v2");
    expect(result.current.sections?.features).toHaveLength(2);
  });

  it("is kept in memory when storage is unavailable", async () => {
    vi.spyOn(Storage.prototype, "getItem").mockImplementation(() => {
      throw new DOMException("The operation is insecure.", "SecurityError");
    });
    vi.spyOn(Storage.prototype, "setItem").mockImplementation(() => {
      throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
    });
    geometryVersion = "v1";
    const { result } = await start();
    expect(layerRequests().map((r) => r.url)).toEqual([
      "/api/network",
      "/api/network/sections?v=v1",
      "/api/network/outline?v=v1",
    ]);
    expect(result.current.network?.features).toHaveLength(1);
  });

  it("is not asked for when the server names none (an older server)", async () => {
    await start();
    expect(layerRequests().map((r) => r.url)).toEqual([
      "/api/network",
      "/api/network/sections",
      "/api/network/outline",
    ]);
    expect(localStorage.getItem(NETWORK_VERSION_KEY)).toBeNull();
  });
});
