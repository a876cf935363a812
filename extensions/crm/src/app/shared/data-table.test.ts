import { describe, expect, it } from 'vitest';
import { col, cols, defineTable, headsOf, rowAttrs, rowId, rowKey, shownColumns } from './data-table.js';
import { offered, rowAction } from './row-actions.js';

type Row = { id: string; code: string; amount: string; status: string };
const row: Row = { id: 'r1', code: 'D-1', amount: '12.50', status: 'open' };

describe('data-table', () => {
  it('a column reads a field or a function, names its slot and aligns numbers', () => {
    const [code, amount] = cols<Row>({ 'x.col.code': 'code', 'x.col.amount:num': 'amount' });
    expect([code!.name, code!.read(row), code!.class]).toEqual(['code', 'D-1', undefined]);
    expect([amount!.name, amount!.read(row), amount!.class, amount!.num]).toEqual(['amount', '12.50', 'num', true]);
    const label = col<Row>('x.col.label', (r) => `${r.code}!`, { class: 'nowrap' });
    expect([label.name, label.read(row), label.class]).toEqual(['label', 'D-1!', 'nowrap']);
    expect(col<Row>('x.col.action', null).read(row)).toBe('');
    expect([col<Row>('x.col.code', 'code', { code: true }).code, code!.code]).toEqual([true, false]);
    expect(headsOf([code!, amount!, label])).toEqual(['x.col.code', 'x.col.amount:num', 'x.col.label']);
  });

  it('a column of row buttons offers, per row, what `actions` says (RowActions renders them)', () => {
    const open = (r: Row) => rowAction(`open-${r.code}`, 'x.action.open', () => undefined);
    const actions = col<Row>('x.col.actions', null, { actions: (r) => offered(r.status === 'open' && open(r)) });
    expect(actions.name).toBe('actions');
    expect(actions.actions?.(row).map((a) => a.testid)).toEqual(['open-D-1']);
    expect(actions.actions?.({ ...row, status: 'closed' })).toEqual([]);
    expect(col<Row>('x.col.code', 'code').actions).toBeUndefined();
  });

  it('a column with `when` is shown only while it says so', () => {
    let may = false;
    const table = defineTable<Row>({ columns: [col('x.col.code', 'code'), col('x.col.action', null, { when: () => may })] });
    expect(shownColumns(table).map((c) => c.name)).toEqual(['code']);
    may = true;
    expect(shownColumns(table).map((c) => c.name)).toEqual(['code', 'action']);
  });

  it('a row has its key, selection id and attributes', () => {
    const plain = defineTable<Row>({ columns: [] });
    expect([rowKey(plain, row), rowId(plain, row), rowAttrs(plain, row)]).toEqual(['r1', 'r1', {}]);
    const table = defineTable<Row>({
      columns: [],
      key: (r) => r.code,
      id: (r) => `id-${r.id}`,
      rowTestid: (r) => `deal-${r.code}`,
      row: (r) => ({ 'data-status': r.status }),
    });
    expect([rowKey(table, row), rowId(table, row)]).toEqual(['D-1', 'id-r1']);
    expect(rowAttrs(table, row)).toEqual({ 'data-testid': 'deal-D-1', 'data-status': 'open' });
  });
});
