// The keyboard's way into the map: every marker and section of a layer as a list of buttons
// under the map ("지도 항목"). A button selects its item and moves the map to it, as a click on
// the map would; Enter and Space work as on any button. The list is rendered into a place that
// BaseMap keeps under the map (a portal), so each layer lists what it draws without the tabs
// having to wire anything.
import { createContext, useContext, useId, useState, type ReactNode } from "react";
import { createPortal } from "react-dom";
import { useI18n } from "../../i18n";

export interface MapItem {
  key: string;
  label: string;
  selected: boolean;
  /** a colour or line cue drawn before the label (decorative: the label says it all) */
  cue?: ReactNode;
  onPick: () => void;
}

/** Where the lists go: BaseMap's element under the map. */
export const MapItemsHost = createContext<HTMLElement | null>(null);

export function MapItems({ items, kind }: { items: readonly MapItem[]; kind: string }) {
  const host = useContext(MapItemsHost);
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const id = useId();
  if (!host) return null;
  return createPortal(
    <details
      className="map-items group border-t border-slate-800 bg-slate-900/80 text-sm"
      data-testid="map-items"
      data-kind={kind}
      onToggle={(e) => setOpen(e.currentTarget.open)}
    >
      <summary
        className="sticky top-0 cursor-pointer select-none bg-slate-900 px-2 py-1.5 text-xs text-slate-300 hover:bg-slate-800"
        aria-describedby={`${id}-hint`}
        data-testid="map-items-toggle"
      >
        {t("mapItems")} <span className="tabular-nums text-slate-400">({items.length})</span>
        <span id={`${id}-hint`} className="ml-2 hidden text-slate-500 group-open:inline">
          {t("mapItemsHint")}
        </span>
      </summary>
      {open ? (
        items.length ? (
          <ul className="px-1 pb-1" aria-label={t("mapItems")}>
            {items.map((item) => (
              <li key={item.key}>
                <button
                  type="button"
                  data-testid="map-item"
                  data-key={item.key}
                  aria-current={item.selected ? "true" : undefined}
                  onClick={item.onPick}
                  className={`flex w-full items-center gap-2 rounded px-2 py-1 text-left ${
                    item.selected ? "bg-slate-700 ring-1 ring-sky-400" : "hover:bg-slate-800"
                  }`}
                >
                  {item.cue ? (
                    <span aria-hidden="true" className="flex shrink-0 items-center">
                      {item.cue}
                    </span>
                  ) : null}
                  <span className="min-w-0 leading-snug">{item.label}</span>
                </button>
              </li>
            ))}
          </ul>
        ) : (
          <p className="px-2 pb-2 text-xs text-slate-400">{t("mapItemsNone")}</p>
        )
      ) : null}
    </details>,
    host,
  );
}
