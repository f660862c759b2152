// The maps' chunk, asked for as soon as the app starts and drawn once it is here: until then a
// placeholder of the map's size holds its place (nothing moves when the map appears).
import { useEffect, useState } from "react";
import { useI18n } from "../i18n";

export type Maps = typeof import("./maps");

let loaded: Maps | null = null;

/** Resolves with the maps' module (tests await it, so the tabs draw their maps at once). */
export const mapsReady: Promise<Maps> = import("./maps").then((m) => {
  loaded = m;
  return m;
});

/** The maps' module, or null while it loads. */
export function useMaps(): Maps | null {
  const [maps, setMaps] = useState<Maps | null>(loaded);
  useEffect(() => {
    if (maps) return;
    let live = true;
    void mapsReady.then((m) => {
      if (live) setMaps(m);
    });
    return () => {
      live = false;
    };
  }, [maps]);
  return maps;
}

/** Where a map will be: the same box, dark, saying it is on its way. */
export function MapPlaceholder() {
  const { t } = useI18n();
  return (
    <div
      className="flex h-full w-full items-center justify-center bg-[#0b1220] text-sm text-slate-300"
      aria-busy="true"
    >
      {t("loading")}
    </div>
  );
}
