// Relative times ("4초 전" / "4 s ago") that tick by themselves: the clock re-renders only these.
import { useNow } from "../hooks/useNow";
import { useI18n } from "../i18n";
import { formatAgo } from "../lib/time";

type Instant = string | number | Date | null | undefined;

/** How long ago `at` was, as text, refreshed every second. */
export function Ago({ at }: { at: Instant }) {
  const { lang } = useI18n();
  const now = useNow(1000);
  return <>{formatAgo(at, now, lang)}</>;
}
