import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { act, fireEvent, render, screen, within } from "@testing-library/react";
import type { ReactNode } from "react";
import { Polyline } from "leaflet";
import type { RoadStatus, SectionFeature } from "../src/api/types";
import type { LiveData } from "../src/api/useLiveData";
import { DICTS, I18nContext } from "../src/i18n";
import { GRADE_COLORS } from "../src/lib/colors";
import { IncidentsTab } from "../src/tabs/IncidentsTab";
import { DashboardTab } from "../src/tabs/DashboardTab";
import { RoadTab } from "../src/tabs/RoadTab";
import { TollgatesTab } from "../src/tabs/TollgatesTab";
import { incident, notice, roadStatus, section, summary, tollgate } from "./fixtures";

function withKo(ui: ReactNode) {
  return <I18nContext.Provider value={{ lang: "ko", t: (k) => DICTS.ko[k] }}>{ui}</I18nContext.Provider>;
}
const NOW = Date.parse("2026-11-27T13:48:00+09:00");

// What App passes the tabs, empty: each test sets the payloads it draws.
const MAPS = { network: { type: "FeatureCollection", features: [] }, outline: null } satisfies Pick<
  LiveData,
  "network" | "outline"
>;
const EMPTY = {
  ...MAPS,
  accidents: [],
  stats: null,
  notices: [],
  tollgates: [],
  roadStatus: [],
  roadSummary: [],
  sections: { type: "FeatureCollection", features: [] },
} satisfies Partial<LiveData>;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(NOW);
});
afterEach(() => {
  vi.useRealTimers();
});

const incidents = [
  incident({ id: 1, accType: "사고", roadNM: "경부선", latitude: 37.4, altitude: 127.1 }),
  incident({ id: 2, accType: "작업", roadNM: "경부선", latitude: 36.4, altitude: 127.4 }),
  incident({ id: 3, accType: "고장", roadNM: "호남선", latitude: null, altitude: null }),
  incident({ id: 4, accType: "정체", roadNM: "호남선", latitude: 45.0, altitude: 140.0 }), // outside the box
  incident({
    id: 5,
    accType: "장애물",
    roadNM: "호남선",
    latitude: 35.2,
    altitude: 126.8,
    smsText: `<img src=x onerror="window.__pwned2()">`,
  }),
];

describe("incidents tab", () => {
  it("draws one marker per incident with valid coordinates and counts the rest as unmapped", () => {
    render(withKo(<IncidentsTab {...MAPS} accidents={incidents} />));
    expect(screen.getByTestId("incident-count").textContent).toBe("5");
    expect(screen.getByTestId("incident-unmapped").textContent).toBe("2");
    expect(screen.getByTestId("incident-mapped").textContent).toBe("3");
    expect(document.querySelectorAll("path.incident-marker")).toHaveLength(3);
    expect(screen.getAllByTestId("accident-row")).toHaveLength(5);
  });
  it("filters list and markers together", () => {
    render(withKo(<IncidentsTab {...MAPS} accidents={incidents} />));
    fireEvent.change(screen.getByTestId("filter-route"), { target: { value: "경부선" } });
    expect(screen.getByTestId("incident-count").textContent).toBe("2");
    expect(document.querySelectorAll("path.incident-marker")).toHaveLength(2);
    fireEvent.change(screen.getByTestId("filter-route"), { target: { value: "" } });
    fireEvent.change(screen.getByTestId("filter-search"), { target: { value: "없음없음" } });
    expect(screen.getByTestId("incident-count").textContent).toBe("0");
    expect(document.querySelectorAll("path.incident-marker")).toHaveLength(0);
  });
  it("links marker -> row and row -> popup; popup text is not HTML", async () => {
    Element.prototype.scrollIntoView = vi.fn();
    const pwned = vi.fn();
    (window as unknown as { __pwned2: () => void }).__pwned2 = pwned;
    render(withKo(<IncidentsTab {...MAPS} accidents={incidents} />));
    const markers = document.querySelectorAll("path.incident-marker");
    await act(async () => {
      fireEvent.click(markers[1]);
    });
    const selected = document.querySelectorAll('[data-testid="accident-row"][aria-selected="true"]');
    expect(selected).toHaveLength(1);
    expect(selected[0].getAttribute("data-incident-id")).toBe("2");

    const row5 = document.querySelector('[data-incident-id="5"]') as HTMLElement;
    await act(async () => {
      fireEvent.click(row5);
    });
    const popup = document.querySelector(".leaflet-popup");
    expect(popup).not.toBeNull();
    expect(popup?.querySelector("img")).toBeNull();
    expect(popup?.textContent).toContain("<img src=x");
    expect(pwned).not.toHaveBeenCalled();
  });
});

