/**
 * Row selection of the bulk-selection bar, kept pure so it can be unit-tested: ids in a plain
 * array (reactive in the page), toggled one by one or all at once, and pruned after a reload to
 * the rows that still exist (decided or reconfirmed rows leave the list).
 */
export function toggleId(list: string[], id: string): void {
  const at = list.indexOf(id);
  if (at >= 0) list.splice(at, 1);
  else list.push(id);
}

/** Selects all of `ids`, or none when all are selected already. */
export function toggleAllIds(list: string[], ids: readonly string[]): void {
  const all = ids.length > 0 && ids.every((id) => list.includes(id));
  list.splice(0, list.length, ...(all ? [] : ids));
}

export function keepExisting(list: string[], ids: readonly string[]): void {
  list.splice(0, list.length, ...list.filter((id) => ids.includes(id)));
}

export function allSelected(list: readonly string[], ids: readonly string[]): boolean {
  return ids.length > 0 && list.length === ids.length && ids.every((id) => list.includes(id));
}
