/**
 * A command center's table declared once in the page's script: its columns (message key, how a
 * cell reads the row, numeric alignment, the cell's class) and its rows (key, test id and data
 * attributes of each `<tr>`, the id a bulk selection keeps). TableSection renders it (`:table`,
 * `:rows`); a column of the row's buttons says `actions` (row-actions.ts); a cell that is more than
 * text (a link, a chip with logic) is the page's slot `#cell-<name>="{ row }"`. Pure, so it is
 * unit-tested beside its source.
 */
import type { RowActionSpec } from './row-actions.js';

/** The value of a cell: a field of the row or a function of it (a formatter: an org code, a date, a fallback). */
export type CellRead<R> = keyof R | ((row: R) => unknown);

export interface ColumnOptions<R> {
  /** A numeric column: the head and the cells get the class `num` (right-aligned). */
  num?: boolean;
  /** The class of the cells (not the head; after `num`): `nowrap`, `when`, `row-actions`… */
  class?: string;
  /** The cell's slot is `cell-<name>`; by default the field read, else the key's last part (`credit.col.deal` → `deal`). */
  name?: string;
  /** The column is shown only while this says so (a column of an action the user may take). */
  when?: () => boolean;
  /** The value in a StatusChip (`tag`) of this tone (undefined: neutral). */
  chip?: (row: R) => Tone | undefined;
  /** The value in a `<code>` (a key, a type, a code). */
  code?: boolean;
  /** Attributes of the cell's `<td>`: `data-testid`, `title`. */
  attrs?: (row: R) => Record<string, unknown>;
  /** The row's buttons (RowActions): `offered(…)` of what the row offers now. */
  actions?: (row: R) => RowActionSpec[];
}

export type Tone = 'neutral' | 'success' | 'warning' | 'danger';

export interface Column<R> {
  /** The head's message key below `crm.` (`credit.col.customer`). */
  label: string;
  name: string;
  read: (row: R) => unknown;
  num: boolean;
  class: string | undefined;
  when: (() => boolean) | undefined;
  chip: ((row: R) => Tone | undefined) | undefined;
  code: boolean;
  attrs: ((row: R) => Record<string, unknown>) | undefined;
  actions: ((row: R) => RowActionSpec[]) | undefined;
}

export interface TableSpec<R> {
  /** The section's title, hint and empty text: full message keys (`'crm.credit.tab.overdue'`); or TableSection's props. */
  title?: string;
  hint?: string;
  empty?: string;
  /** The table's data-testid; its empty state's is `<testid>-empty` unless `emptyTestid` says otherwise (`null`: none). */
  testid?: string;
  emptyTestid?: string | null;
  /** The section's count is the number of its rows (unless TableSection is given `count`). */
  counted?: boolean;
  columns: Array<Column<R>>;
  /** The row's key for Vue's `v-for` (default: the row's `id`). */
  key?: (row: R) => PropertyKey;
  /** The row's data-testid. */
  rowTestid?: (row: R) => string;
  /** More attributes of the row's `<tr>`: `data-status`, `class`… */
  row?: (row: R) => Record<string, unknown>;
  /**
   * Each row and its `row-after` detail row in a `<tbody>` of their own, with these attributes
   * (`data-testid`, `data-*`): one element a test or a reader takes as the row (WMS deliveries).
   */
  group?: (row: R) => Record<string, unknown>;
  /** With a bulk selection: the id the selection keeps of a row (default: the key). */
  id?: (row: R) => string;
  /** With a bulk selection: the data-testid of a row's checkbox (`select-${r.code}`). */
  selectTestid?: (row: R) => string;
  /** With a bulk selection: the head checkbox's data-testid (default `<testid>-select-all`). */
  selectAllTestid?: string;
  /** With a bulk selection: the rows' checkbox is the app's `v-checkbox` (default: a plain `<input>`). */
  checkbox?: 'v-checkbox';
}

/** One column: `col('credit.col.overdue', 'overdue', { num: true })`; `null` as the cell when a slot fills it. */
export function col<R>(label: string, cell: CellRead<R> | null, options: ColumnOptions<R> = {}): Column<R> {
  const name = options.name ?? (typeof cell === 'string' ? cell : label.slice(label.lastIndexOf('.') + 1));
  const read = typeof cell === 'function' ? cell : cell === null ? () => '' : (row: R) => row[cell];
  const cls = [options.num ? 'num' : '', options.class ?? ''].filter(Boolean).join(' ') || undefined;
  const { when, chip, attrs, actions } = options;
  return { label, name, read, num: options.num ?? false, class: cls, when, chip, code: options.code ?? false, attrs, actions };
}

export function defineTable<R>(spec: TableSpec<R>): TableSpec<R> {
  return spec;
}

/** The columns shown now (each column's `when`). */
export function shownColumns<R>(spec: TableSpec<R>): Array<Column<R>> {
  return spec.columns.filter((c) => !c.when || c.when());
}

/** The heads as GridTable takes them: message key and, for a numeric column, `:num`. */
export function headsOf<R>(columns: Array<Column<R>>): string[] {
  return columns.map((c) => (c.num ? `${c.label}:num` : c.label));
}

/** The key of a row for `v-for`. */
export function rowKey<R>(spec: TableSpec<R>, row: R): PropertyKey {
  return spec.key ? spec.key(row) : ((row as { id?: PropertyKey }).id ?? '');
}

/** The selection id of a row. */
export function rowId<R>(spec: TableSpec<R>, row: R): string {
  return spec.id ? spec.id(row) : String(rowKey(spec, row));
}

/** The attributes of a row's `<tr>`. */
export function rowAttrs<R>(spec: TableSpec<R>, row: R): Record<string, unknown> {
  return { ...(spec.rowTestid ? { 'data-testid': spec.rowTestid(row) } : {}), ...spec.row?.(row) };
}

/** Columns that each show one field, in GridTable's notation: `cols<Row>({ 'credit.col.exposure:num': 'exposure', 'credit.col.currency': 'currency' })`. */
export function cols<R>(fields: Record<string, keyof R>): Array<Column<R>> {
  return Object.entries(fields).map(([head, field]) => {
    const [label, cls] = head.split(':');
    return col<R>(label!, field as keyof R, { num: cls === 'num' });
  });
}
