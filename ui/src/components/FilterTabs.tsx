import type { Item } from "../generated/Item";
import { FILTERS, filterItems, type Filter } from "../store";

export function FilterTabs({ filter, onChange, items }: { filter: Filter; onChange: (f: Filter) => void; items: Item[] }) {
  return (
    <div className="filters" role="tablist" aria-label="Filter notifications">
      {FILTERS.map((f) => {
        const unread = filterItems(items, f.id).filter((i) => !i.read).length;
        return (
          <button
            key={f.id}
            role="tab"
            aria-selected={f.id === filter}
            className={f.id === filter ? "active" : ""}
            onClick={() => onChange(f.id)}
          >
            {f.label}
            {unread > 0 && <span className="count">{unread}</span>}
          </button>
        );
      })}
    </div>
  );
}
