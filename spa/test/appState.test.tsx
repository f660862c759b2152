// The app's tabs and URL: WAI-ARIA tabs (tablist, tab, tabpanel; arrows move), and the URL
// holding tab, selection, filters and map view, restored on open and on back/forward.
import { act, fireEvent, render, screen } from "@testing-library/react";
import { useState } from "react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { LiveData } from "../src/api/useLiveData";
import { haStatus, incident, tollgate } from "./fixtures";

const NOW = Date.parse("2026-11-27T13:48:00+09:00");
const initial = vi.hoisted(() => ({ data: null as unknown }));

vi.mock("../src/api/useLiveData", () => ({
  useLiveData: () => {
    const [data] = useState(() => initial.data as LiveData);
    return { ...data, refetch: () => {} };
  },
}));
const { App } = await import("../src/App");

function liveData(): LiveData {
  return {
    accidents: [
      incident({ id: 1, roadNM: "경부선", accType: "사고", latitude: 37.4, altitude: 127.1 }),
      incident({ id: 2, roadNM: "호남선", accType: "작업" }),
    ],
    stats: null,
    notices: [],
    tollgates: [
      tollgate({ unitCode: "101", unitName: "서울", latestTrafficAmount: 300 }),
      tollgate({ unitCode: "102", unitName: "부산" }),
    ],
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
    recentServers: {},
    connection: "live",
    snapshot: null,
    timeline: [],
  };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(NOW);
  initial.data = liveData();
  Element.prototype.scrollIntoView = vi.fn();
});
afterEach(() => vi.useRealTimers());

const params = () => new URLSearchParams(window.location.search);

describe("tabs", () => {
  it("are a tablist of tabs controlling one labelled tabpanel, not role=tabpanel on <main>", () => {
    window.history.replaceState(null, "", "/?lang=ko&tab=road");
    render(<App />);
    expect(document.querySelector("main")?.getAttribute("role")).toBeNull();
    const tabs = screen.getAllByRole("tab");
    expect(tabs).toHaveLength(4);
    const selected = tabs.filter((t) => t.getAttribute("aria-selected") === "true");
    expect(selected).toHaveLength(1);
    const panel = screen.getByRole("tabpanel");
    expect(selected[0].getAttribute("aria-controls")).toBe(panel.id);
    expect(panel.getAttribute("aria-labelledby")).toBe(selected[0].id);
    expect(tabs.map((t) => t.tabIndex)).toEqual([-1, -1, -1, 0]);
  });
  it("move with the arrow keys, Home and End, the focus going along", () => {
    window.history.replaceState(null, "", "/?lang=ko");
    render(<App />);
    const tab = (name: string) => screen.getByTestId(`tab-${name}`);
    tab("dashboard").focus();
    fireEvent.keyDown(tab("dashboard"), { key: "ArrowRight" });
    expect(tab("accidents").getAttribute("aria-selected")).toBe("true");
    expect(document.activeElement).toBe(tab("accidents"));
    fireEvent.keyDown(tab("accidents"), { key: "End" });
    expect(tab("road").getAttribute("aria-selected")).toBe("true");
    fireEvent.keyDown(tab("road"), { key: "ArrowRight" });
    expect(tab("dashboard").getAttribute("aria-selected")).toBe("true");
    expect(params().get("tab")).toBeNull();
  });
});

describe("the URL", () => {
  it("opens on the tab, selection and filters it holds", () => {
    window.history.replaceState(
      null,
      "",
      "/?lang=ko&tab=accidents&incident=1&route=경부선&type=사고&map=37.4,127.1,10",
    );
    render(<App />);
    expect(screen.getByTestId("tab-accidents").getAttribute("aria-selected")).toBe("true");
    expect((screen.getByTestId("filter-route") as HTMLSelectElement).value).toBe("경부선");
    expect((screen.getByTestId("filter-type") as HTMLSelectElement).value).toBe("사고");
    expect(screen.getByTestId("incident-count").textContent).toBe("1");
    const row = document.querySelector('[data-testid="accident-row"][data-incident-id="1"]');
    expect(row?.getAttribute("aria-selected")).toBe("true");
  });
  it("pushes a new entry for a tab or a selection, replaces it for a filter, and walks back", () => {
    window.history.replaceState(null, "", "/?lang=ko");
    render(<App />);
    const length = window.history.length;
    fireEvent.click(screen.getByTestId("tab-tollgates"));
    expect(params().get("tab")).toBe("tollgates");
    expect(window.history.length).toBe(length + 1);
    fireEvent.click(document.querySelector('[data-testid="tollgate-row"][data-unit-code="102"]') as HTMLElement);
    expect(params().get("tollgate")).toBe("102");
    expect(window.history.length).toBe(length + 2);
    fireEvent.change(screen.getByTestId("tollgate-search"), { target: { value: "부" } });
    expect(params().get("tq")).toBe("부");
    expect(window.history.length).toBe(length + 2);
    expect(params().get("lang")).toBe("ko");

    // back: the entry before the selection, as it was left
    act(() => {
      window.history.replaceState(null, "", "/?lang=ko&tab=tollgates");
      window.dispatchEvent(new PopStateEvent("popstate"));
    });
    expect(screen.getByTestId("tab-tollgates").getAttribute("aria-selected")).toBe("true");
    expect(screen.getByTestId("tollgate-detail").textContent).toContain("서울");
    act(() => {
      window.history.replaceState(null, "", "/?lang=ko");
      window.dispatchEvent(new PopStateEvent("popstate"));
    });
    expect(screen.getByTestId("tab-dashboard").getAttribute("aria-selected")).toBe("true");
  });
  it("opens an incident clicked on the dashboard in the incidents tab, as a new entry, flying to it", () => {
    // the dashboard's map was moved: that view is not the incident's
    window.history.replaceState(null, "", "/?lang=ko&map=35.1,129.0,8");
    render(<App />);
    fireEvent.click(screen.getByTestId("latest-incidents").querySelector("button") as HTMLElement);
    expect(params().get("tab")).toBe("accidents");
    expect(params().get("incident")).toBe("1");
    // flown to (the map's view in the URL is now the incident's), its popup open
    expect(params().get("map")).toBe("37.4000,127.1000,10");
    expect(document.querySelector(".leaflet-popup")?.textContent).toContain("경부선");
  });
});
