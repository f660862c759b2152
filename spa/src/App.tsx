import { useCallback, useDeferredValue, useEffect, useMemo, useRef, useState, type KeyboardEvent } from "react";
import { useLiveData } from "./api/useLiveData";
import { Header } from "./components/Header";
import { HaPanel } from "./components/HaPanel";
import { LiveRegion } from "./components/LiveRegion";
import { DICTS, I18nContext, type DictKey, type Lang } from "./i18n";
import {
  historyMode,
  langFromLocation,
  readUrlState,
  TABS,
  writeUrlState,
  type MapView,
  type Tab,
  type UrlState,
} from "./lib/url";
import { buildPlaces, makeVocab } from "./lib/vocab";
import { DashboardTab } from "./tabs/DashboardTab";
import { IncidentsTab } from "./tabs/IncidentsTab";
import { RoadTab } from "./tabs/RoadTab";
import { TollgatesTab } from "./tabs/TollgatesTab";

const TAB_LABEL: Record<Tab, DictKey> = {
  dashboard: "tabDashboard",
  accidents: "tabAccidents",
  tollgates: "tabTollgates",
  road: "tabRoad",
};
const TAB_ICON: Record<Tab, string> = {
  dashboard: "M3 3h8v8H3zM13 3h8v5h-8zM13 10h8v11h-8zM3 13h8v8H3z",
  accidents: "M12 2 1 21h22L12 2zm0 6 1 7h-2l1-7zm-1 9h2v2h-2z",
  tollgates: "M4 20V8l8-5 8 5v12h-5v-6H9v6z",
  road: "M9 2h2l-1 20H7zM13 2h2l2 20h-3zM11.5 5h1v3h-1zM11.5 11h1v3h-1zM11.5 17h1v3h-1z",
};
const tabId = (tab: Tab) => `tab-${tab}`;
const panelId = (tab: Tab) => `panel-${tab}`;

function initialLang(): Lang {
  const fromUrl = langFromLocation(window.location.search);
  if (fromUrl) return fromUrl;
  try {
    const saved = window.localStorage.getItem("trafficha.lang");
    if (saved === "en" || saved === "ko") return saved;
  } catch {
    /* storage unavailable */
  }
  return "ko";
}

/** The URL's state, kept in step with history: a new entry for a new place, the same refined. */
function useUrlState(): [UrlState, (patch: Partial<UrlState>) => void] {
  const [state, setState] = useState<UrlState>(() => readUrlState(window.location.search, window.location.hash));
  const current = useRef(state);
  const update = useCallback((patch: Partial<UrlState>) => {
    const prev = current.current;
    const next = { ...prev, ...patch };
    const search = window.location.search;
    const before = writeUrlState(prev, search);
    const after = writeUrlState(next, search);
    if (before === after && window.location.hash === "") return;
    current.current = next;
    const url = new URL(window.location.href);
    url.search = after;
    url.hash = "";
    if (historyMode(prev, next) === "push") window.history.pushState(null, "", url);
    else window.history.replaceState(null, "", url);
    setState(next);
  }, []);
  useEffect(() => {
    const restore = () => {
      const s = readUrlState(window.location.search, window.location.hash);
      current.current = s;
      setState(s);
    };
    window.addEventListener("popstate", restore);
    window.addEventListener("hashchange", restore);
    return () => {
      window.removeEventListener("popstate", restore);
      window.removeEventListener("hashchange", restore);
    };
  }, []);
  return [state, update];
}

