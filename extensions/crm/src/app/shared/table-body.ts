/**
 * The `<tbody>` of a declared table's rows, or nothing around them: TableSection and PlainTable
 * wrap all the rows in one, unless the table groups them (`group` in data-table.ts), where
 * TableRows gives each row and its detail row a `<tbody>` of their own (its attributes from
 * `group`). A `<tbody>` inside a `<tbody>` is not HTML, so one of the two is `bare`.
 */
import { h, type FunctionalComponent } from 'vue';

export const TableBody: FunctionalComponent<{ bare?: boolean }> = (props, { slots, attrs }) => {
  const rows = slots.default?.() ?? [];
  return props.bare ? rows : h('tbody', attrs, rows);
};
TableBody.props = { bare: Boolean };
TableBody.inheritAttrs = false;
