// The map's own parts: the keyboard list of what it draws, accessible names, controls in the
// UI's language, grade patterns on the sections, IC/JC labels by zoom, the tile configuration
// and its offline fallback, and the view a parent can set and hear about.
import { createRef, type ReactNode } from "react";
import { act, fireEvent, render, screen, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Map as LeafletMap } from "leaflet";
import type { NetworkCollection } from "../src/api/types";
import { BaseMap, mapViewOf } from "../src/components/map/BaseMap";
import { IncidentLayer } from "../src/components/map/IncidentLayer";
import { RoadLayer } from "../src/components/map/RoadLayer";
import { TollgateLayer } from "../src/components/map/TollgateLayer";
import { LABEL_ZOOM, labelWidth, minZoomOf, placeLabels, waypointsOf } from "../src/components/map/labels";
import { attributionHtml, nextTileStatus, parseMapConfig } from "../src/components/map/tiles";
import { DICTS, I18nContext, type Lang } from "../src/i18n";
import { GRADE_COLORS, GRADE_STROKES } from "../src/lib/colors";
import { joinSections } from "../src/lib/road";
import { incident, roadStatus, section, tollgate } from "./fixtures";

function withLang(ui: ReactNode, lang: Lang = "ko") {
  return <I18nContext.Provider value={{ lang, t: (k) => DICTS[lang][k] }}>{ui}</I18nContext.Provider>;
}
const NOW = Date.parse("2026-11-27T13:48:00+09:00");
beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(NOW);
});
afterEach(() => {
  vi.useRealTimers();
});

const network: NetworkCollection = {
  type: "FeatureCollection",
  features: [
    {
      type: "Feature",
      geometry: { type: "Point", coordinates: [127.04, 37.47] },
      properties: { name: "양재IC", nameEn: "Yangjae IC", kind: "IC", routeNo: "0010" },
    },
    {
      type: "Feature",
      geometry: { type: "Point", coordinates: [127.1, 37.4] },
      properties: { name: "신갈JC", nameEn: "Singal JC", kind: "JC", routeNo: "0010" },
    },
    {
      type: "Feature",
      geometry: { type: "Point", coordinates: [127.1, 37.4] },
      properties: { name: "신갈JC", nameEn: "Singal JC", kind: "JC", routeNo: "0500" },
    },
    {
      type: "Feature",
      geometry: { type: "Point", coordinates: [140, 45] },
      properties: { name: "밖IC", nameEn: "", kind: "IC", routeNo: "0010" },
    },
  ],
};

const openList = () => {
  fireEvent.click(screen.getByTestId("map-items-toggle"));
  const details = screen.getByTestId("map-items") as HTMLDetailsElement;
  details.open = true;
  fireEvent(details, new Event("toggle"));
  return details;
};

