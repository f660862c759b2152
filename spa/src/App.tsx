import { useCallback, useEffect, useMemo, useState } from "react";
import { useLiveData } from "./api/useLiveData";
import { Header } from "./components/Header";
import { HaPanel } from "./components/HaPanel";
import { DICTS, I18nContext, type DictKey, type Lang } from "./i18n";
import { langFromLocation, tabFromLocation, TABS, type Tab } from "./lib/url";
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
const TAB_TESTID: Record<Tab, string> = {
  dashboard: "tab-dashboard",
  accidents: "tab-accidents",
  tollgates: "tab-tollgates",
  road: "tab-road",
};

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

export function App() {
  const data = useLiveData();
  const [lang, setLang] = useState<Lang>(initialLang);
  const [tab, setTab] = useState<Tab>(() => tabFromLocation(window.location.search, window.location.hash));
  const [haOpen, setHaOpen] = useState<boolean>(() => window.matchMedia?.("(min-width: 1280px)").matches ?? true);
  const [openIncident, setOpenIncident] = useState<number | null>(null);

  const i18n = useMemo(() => ({ lang, t: (k: DictKey) => DICTS[lang][k] }), [lang]);

  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = `${DICTS[lang].title} · trafficha`;
    try {
      window.localStorage.setItem("trafficha.lang", lang);
    } catch {
      /* ignore */
    }
  }, [lang]);

  const go = useCallback((next: Tab) => {
    setTab(next);
    const url = new URL(window.location.href);
    url.searchParams.delete("tab");
    url.hash = next === "dashboard" ? "" : next;
    window.history.replaceState(null, "", url.toString());
  }, []);

  useEffect(() => {
    const onHash = () => setTab(tabFromLocation(window.location.search, window.location.hash));
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  }, []);

  const toggleLang = useCallback(() => setLang((l) => (l === "ko" ? "en" : "ko")), []);
  const toggleHa = useCallback(() => setHaOpen((o) => !o), []);

  const openFromDashboard = useCallback(
    (id: number) => {
      setOpenIncident(id);
      go("accidents");
    },
    [go],
  );

  return (
    <I18nContext.Provider value={i18n}>
      <div className="flex h-screen min-h-0 flex-col bg-slate-950 text-slate-100">
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
        <nav className="flex gap-1 border-b border-slate-800 bg-slate-900/60 px-3" aria-label="tabs">
          <div className="flex gap-1" role="tablist">
            {TABS.map((tb) => (
              <button
                key={tb}
                type="button"
                role="tab"
                aria-selected={tab === tb ? "true" : "false"}
                data-testid={TAB_TESTID[tb]}
                onClick={() => go(tb)}
                className={`-mb-px border-b-4 px-4 py-2.5 text-base font-bold transition-colors ${
                  tab === tb ? "border-sky-400 text-white" : "border-transparent text-slate-400 hover:text-slate-200"
                }`}
              >
                {i18n.t(TAB_LABEL[tb])}
              </button>
            ))}
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
        </nav>
        <div className="flex min-h-0 flex-1">
          <main className="min-h-0 min-w-0 flex-1" role="tabpanel" data-tab={tab}>
            {tab === "dashboard" ? (
              <DashboardTab
                accidents={data.accidents}
                stats={data.stats}
                notices={data.notices}
                tollgates={data.tollgates}
                roadSummary={data.roadSummary}
                network={data.network}
                outline={data.outline}
                onOpenIncident={openFromDashboard}
              />
            ) : null}
            {tab === "accidents" ? (
              <IncidentsTab
                accidents={data.accidents}
                notices={data.notices}
                network={data.network}
                outline={data.outline}
                initialSelected={openIncident}
              />
            ) : null}
            {tab === "tollgates" ? (
              <TollgatesTab tollgates={data.tollgates} network={data.network} outline={data.outline} />
            ) : null}
            {tab === "road" ? (
              <RoadTab
                sections={data.sections}
                roadStatus={data.roadStatus}
                network={data.network}
                outline={data.outline}
              />
            ) : null}
          </main>
          {haOpen ? (
            <aside className="w-[340px] shrink-0 border-l border-slate-800 bg-slate-950 max-lg:absolute max-lg:inset-y-0 max-lg:right-0 max-lg:z-[1000] max-lg:shadow-2xl 2xl:w-[380px]">
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
      </div>
    </I18nContext.Provider>
  );
}
