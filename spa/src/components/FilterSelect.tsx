/** The filter controls' look and the "all" select every filter bar uses. */
export const FIELD_CLASS =
  "min-h-10 w-full min-w-0 rounded-md border border-slate-600 bg-slate-800 px-2 py-1.5 text-sm text-slate-100";

export function FilterSelect({
  label,
  value,
  options,
  allLabel,
  onChange,
  testId,
  labelOf,
}: {
  label: string;
  value: string;
  options: readonly string[];
  allLabel: string;
  onChange: (value: string) => void;
  testId: string;
  /** how an option reads (the data's value stays the option's value) */
  labelOf?: (option: string) => string;
}) {
  return (
    <label className="flex min-w-0 flex-col gap-0.5 text-xs text-slate-300">
      {label}
      <select className={FIELD_CLASS} value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId}>
        <option value="">{allLabel}</option>
        {options.map((option) => (
          <option key={option} value={option}>
            {labelOf ? labelOf(option) : option}
          </option>
        ))}
        {/* a value from a shared link that the data does not hold (yet): still shown, still chosen */}
        {value && !options.includes(value) ? <option value={value}>{labelOf ? labelOf(value) : value}</option> : null}
      </select>
    </label>
  );
}
