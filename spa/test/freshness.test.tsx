// The live chip is honest: it warns when a kind's data is older than twice its collection interval
// or when requests fail, says which, turns back when they recover, and loading is not "down".
import { act, render, screen } from "@testing-library/react";
import type { ReactNode } from "react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { HaCollection, HaStatus } from "../src/api/types";
import { useLiveData } from "../src/api/useLiveData";
import { HaPanel } from "../src/components/HaPanel";
import { Header } from "../src/components/Header";
import { LiveChip } from "../src/components/LiveChip";
import { DICTS, I18nContext, type Lang } from "../src/i18n";
import { chipState, clockOffset, noteCommit, staleKinds } from "../src/lib/freshness";
import type { ConnectionState, Resource } from "../src/lib/live";
import { haStatus } from "./fixtures";
import { FakeEventSource } from "./eventSource";

const NOW = Date.parse("2026-11-27T13:48:00+09:00");
/** An ISO time `secondsAgo` before NOW, written as the server writes it (+09:00). */
const kstAgo = (secondsAgo: number) => {
  const d = new Date(NOW - secondsAgo * 1000 + 9 * 3600_000);
  return `${d.toISOString().slice(0, 19)}+09:00`;
};
function coll(kind: string, secondsAgo: number, intervalSeconds: number | null): HaCollection {
  return { kind, at: kstAgo(secondsAgo), ok: true, records: 1, source: "sim", error: null, intervalSeconds };
}
function withCollections(collections: HaCollection[]): HaStatus {
  return { ...haStatus(), collections };
}
function withLang(ui: ReactNode, lang: Lang = "ko") {
  return <I18nContext.Provider value={{ lang, t: (k) => DICTS[lang][k] }}>{ui}</I18nContext.Provider>;
}
const chip = () => screen.getByTestId("connection-state");

function renderChip(
  props: {
    collections?: HaCollection[];
    failures?: Partial<Record<Resource, number>>;
    connection?: ConnectionState;
    clockOffsetMs?: number;
    loaded?: boolean;
  },
  lang: Lang = "ko",
) {
  return render(
    withLang(
      <LiveChip
        connection={props.connection ?? "live"}
        failures={props.failures ?? {}}
        collections={props.collections ?? []}
        clockOffsetMs={props.clockOffsetMs ?? 0}
        loaded={props.loaded ?? true}
      />,
      lang,
    ),
  );
}

describe("freshness logic", () => {
  it("moves a kind's last collection up to a commit's time, and nothing else", () => {
    const ha = withCollections([coll("accidents", 25, 10), coll("road", 5, 30)]);
    expect(staleKinds(ha.collections, NOW).map((s) => s.kind)).toEqual(["accidents"]);
    const moved = noteCommit(ha, "accidents", NOW - 1000);
    expect(moved).not.toBe(ha);
    expect(staleKinds(moved?.collections, NOW)).toEqual([]);
    expect(moved?.collections[1]).toBe(ha.collections[1]);
    // an older commit, an unknown kind or no status: the same object
    expect(noteCommit(ha, "road", NOW - 60_000)).toBe(ha);
    expect(noteCommit(ha, "weird", NOW)).toBe(ha);
    expect(noteCommit(null, "road", NOW)).toBeNull();
    expect(noteCommit(ha, "road", Number.NaN)).toBe(ha);
  });

  it("finds the kinds older than twice their interval, worst first, skipping unknown intervals", () => {
    const stale = staleKinds(
      [
        coll("accidents", 15, 10), // 1.5 intervals: fresh
        coll("road", 660, 300), // 2.2 intervals
        coll("tollgate", 3600, 900), // 4 intervals
        coll("vds", 10 * 86400, null), // no interval: not judged
      ],
      NOW,
    );
    expect(stale.map((s) => s.kind)).toEqual(["tollgate", "road"]);
    expect(stale[1].ageMs).toBe(660_000);
    expect(staleKinds([coll("accidents", 21, 10)], NOW).map((s) => s.kind)).toEqual(["accidents"]);
    expect(staleKinds([coll("accidents", 20, 10)], NOW)).toEqual([]);
    expect(staleKinds(null, NOW)).toEqual([]);
  });

  it("puts failing requests before staleness, and loading last", () => {
    const base = { connection: "live" as const, serverNow: NOW, loaded: true };
    const stale = [coll("road", 900, 300)];
    expect(chipState({ ...base, failures: { ha: 1, roadStatus: 3 }, collections: stale })).toMatchObject({
      freshness: "failing",
      failures: 3,
      failing: [
        ["roadStatus", 3],
        ["ha", 1],
      ],
    });
    expect(chipState({ ...base, failures: {}, collections: stale }).freshness).toBe("stale");
    expect(chipState({ ...base, failures: {}, collections: [] }).freshness).toBe("ok");
    expect(chipState({ ...base, failures: {}, collections: null, loaded: false }).freshness).toBe("loading");
  });

  it("reads the server's clock from the Date header, ignoring its rounding", () => {
    const receivedAt = NOW;
    expect(clockOffset(new Date(NOW + 60_000).toUTCString(), receivedAt)).toBe(60_500);
    expect(clockOffset(new Date(NOW - 120_000).toUTCString(), receivedAt)).toBe(-119_500);
    expect(clockOffset(new Date(NOW).toUTCString(), receivedAt)).toBe(0);
    expect(clockOffset(null, receivedAt)).toBeNull();
    expect(clockOffset("not a date", receivedAt)).toBeNull();
  });
});

