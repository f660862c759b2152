// KEC's announcements (이벤트/홍보 …) the latest poll lists: shown apart from the incidents, as
// text only, bounded.
import type { Notice } from "../api/types";
import { noticeText } from "../lib/incidents";
import { formatKstDate } from "../lib/time";
import { useI18n } from "../i18n";

export const NOTICE_ROWS = 100;

export function NoticeList({
  notices,
  limit = NOTICE_ROWS,
  className = "max-h-[240px]",
}: {
  notices: readonly Notice[] | null;
  limit?: number;
  /** the list's height bound (it scrolls inside) */
  className?: string;
}) {
  const { t, v } = useI18n();
  if (notices === null) return <p className="text-sm text-slate-300">{t("loading")}</p>;
  const rows = notices.slice(0, limit);
  return (
    <div className="flex min-h-0 min-w-0 flex-col">
      <p className="mb-1.5 shrink-0 truncate text-[11px] text-slate-300" title={t("noticesHint")}>
        {t("noticesHint")}
      </p>
      <ul className={`min-h-0 space-y-1 overflow-y-auto pr-1 ${className}`} data-testid="notice-list">
        {rows.map((n) => (
          <li
            key={n.id}
            data-testid="notice-row"
            data-notice-id={String(n.id)}
            className="rounded border border-slate-800 bg-slate-900 px-2 py-1"
          >
            <p className="line-clamp-2 text-sm text-slate-200">{noticeText(n.smsText)}</p>
            {/* one line, however narrow the card: the type (the same on nearly every row) gives way */}
            <div className="flex gap-x-2 overflow-hidden whitespace-nowrap text-[11px] text-slate-300">
              <span className="min-w-0 truncate" data-vocab="route">
                {v.route(n.routeName, n.routeNo)}
              </span>
              {n.direction ? (
                <span className="shrink-0" data-vocab="direction">
                  {v.direction(n.direction)}
                </span>
              ) : null}
              <span className="shrink-0 tabular-nums">
                {t("posted")} {formatKstDate(n.occurredAt)}
              </span>
              <span className="min-w-0 truncate text-slate-400" data-vocab="type">
                {v.type(n.typeName)}
              </span>
            </div>
          </li>
        ))}
        {notices.length === 0 ? <li className="text-sm text-slate-300">{t("noNotices")}</li> : null}
      </ul>
      {notices.length > rows.length ? (
        <p className="mt-1 text-xs text-slate-300">
          +{notices.length - rows.length} {t("noticesMore")}
        </p>
      ) : null}
    </div>
  );
}

/** The count beside a notices card's title. */
export function NoticeCount({ notices }: { notices: readonly Notice[] | null }) {
  return (
    <span className="rounded bg-slate-800 px-2 py-0.5 text-xs tabular-nums text-slate-300" data-testid="notice-count">
      {notices === null ? "…" : notices.length}
    </span>
  );
}