describe("incidents tab: active and cleared", () => {
  it("draws cleared incidents hollow, counts them apart and filters on the state", () => {
    const cleared = incident({
      id: 6,
      accType: "사고",
      latitude: 36.0,
      altitude: 127.0,
      active: false,
      clearedAt: "2026-11-27T13:40:00+09:00",
    });
    render(withKo(<IncidentsTab {...MAPS} accidents={[...incidents, cleared]} notices={[notice({ id: 1 })]} />));
    expect(screen.getByTestId("incident-active").textContent).toBe("5");
    expect(screen.getByTestId("incident-cleared").textContent).toBe("1");
    expect(document.querySelectorAll("path.incident-marker")).toHaveLength(4);
    expect(document.querySelectorAll("path.incident-marker-cleared")).toHaveLength(1);
    expect(within(screen.getByTestId("incidents-notices")).getAllByTestId("notice-row")).toHaveLength(1);
    fireEvent.change(screen.getByTestId("filter-state"), { target: { value: "cleared" } });
    expect(screen.getByTestId("incident-count").textContent).toBe("1");
    expect(screen.getByTestId("accident-row").getAttribute("data-state")).toBe("cleared");
  });
});

describe("dashboard tab", () => {
  it("computes the KPI cards from the payloads", () => {
    render(
      withKo(
        <DashboardTab
          {...EMPTY}
          accidents={incidents}
          tollgates={[
            tollgate({ unitCode: "1" }),
            tollgate({ unitCode: "2", latestTrafficAmount: null }),
            tollgate({ unitCode: "3", latestTrafficAmount: 900 }),
          ]}
          roadSummary={[summary({ routeNo: "0010", totalSections: 10, smoothSections: 5, avgSpeed: 80 })]}
          onOpenIncident={() => {}}
        />,
      ),
    );
    expect(screen.getByTestId("kpi-incidents-value").textContent).toBe("5");
    expect(screen.getByTestId("kpi-tollgates-value").textContent).toBe("2");
    expect(screen.getByTestId("kpi-routes-value").textContent).toBe("1");
    expect(screen.getByTestId("kpi-avg-speed-value").textContent).toBe("80.0");
    expect(screen.getByTestId("kpi-smooth-value").textContent).toBe("50.0");
    expect(screen.getByTestId("busiest-tollgates").textContent).toContain("900");
  });
  it("counts active incidents by type, keeps notices apart and shows today's figures", () => {
    const cleared = incident({ id: 9, accType: "사고", active: false, clearedAt: "2026-11-27T13:40:00+09:00" });
    render(
      withKo(
        <DashboardTab
          {...EMPTY}
          accidents={[...incidents, cleared]}
          notices={[notice({ id: 100 }), notice({ id: 101, smsText: "** 졸음쉼터 폐쇄 **" })]}
          stats={{
            totalAccidents: 6,
            todayAccidents: 4,
            activeAccidents: 5,
            clearedToday: 1,
            activeNotices: 2,
            byType: {},
          }}
          onOpenIncident={() => {}}
        />,
      ),
    );
    expect(screen.getByTestId("kpi-incidents-value").textContent).toBe("5"); // not the cleared one
    expect(screen.getByTestId("kpi-incidents-today").textContent).toBe("오늘 발생 4 · 오늘 해제 1");
    const byType = screen.getByTestId("by-type").textContent ?? "";
    expect(byType).not.toContain("이벤트/홍보");
    const notices = screen.getByTestId("dashboard-notices");
    expect(within(notices).getByTestId("notice-count").textContent).toBe("2");
    expect(within(notices).getAllByTestId("notice-row")).toHaveLength(2);
    expect(screen.getByTestId("latest-incidents").textContent).not.toContain("졸음쉼터");
  });
  it("shows a placeholder, not a number, while loading", () => {
    render(
      withKo(
        <DashboardTab {...EMPTY} accidents={null} tollgates={null} roadSummary={null} onOpenIncident={() => {}} />,
      ),
    );
    expect(screen.getByTestId("kpi-tollgates-value").textContent).toBe("…");
  });
});