describe("the keyboard list of map items", () => {
  const incidents = [
    incident({ id: 1, accType: "사고", roadNM: "경부선", accPointNM: "양재IC 부근", latitude: 37.4, altitude: 127.1 }),
    incident({ id: 2, accType: "작업", roadNM: "호남선", latitude: null, altitude: null }),
    incident({ id: 3, accType: "고장", roadNM: "중부선", accPointNM: "진천IC", latitude: 36.9, altitude: 127.4 }),
  ];
  it("lists every drawn incident as a labelled button that selects it and opens its popup", async () => {
    const onSelect = vi.fn();
    render(
      withLang(
        <BaseMap network={null} outline={null}>
          <IncidentLayer incidents={incidents} onSelect={onSelect} selectedId={3} />
        </BaseMap>,
      ),
    );
    expect(screen.getByTestId("map-items-toggle").textContent).toContain("지도 항목");
    const list = openList();
    const buttons = within(list).getAllByTestId("map-item");
    expect(buttons.map((b) => b.textContent)).toEqual([
      "사고 · 진행 중 · 경부선 양재IC 부근",
      "고장 · 진행 중 · 중부선 진천IC",
    ]);
    expect(buttons.map((b) => b.tagName)).toEqual(["BUTTON", "BUTTON"]);
    expect(buttons[1].getAttribute("aria-current")).toBe("true");
    await act(async () => {
      fireEvent.click(buttons[0]);
    });
    expect(onSelect).toHaveBeenCalledWith(1);
    expect(document.querySelector(".leaflet-popup")).not.toBeNull();
  });
  it("gives each marker path an accessible name", () => {
    render(
      withLang(
        <BaseMap network={null} outline={null}>
          <IncidentLayer incidents={incidents} />
        </BaseMap>,
      ),
    );
    const names = [...document.querySelectorAll("path.incident-marker")].map((p) => p.getAttribute("aria-label"));
    expect(names.sort()).toEqual(["고장 · 진행 중 · 중부선 진천IC", "사고 · 진행 중 · 경부선 양재IC 부근"]);
  });
  it("lists tollgates by name with their volume and selects the one picked", async () => {
    const onSelect = vi.fn();
    render(
      withLang(
        <BaseMap network={null} outline={null}>
          <TollgateLayer
            tollgates={[
              tollgate({ unitCode: "2", unitName: "부산", latestTrafficAmount: 1200, lat: 35.2, lon: 129 }),
              tollgate({ unitCode: "1", unitName: "서울", latestTrafficAmount: 300 }),
              tollgate({ unitCode: "3", unitName: "어딘가", lat: 10, lon: 10 }),
            ]}
            selected={null}
            onSelect={onSelect}
            flySeq={0}
          />
        </BaseMap>,
        "en",
      ),
    );
    const buttons = within(openList()).getAllByTestId("map-item");
    expect(buttons).toHaveLength(2);
    // English mode: the place romanized, the route by its English name.
    expect(buttons[0].textContent).toContain("Busan tollgate · 1,200 vehicles in 15 min · Gyeongbu Expressway");
    await act(async () => {
      fireEvent.click(buttons[1]);
    });
    expect(onSelect).toHaveBeenCalledWith("1");
  });
});

describe("road sections", () => {
  const joined = joinSections(
    [
      section({ conzoneId: "A", direction: "E" }),
      section({ conzoneId: "B", direction: "E" }),
      section({ conzoneId: "C", direction: "E" }),
      section({ conzoneId: "D", direction: "E" }),
    ],
    [
      roadStatus({ conzoneId: "B", updownTypeCode: "E", grade: 1, speed: 97 }),
      roadStatus({ conzoneId: "C", updownTypeCode: "E", grade: 2 }),
      roadStatus({ conzoneId: "D", updownTypeCode: "E", grade: 3 }),
    ],
  );
  it("draw each grade with its own colour, width and dash", () => {
    render(
      withLang(
        <BaseMap network={null} outline={null}>
          <RoadLayer sections={joined} />
        </BaseMap>,
      ),
    );
    const byLabel = new Map(
      [...document.querySelectorAll("path.road-section")].map((p) => [p.getAttribute("aria-label") ?? "", p]),
    );
    for (const g of [0, 1, 2, 3] as const) {
      const name = DICTS.ko[`grade${g}`];
      const path = [...byLabel.entries()].find(([label]) => label.includes(` · ${name}`))?.[1];
      expect(path, name).toBeDefined();
      expect(path?.getAttribute("stroke")).toBe(GRADE_COLORS[g]);
      expect(Number(path?.getAttribute("stroke-width"))).toBe(GRADE_STROKES[g].weight);
      expect(path?.getAttribute("stroke-dasharray") ?? undefined).toBe(GRADE_STROKES[g].dashArray);
    }
    expect([...byLabel.keys()].some((l) => l.endsWith("원활 · 97 km/h"))).toBe(true);
  });
  it("are listed with their grade and open their popup when picked", async () => {
    render(
      withLang(
        <BaseMap network={null} outline={null}>
          <RoadLayer sections={joined} />
        </BaseMap>,
      ),
    );
    const buttons = within(openList()).getAllByTestId("map-item");
    expect(buttons.map((b) => b.getAttribute("data-key"))).toEqual(["A|E", "B|E", "C|E", "D|E"]);
    expect(buttons[3].textContent).toContain("정체");
    expect(buttons[3].querySelector('[data-testid="grade-swatch-3"]')).not.toBeNull();
    await act(async () => {
      fireEvent.click(buttons[3]);
    });
    expect(document.querySelector('[data-testid="section-details"]')?.textContent).toContain("정체");
    expect(within(screen.getByTestId("map-items")).getAllByTestId("map-item")[3].getAttribute("aria-current")).toBe(
      "true",
    );
  });
});

