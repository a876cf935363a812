import { describe, expect, it, vi } from 'vitest';
import { auditedRowAction, offered, rowAction } from './row-actions.js';
import type { AuditedActionState } from './audited-action.js';

describe('row actions', () => {
  it('keeps the offered actions in order and leaves out false, null and undefined', () => {
    const a = rowAction('a-1', 'crm.x.a', () => {});
    const b = rowAction('b-1', 'crm.x.b', () => {}, { primary: true });
    expect(offered(false, a, null, undefined, b).map((x) => x.testid)).toEqual(['a-1', 'b-1']);
    expect(offered(false, null)).toEqual([]);
    expect(b).toMatchObject({ primary: true, label: 'crm.x.b' });
  });

  it('an audited action is labelled with its own button and opens on the target', () => {
    const open = vi.fn();
    const action = { messagesOf: (t: { kind: string }) => `crm.po.${t.kind}`, open } as unknown as AuditedActionState<{ kind: string }>;
    const target = { kind: 'cancel' };
    const spec = auditedRowAction(action, target, 'cancel-PO-1', { danger: true });
    expect(spec).toMatchObject({ testid: 'cancel-PO-1', label: 'crm.po.cancel.action', danger: true });
    spec.run();
    expect(open).toHaveBeenCalledWith(target);
  });
});
