/** The filter controls' look and the "all" select every filter bar uses. */
export const FIELD_CLASS = "rounded-md border border-slate-700 bg-slate-800 px-2 py-1.5 text-sm text-slate-100";

export function FilterSelect({
  label,
  value,
  options,
  allLabel,
  onChange,
  testId,
}: {
  label: string;
  value: string;
  options: readonly string[];
  allLabel: string;
  onChange: (value: string) => void;
  testId: string;
}) {
  return (
    <label className="flex flex-col text-xs text-slate-400">
      {label}
      <select className={FIELD_CLASS} value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId}>
        <option value="">{allLabel}</option>
        {options.map((option) => (
          <option key={option} value={option}>
            {option}
          </option>
        ))}
      </select>
    </label>
  );
}