describe("controls in the UI's language", () => {
  it("labels zoom, layers, the map and Leaflet's credit in Korean, and in English after the toggle", () => {
    const view = render(withLang(<BaseMap network={null} outline={null} />));
    const zoomIn = document.querySelector(".leaflet-control-zoom-in");
    expect(zoomIn?.getAttribute("title")).toBe("확대");
    expect(zoomIn?.getAttribute("aria-label")).toBe("확대");
    expect(document.querySelector(".leaflet-control-zoom-out")?.getAttribute("title")).toBe("축소");
    expect(screen.getByTestId("map-layers").getAttribute("aria-label")).toBe("지도 레이어");
    expect(document.querySelector(".leaflet-container")?.getAttribute("aria-label")).toBe(DICTS.ko.mapLabel);
    expect(document.querySelector(".leaflet-control-attribution a")?.getAttribute("title")).toBe(DICTS.ko.leafletTitle);
    view.rerender(withLang(<BaseMap network={null} outline={null} />, "en"));
    expect(document.querySelector(".leaflet-control-zoom-in")?.getAttribute("title")).toBe("Zoom in");
    expect(screen.getByTestId("map-layers").getAttribute("aria-label")).toBe("Map layers");
    expect(document.querySelector(".leaflet-container")?.getAttribute("aria-label")).toBe(DICTS.en.mapLabel);
  });
  it("opens the layer switch with the IC·JC names checkbox", () => {
    render(withLang(<BaseMap network={null} outline={null} />));
    const toggle = screen.getByTestId("map-layers");
    expect(toggle.getAttribute("aria-expanded")).toBe("false");
    fireEvent.click(toggle);
    expect(toggle.getAttribute("aria-expanded")).toBe("true");
    expect(screen.getByLabelText("IC·JC 이름")).toBeTruthy();
  });
});

describe("IC and JC labels", () => {
  it("take one waypoint per name inside the box, JC named a zoom earlier than IC", () => {
    const points = waypointsOf(network);
    expect(points.map((p) => p.name)).toEqual(["양재IC", "신갈JC"]);
    expect(minZoomOf("JC")).toBeLessThan(minZoomOf("IC"));
    expect(minZoomOf("IC")).toBe(LABEL_ZOOM);
    expect(LABEL_ZOOM).toBeGreaterThan(8); // the country view is about zoom 7
  });
  it("are left out where they would cover a label already placed, or leave the view", () => {
    const placed = placeLabels(
      [
        { key: "a", text: "양재IC", x: 100, y: 100, rank: 1 },
        { key: "b", text: "신갈JC", x: 110, y: 104, rank: 0 },
        { key: "c", text: "서초IC", x: 100, y: 140, rank: 1 },
        { key: "d", text: "판교IC", x: 390, y: 10, rank: 1 },
      ],
      { width: 400, height: 300 },
    );
    expect(placed.map((c) => c.key)).toEqual(["b", "c"]);
    expect(labelWidth("양재IC")).toBeGreaterThan(labelWidth("IC"));
  });
  it("are not drawn at the country's zoom, and drawn zoomed in", async () => {
    // jsdom lays nothing out: the map's container gets a size to place the labels in
    const width = vi.spyOn(HTMLElement.prototype, "clientWidth", "get").mockReturnValue(800);
    const height = vi.spyOn(HTMLElement.prototype, "clientHeight", "get").mockReturnValue(600);
    try {
      const ref = createRef<LeafletMap>();
      render(
        withLang(<BaseMap ref={ref} network={network} outline={null} view={{ lat: 37.45, lng: 127.07, zoom: 7 }} />),
      );
      const map = ref.current as LeafletMap;
      await act(async () => {
        map.setView([37.45, 127.07], 7, { animate: false });
      });
      expect(document.querySelectorAll('[data-testid="waypoint-label"]')).toHaveLength(0);
      await act(async () => {
        map.setView([37.45, 127.07], 11, { animate: false });
      });
      const labels = [...document.querySelectorAll('[data-testid="waypoint-label"]')].map((l) => l.textContent);
      expect(labels.sort()).toEqual(["신갈JC", "양재IC"]);
    } finally {
      width.mockRestore();
      height.mockRestore();
    }
  });
});