describe("the live chip", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(NOW);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("stays green while every kind is fresh", () => {
    renderChip({ collections: [coll("accidents", 5, 10), coll("road", 200, 300)] });
    expect(chip().getAttribute("data-freshness")).toBe("ok");
    expect(chip().textContent).toBe("실시간 (SSE)");
    expect(chip().querySelector(".bg-emerald-500")).toBeTruthy();
  });

  it("warns which kind is stale and how old it is, in Korean and English", () => {
    const collections = [coll("accidents", 5, 10), coll("road", 45 * 60, 300), coll("tollgate", 40 * 60, 900)];
    const { unmount } = renderChip({ collections });
    expect(chip().getAttribute("data-freshness")).toBe("stale");
    expect(chip().getAttribute("data-stale")).toBe("road tollgate");
    expect(chip().textContent).toContain("데이터 지연 · 도로 소통 45분 전 외 1");
    expect(chip().getAttribute("title")).toContain("요금소 교통량: 마지막 수집 40분 전 (수집 주기 15분의 2배 초과)");
    expect(chip().className).toContain("border-amber-500");
    expect(chip().querySelector(".bg-emerald-500")).toBeNull();
    unmount();
    renderChip({ collections }, "en");
    expect(chip().textContent).toContain("Data delayed · road flow 45 min ago +1 more");
  });

  it("turns to a warning as the clock passes twice the interval", () => {
    renderChip({ collections: [coll("accidents", 15, 10)] });
    expect(chip().getAttribute("data-freshness")).toBe("ok");
    act(() => {
      vi.advanceTimersByTime(6000);
    });
    expect(chip().getAttribute("data-freshness")).toBe("stale");
    expect(chip().textContent).toContain("데이터 지연 · 돌발상황 21초 전");
  });

  it("judges ages on the server's clock, not a browser clock that runs ahead", () => {
    // The browser's clock is 10 min ahead: fresh data (5 s old on the server) looks 605 s old.
    vi.setSystemTime(NOW + 600_000);
    const { unmount } = renderChip({ collections: [coll("accidents", 5, 10)], clockOffsetMs: -600_000 });
    expect(chip().getAttribute("data-freshness")).toBe("ok");
    unmount();
    renderChip({ collections: [coll("accidents", 5, 10)], clockOffsetMs: 0 });
    expect(chip().getAttribute("data-freshness")).toBe("stale");
  });

  it("says how many requests failed in a row, red when no stream is open either", () => {
    const { unmount } = renderChip({ failures: { roadStatus: 3, ha: 1 }, collections: [coll("road", 900, 300)] });
    expect(chip().getAttribute("data-freshness")).toBe("failing");
    expect(chip().getAttribute("data-failures")).toBe("3");
    expect(chip().textContent).toContain("요청 실패 (3회)");
    expect(chip().getAttribute("title")).toContain("roadStatus: 연속 3회 실패");
    expect(chip().getAttribute("title")).toContain("도로 소통: 마지막 수집 15분 전");
    expect(chip().className).toContain("border-amber-500");
    unmount();
    renderChip({ failures: { ha: 2 }, connection: "offline" }, "en");
    expect(chip().textContent).toContain("Requests failing (2×)");
    expect(chip().className).toContain("border-red-500");
  });

  it("shows loading as connecting, not offline or polling", () => {
    renderChip({ loaded: false, connection: "polling", collections: [] });
    expect(chip().getAttribute("data-freshness")).toBe("loading");
    expect(chip().textContent).toBe("연결 중…");
  });
});

describe("the HA panel before the first status", () => {
  it("shows the members as being checked, not down", () => {
    render(withLang(<HaPanel ha={null} snapshot={null} servedBy={null} recentServers={{}} timeline={[]} />));
    for (const m of ["member1", "member2"]) {
      const card = screen.getByTestId(`ha-member-${m}`);
      expect(card.getAttribute("data-health")).toBe("loading");
      expect(card.textContent).toContain("확인 중");
      expect(card.textContent).not.toContain("중단");
      expect(card.className).not.toContain("border-red");
      expect(card.querySelector(".bg-red-500")).toBeNull();
    }
  });
});

// --- useLiveData behind the header: failures counted per resource, cleared when one answers ------

/** What the fake API does now: "ok" answers (the HA status from `ha`), "fail" answers 502. */
let mode: "ok" | "fail" | "hang";
let ha: HaStatus;
/** The server's clock minus the browser's, for the Date header. */
let serverAhead = 0;