export function App() {
  const data = useLiveData();
  // The tabs draw the data a moment later than the header, in a render React may pause to let
  // the page answer input: a burst of answers (the first load, a reconnect) is no long task.
  const drawn = useDeferredValue(data);
  const [lang, setLang] = useState<Lang>(initialLang);
  const [ui, update] = useUrlState();
  const tab = ui.tab;
  const [haOpen, setHaOpen] = useState<boolean>(() => window.matchMedia?.("(min-width: 1280px)").matches ?? true);

  const places = useMemo(() => buildPlaces(drawn.network), [drawn.network]);
  const i18n = useMemo(() => ({ lang, t: (k: DictKey) => DICTS[lang][k], v: makeVocab(lang, places) }), [lang, places]);

  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = `${DICTS[lang].title} · trafficha`;
    try {
      window.localStorage.setItem("trafficha.lang", lang);
    } catch {
      /* ignore */
    }
    // a shared link says its language only when it came with one
    if (langFromLocation(window.location.search) !== null) {
      const url = new URL(window.location.href);
      url.searchParams.set("lang", lang);
      window.history.replaceState(window.history.state, "", url);
    }
  }, [lang]);

  const go = useCallback((next: Tab) => update({ tab: next }), [update]);
  const tabRefs = useRef<Partial<Record<Tab, HTMLButtonElement | null>>>({});
  // The tab list's keys (WAI-ARIA tabs, automatic activation): arrows, Home and End.
  const onTabKey = useCallback(
    (e: KeyboardEvent<HTMLButtonElement>) => {
      const i = TABS.indexOf(tab);
      const to =
        e.key === "ArrowRight"
          ? TABS[(i + 1) % TABS.length]
          : e.key === "ArrowLeft"
            ? TABS[(i + TABS.length - 1) % TABS.length]
            : e.key === "Home"
              ? TABS[0]
              : e.key === "End"
                ? TABS[TABS.length - 1]
                : null;
      if (!to) return;
      e.preventDefault();
      go(to);
      tabRefs.current[to]?.focus();
    },
    [tab, go],
  );

  const toggleLang = useCallback(() => setLang((l) => (l === "ko" ? "en" : "ko")), []);
  const toggleHa = useCallback(() => setHaOpen((o) => !o), []);
  const onViewChange = useCallback((view: MapView) => update({ view }), [update]);
  // the incidents tab flies to it (a view kept from the dashboard's map would hold it elsewhere)
  const openFromDashboard = useCallback(
    (id: number) => update({ tab: "accidents", incident: id, view: null }),
    [update],
  );

  return (
    <I18nContext.Provider value={i18n}>
      <div className="flex h-dvh min-h-0 flex-col bg-slate-950 text-slate-100">
        <a
          href={`#${panelId(tab)}`}
          onClick={(e) => {
            // focus the panel, leaving the URL (and history) alone
            e.preventDefault();
            document.getElementById(panelId(tab))?.focus();
          }}
          className="sr-only z-50 rounded bg-sky-700 px-3 py-2 text-white focus:not-sr-only focus:absolute focus:left-2 focus:top-2"
        >
          {i18n.t("skipToContent")}
        </a>
        <Header
          ha={data.ha}
          connection={data.connection}
          failures={data.failures}
          clockOffsetMs={data.clockOffsetMs}
          lastUpdate={data.lastUpdate}
          onToggleLang={toggleLang}
          haOpen={haOpen}
          onToggleHa={toggleHa}
        />
        {/* On a phone the tabs sit at the bottom, under the thumb; first in the page all the same. */}
        <nav
          className="relative z-20 order-last shrink-0 border-t border-slate-800 bg-slate-900 pb-[env(safe-area-inset-bottom)] md:order-none md:border-b md:border-t-0 md:bg-slate-900/60 md:px-3"
          aria-label={i18n.t("tabsLabel")}
        >
          <div className="flex items-stretch md:items-center">
            <div className="grid flex-1 grid-cols-4 md:flex md:flex-none md:gap-1" role="tablist">
              {TABS.map((tb) => {
                const selected = tab === tb;
                return (
                  <button
                    key={tb}
                    ref={(el) => {
                      tabRefs.current[tb] = el;
                    }}
                    type="button"
                    role="tab"
                    id={tabId(tb)}
                    aria-selected={selected ? "true" : "false"}
                    aria-controls={selected ? panelId(tb) : undefined}
                    tabIndex={selected ? 0 : -1}
                    data-testid={`tab-${tb}`}
                    onClick={() => go(tb)}
                    onKeyDown={onTabKey}
                    className={`flex min-h-[52px] min-w-0 flex-col items-center justify-center gap-0.5 whitespace-nowrap border-t-4 px-1 text-xs font-bold transition-colors md:min-h-0 md:flex-row md:gap-2 md:border-b-4 md:border-t-0 md:px-4 md:py-2.5 md:text-base ${
                      selected ? "border-sky-400 text-white" : "border-transparent text-slate-300 hover:text-white"
                    }`}
                  >
                    <svg viewBox="0 0 24 24" className="h-5 w-5 shrink-0 md:hidden" aria-hidden="true">
                      <path d={TAB_ICON[tb]} fill="currentColor" />
                    </svg>
                    <span data-testid="tab-label">{i18n.t(TAB_LABEL[tb])}</span>
                  </button>
                );
              })}
            </div>
            {Object.keys(data.errors).length > 0 ? (
              <span
                className="ml-auto hidden min-w-0 self-center truncate text-xs text-amber-300 md:block"
                data-testid="fetch-errors"
                title={Object.values(data.errors).join("\n")}
              >
                ⚠ {i18n.t("fetchError")} ({Object.keys(data.errors).join(", ")})
              </span>
            ) : null}
          </div>
        </nav>
        <div className="relative flex min-h-0 flex-1">
          <main className="@container min-h-0 min-w-0 flex-1 overflow-y-auto" data-tab={tab}>
            <div role="tabpanel" id={panelId(tab)} aria-labelledby={tabId(tab)} tabIndex={-1} className="outline-none">
              {tab === "dashboard" ? (
                <DashboardTab
                  accidents={drawn.accidents}
                  stats={drawn.stats}
                  notices={drawn.notices}
                  tollgates={drawn.tollgates}
                  roadSummary={drawn.roadSummary}
                  network={drawn.network}
                  outline={drawn.outline}
                  onOpenIncident={openFromDashboard}
                  view={ui.view}
                  onViewChange={onViewChange}
                />
              ) : null}
              {tab === "accidents" ? (
                <IncidentsTab
                  accidents={drawn.accidents}
                  notices={drawn.notices}
                  network={drawn.network}
                  outline={drawn.outline}
                  selectedId={ui.incident}
                  filter={ui.filter}
                  view={ui.view}
                  onChange={update}
                />
              ) : null}
              {tab === "tollgates" ? (
                <TollgatesTab
                  tollgates={drawn.tollgates}
                  network={drawn.network}
                  outline={drawn.outline}
                  selected={ui.tollgate}
                  query={ui.tollgateQuery}
                  view={ui.view}
                  onChange={update}
                />
              ) : null}
              {tab === "road" ? (
                <RoadTab
                  sections={drawn.sections}
                  roadStatus={drawn.roadStatus}
                  network={drawn.network}
                  outline={drawn.outline}
                  route={ui.road}
                  direction={ui.roadDir}
                  view={ui.view}
                  onChange={update}
                />
              ) : null}
            </div>
          </main>
          {haOpen ? (
            <aside className="z-30 w-[340px] shrink-0 border-l border-slate-800 bg-slate-950 max-xl:absolute max-xl:inset-y-0 max-xl:right-0 max-xl:shadow-2xl max-sm:w-full 2xl:w-[380px]">
              <HaPanel
                ha={data.ha}
                snapshot={data.snapshot}
                servedBy={data.servedBy}
                recentServers={data.recentServers}
                timeline={data.timeline}
              />
            </aside>
          ) : null}
        </div>
        <LiveRegion
          timeline={data.timeline}
          snapshot={data.snapshot}
          connection={data.connection}
          failures={data.failures}
          collections={data.ha?.collections}
          clockOffsetMs={data.clockOffsetMs}
          loaded={data.lastUpdate !== null}
        />
      </div>
    </I18nContext.Provider>
  );
}