describe("the view", () => {
  it("opens at the view given, reports moves and follows a new view", async () => {
    const ref = createRef<LeafletMap>();
    const onViewChange = vi.fn();
    const draw = (view: { lat: number; lng: number; zoom: number }) =>
      withLang(<BaseMap ref={ref} network={null} outline={null} view={view} onViewChange={onViewChange} />);
    const view = render(draw({ lat: 35.1, lng: 129.0, zoom: 10 }));
    const map = ref.current as LeafletMap;
    expect(map.getZoom()).toBe(10);
    expect(map.getCenter().lat).toBeCloseTo(35.1, 4);
    await act(async () => {
      map.setView([36, 127.5], 9, { animate: false });
    });
    expect(onViewChange).toHaveBeenLastCalledWith({ lat: 36, lng: 127.5, zoom: 9 });
    onViewChange.mockClear();
    // the parent hands back what it heard: nothing moves, nothing is reported
    view.rerender(draw({ lat: 36, lng: 127.5, zoom: 9 }));
    expect(onViewChange).not.toHaveBeenCalled();
    view.rerender(draw({ lat: 37.5, lng: 127.0, zoom: 11 }));
    expect(map.getZoom()).toBe(11);
    expect(map.getCenter().lng).toBeCloseTo(127.0, 4);
  });
  it("does not report the automatic fit to Korea, only moves", async () => {
    const ref = createRef<LeafletMap>();
    const onViewChange = vi.fn();
    render(withLang(<BaseMap ref={ref} network={null} outline={null} onViewChange={onViewChange} />));
    const map = ref.current as LeafletMap;
    const fitted = vi.fn();
    map.on("moveend", fitted);
    await vi.waitFor(() => expect(fitted).toHaveBeenCalled()); // the fit shortly after mount
    expect(onViewChange).not.toHaveBeenCalled();
    await act(async () => {
      map.setView([36, 128], 8, { animate: false });
    });
    expect(onViewChange).toHaveBeenCalledWith({ lat: 36, lng: 128, zoom: 8 });
  });
  it("keeps a view inside the map's box and zooms", () => {
    expect(mapViewOf({ lat: 10, lng: 127, zoom: 8 })).toBeNull();
    expect(mapViewOf({ lat: 36, lng: 127, zoom: 18 })).toEqual({ lat: 36, lng: 127, zoom: 14 });
    expect(mapViewOf(null)).toBeNull();
  });
});

describe("tiles", () => {
  it("take the configuration only in its shape, and a template only with its placeholders", () => {
    const ok = {
      tileUrl: "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
      subdomains: "abc",
      attribution: "© OpenStreetMap contributors",
      attributionUrl: "https://www.openstreetmap.org/copyright",
    };
    expect(parseMapConfig(ok)).toEqual(ok);
    expect(parseMapConfig({ ...ok, tileUrl: null })?.tileUrl).toBeNull();
    expect(parseMapConfig({ ...ok, tileUrl: "javascript:alert(1)//{z}{x}{y}" })).toBeNull();
    expect(parseMapConfig({ ...ok, tileUrl: "https://t.example/static.png" })).toBeNull();
    expect(parseMapConfig({ ...ok, attributionUrl: "javascript:alert(1)" })?.attributionUrl).toBe("");
    expect(parseMapConfig("nope")).toBeNull();
  });
  it("go offline when a round of tiles ends with none loaded or none came in time, online again on one", () => {
    expect(nextTileStatus("loading", { type: "round-end", loaded: 0 })).toBe("offline");
    expect(nextTileStatus("loading", { type: "round-end", loaded: 3 })).toBe("online");
    expect(nextTileStatus("loading", { type: "timeout" })).toBe("offline");
    expect(nextTileStatus("online", { type: "timeout" })).toBe("online");
    expect(nextTileStatus("offline", { type: "tileload" })).toBe("online");
  });
  it("credit the tiles with escaped text", () => {
    expect(attributionHtml('<img src=x onerror="1">', "https://x.example/?a=1&b=2")).toBe(
      '<a href="https://x.example/?a=1&amp;b=2" target="_blank" rel="noopener">&lt;img src=x onerror=&quot;1&quot;&gt;</a>',
    );
    expect(attributionHtml("", "https://x.example")).toBe("");
  });
});