function fakeFetch(input: RequestInfo | URL): Promise<Response> {
  const path = String(input).split("?")[0];
  if (mode === "hang") return new Promise(() => {});
  const ok = mode === "ok";
  const body = path === "/api/ha/status" ? ha : path.startsWith("/api/network") ? null : [];
  const text = JSON.stringify(body);
  return Promise.resolve({
    ok: ok && body !== null,
    status: !ok ? 502 : body === null ? 404 : 200,
    headers: new Headers({
      "X-Served-By": "member1/data-api",
      Date: new Date(Date.now() + serverAhead).toUTCString(),
    }),
    json: () => Promise.resolve(JSON.parse(text)),
    text: () => Promise.resolve(text),
  } as unknown as Response);
}

function Harness() {
  const d = useLiveData();
  return withLang(
    <>
      <Header
        ha={d.ha}
        connection={d.connection}
        failures={d.failures}
        clockOffsetMs={d.clockOffsetMs}
        lastUpdate={d.lastUpdate}
        onToggleLang={() => {}}
        haOpen
        onToggleHa={() => {}}
      />
      <HaPanel
        ha={d.ha}
        snapshot={d.snapshot}
        servedBy={d.servedBy}
        recentServers={d.recentServers}
        timeline={d.timeline}
      />
    </>,
  );
}

async function advance(ms: number) {
  await act(async () => {
    await vi.advanceTimersByTimeAsync(ms);
  });
}

describe("the chip on live data", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(NOW);
    mode = "ok";
    serverAhead = 0;
    ha = withCollections([coll("accidents", 2, 10)]);
    FakeEventSource.last = null;
    vi.stubGlobal("EventSource", FakeEventSource);
    vi.stubGlobal("fetch", vi.fn(fakeFetch));
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });

  it("shows loading, not members down, until the first answers", async () => {
    mode = "hang";
    render(<Harness />);
    await advance(0);
    expect(chip().getAttribute("data-freshness")).toBe("loading");
    expect(chip().textContent).toBe("연결 중…");
    expect(screen.getByTestId("ha-member-member1").getAttribute("data-health")).toBe("loading");
    expect(screen.getByTestId("ha-member-member1").textContent).not.toContain("중단");
  });

  it("counts failed requests in a row while polling, and turns green again when they answer", async () => {
    render(<Harness />);
    await advance(0);
    act(() => FakeEventSource.last?.open());
    expect(chip().getAttribute("data-freshness")).toBe("ok");
    expect(chip().textContent).toBe("실시간 (SSE)");

    // the stream drops and every request fails: the initial load, then a poll every 5 s
    mode = "fail";
    act(() => FakeEventSource.last?.onerror?.());
    if (FakeEventSource.last) FakeEventSource.last.readyState = FakeEventSource.CONNECTING;
    await advance(5000 + 300);
    expect(chip().getAttribute("data-freshness")).toBe("failing");
    expect(chip().textContent).toContain("요청 실패 (1회)");
    await advance(10_000);
    expect(chip().textContent).toContain("요청 실패 (3회)");
    expect(chip().className).toContain("border-red-500");

    // the API answers again (fresh data) and the stream comes back
    mode = "ok";
    ha = withCollections([coll("accidents", -13, 10)]);
    await advance(5000);
    expect(chip().getAttribute("data-freshness")).toBe("ok");
    expect(chip().getAttribute("data-failures")).toBe("0");
    act(() => FakeEventSource.last?.open());
    expect(chip().textContent).toBe("실시간 (SSE)");
    expect(chip().querySelector(".bg-emerald-500")).toBeTruthy();
  });

  it("warns while the HA status says a kind is stale, and clears when a commit brings fresh data", async () => {
    ha = withCollections([coll("accidents", 2, 10), coll("road", 12 * 60, 300)]);
    render(<Harness />);
    await advance(0);
    act(() => FakeEventSource.last?.open());
    expect(chip().getAttribute("data-freshness")).toBe("stale");
    expect(chip().textContent).toContain("데이터 지연 · 도로 소통 12분 전");

    // the commit's event id carries its server time: the road collection is fresh at once
    act(() => FakeEventSource.last?.emit("commit", { kind: "road" }, `${NOW - 1000}-0`));
    await advance(300);
    expect(chip().getAttribute("data-freshness")).toBe("ok");
    expect(chip().textContent).toBe("실시간 (SSE)");
  });

  it("warns when nothing new comes in, though every request answers", async () => {
    // the leader is gone: the HA status answers, its last accidents collection ages
    render(<Harness />);
    await advance(0);
    act(() => FakeEventSource.last?.open());
    expect(chip().getAttribute("data-freshness")).toBe("ok");
    await advance(20_000);
    expect(chip().getAttribute("data-freshness")).toBe("stale");
    expect(chip().textContent).toContain("데이터 지연 · 돌발상황 22초 전");
  });

  it("takes the server's clock from the HA status's Date header", async () => {
    // the browser's clock runs 10 min behind the server's: data 30 s old looks fresh to it
    serverAhead = 600_000;
    ha = withCollections([coll("accidents", 30 - 600, 10)]);
    render(<Harness />);
    await advance(0);
    act(() => FakeEventSource.last?.open());
    expect(chip().getAttribute("data-freshness")).toBe("stale");
    expect(chip().textContent).toMatch(/돌발상황 3[01]초 전/);
  });
});