describe("road and tollgate tabs", () => {
  it("draws road sections coloured by the joined grade", () => {
    render(
      withKo(
        <RoadTab
          {...MAPS}
          sections={{
            type: "FeatureCollection",
            features: [
              section({ conzoneId: "A", direction: "E" }),
              section({ conzoneId: "A", direction: "S" }),
              section({ conzoneId: "B" }),
            ],
          }}
          roadStatus={[roadStatus({ conzoneId: "A", updownTypeCode: "E", grade: 3 })]}
        />,
      ),
    );
    const paths = [...document.querySelectorAll("path.road-section")];
    expect(paths).toHaveLength(3);
    const strokes = paths.map((p) => p.getAttribute("stroke")).sort();
    expect(strokes).toEqual([GRADE_COLORS[0], GRADE_COLORS[0], GRADE_COLORS[3]].sort());
    expect(screen.getByTestId("road-count-3").textContent).toContain("1");
    fireEvent.change(screen.getByTestId("road-filter-direction"), { target: { value: "S" } });
    expect(document.querySelectorAll("path.road-section")).toHaveLength(1);
  });
  it("redraws only the sections a relearned network moved, in place", () => {
    const a = section({ conzoneId: "A" });
    const b = section({ conzoneId: "B" });
    b.geometry.coordinates = [
      [127.0, 37.0],
      [127.1, 37.1],
    ];
    const draw = (features: SectionFeature[], status: RoadStatus[]) =>
      withKo(<RoadTab {...MAPS} sections={{ type: "FeatureCollection", features }} roadStatus={status} />);
    const view = render(draw([a, b], []));
    const before = [...document.querySelectorAll("path.road-section")];
    const setLatLngs = vi.spyOn(Polyline.prototype, "setLatLngs");
    try {
      // new readings, the sections as they were (useLiveData keeps unchanged features): no line moves
      view.rerender(draw([a, b], [roadStatus({ conzoneId: "A", grade: 3 })]));
      expect(setLatLngs).not.toHaveBeenCalled();
      // B relearned elsewhere: its line alone is moved, and no path is replaced
      const moved = section({ conzoneId: "B" });
      view.rerender(draw([a, moved], []));
      expect(setLatLngs).toHaveBeenCalledTimes(1);
      expect([...document.querySelectorAll("path.road-section")]).toEqual(before);
    } finally {
      setLatLngs.mockRestore();
    }
  });
  it("draws tollgate markers and shows the series of the clicked one", () => {
    render(
      withKo(
        <TollgatesTab
          {...MAPS}
          tollgates={[
            tollgate({ unitCode: "1", unitName: "서울", latestTrafficAmount: 300 }),
            tollgate({ unitCode: "2", unitName: "부산", latestTrafficAmount: 100, lat: 35.2, lon: 129 }),
            tollgate({ unitCode: "3", unitName: "어딘가", latestTrafficAmount: 50, lat: 10, lon: 10 }),
          ]}
        />,
      ),
    );
    expect(document.querySelectorAll("path.tollgate-marker")).toHaveLength(2);
    expect(screen.getByTestId("tollgate-detail").textContent).toContain("서울");
    fireEvent.click(screen.getAllByTestId("tollgate-row")[1]);
    expect(screen.getByTestId("tollgate-detail").textContent).toContain("부산");
    expect(screen.getByTestId("tollgate-series")).toBeTruthy();
  });
});
