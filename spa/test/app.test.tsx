// The clock ticks in the leaves: App and the tabs render on data, not every second.
import { act, render, screen } from "@testing-library/react";
import { useState } from "react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { LiveData } from "../src/api/useLiveData";
import { haStatus, incident } from "./fixtures";

const NOW = Date.parse("2026-11-27T13:48:00+09:00");

// Probes: App calls useLiveData once per render, the dashboard tab calls incidentTime once per
// listed incident per render (its rows' relative times tick in <Ago>, which calls neither).
const probes = vi.hoisted(() => ({
  appRenders: 0,
  setData: null as null | ((f: (d: LiveData) => LiveData) => void),
  initial: null as null | LiveData,
}));

vi.mock("../src/api/useLiveData", () => ({
  useLiveData: () => {
    probes.appRenders += 1;
    const [data, setData] = useState<LiveData>(() => probes.initial as LiveData);
    probes.setData = setData;
    return { ...data, refetch: () => {} };
  },
}));
vi.mock("../src/lib/incidents", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../src/lib/incidents")>();
  return { ...actual, incidentTime: vi.fn(actual.incidentTime) };
});

const { App } = await import("../src/App");
const { incidentTime } = await import("../src/lib/incidents");

function liveData(): LiveData {
  return {
    accidents: [incident({ id: 1, occurredAt: "2026-11-27T13:47:00+09:00" }), incident({ id: 2 })],
    stats: null,
    notices: [],
    tollgates: [],
    roadStatus: [],
    roadSummary: [],
    ha: haStatus(),
    network: { type: "FeatureCollection", features: [] },
    sections: { type: "FeatureCollection", features: [] },
    outline: null,
    errors: {},
    failures: {},
    clockOffsetMs: 0,
    lastUpdate: NOW - 4000,
    servedBy: null,
    recentServers: { member1: NOW - 2000 },
    connection: "live",
    snapshot: null,
    timeline: [],
  };
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(NOW);
  probes.appRenders = 0;
  probes.initial = liveData();
  vi.mocked(incidentTime).mockClear();
  window.history.replaceState(null, "", "/?lang=ko");
});
afterEach(() => {
  vi.useRealTimers();
});

describe("the clock", () => {
  it("re-renders the relative times each second, not App or the tab", () => {
    render(<App />);
    const appRenders = probes.appRenders;
    const tabRenders = vi.mocked(incidentTime).mock.calls.length;
    expect(appRenders).toBeGreaterThan(0);
    expect(tabRenders).toBeGreaterThan(0);
    expect(screen.getByTestId("last-update").textContent).toContain("4초 전");
    expect(screen.getByTestId("latest-incidents").textContent).toContain("1분 전");

    act(() => {
      vi.advanceTimersByTime(5000);
    });
    expect(screen.getByTestId("last-update").textContent).toContain("9초 전");
    expect(screen.getByTestId("served-by").parentElement?.textContent).toContain("member1 · 7초 전");
    expect(probes.appRenders).toBe(appRenders);
    expect(vi.mocked(incidentTime).mock.calls.length).toBe(tabRenders);
  });

  it("leaves a tab alone when data it does not take changes", () => {
    render(<App />);
    const appRenders = probes.appRenders;
    const tabRenders = vi.mocked(incidentTime).mock.calls.length;
    act(() => {
      probes.setData?.((d) => ({ ...d, ha: haStatus({ epoch: 2 }), recentServers: { member2: NOW } }));
    });
    expect(probes.appRenders).toBeGreaterThan(appRenders);
    expect(vi.mocked(incidentTime).mock.calls.length).toBe(tabRenders);

    act(() => {
      probes.setData?.((d) => ({ ...d, accidents: [incident({ id: 3 })] }));
    });
    expect(vi.mocked(incidentTime).mock.calls.length).toBeGreaterThan(tabRenders);
  });
});
