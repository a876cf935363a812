/**
 * The actions of one BulkActionBar on one selection: each acts on the selection's rows (`count`)
 * and all are busy while one runs (`busy`), so a page names only what differs: the test id, the
 * message, what it runs and, for some, `kind` or its own `count`/`n`.
 */
export interface SelectionAction {
  testid: string;
  label: string;
  run: () => unknown;
  kind?: 'danger' | 'secondary';
  count?: number;
  n?: number;
}

export const bulk = (testid: string, label: string, run: () => unknown, more: Partial<SelectionAction> = {}): SelectionAction => ({
  testid,
  label,
  run,
  ...more,
});

export const onSelection = (count: number, busy: boolean, actions: SelectionAction[]) => actions.map((a) => ({ count, busy, ...a }));
