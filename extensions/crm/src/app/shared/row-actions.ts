/**
 * The buttons of a table row declared as a list in the page's script (RowActions renders them, each
 * a RowAction): a button's test id, its label (a message key), what it runs, and its look. An entry
 * that is `false` (the row does not offer that action now) is left out, so a page writes
 * `offered(may('release_po', p.id) && rowAction(…))`. Pure, so it is unit-tested beside its source.
 */
import type { AuditedActionState } from './audited-action.js';

export interface RowActionSpec {
  testid: string;
  /** The button's message key (below the app's messages, e.g. `crm.workspace.action.release_po`). */
  label: string;
  run: () => void;
  primary?: boolean;
  danger?: boolean;
  icon?: string;
  loading?: boolean;
}

export type RowActionLook = Pick<RowActionSpec, 'primary' | 'danger' | 'icon' | 'loading'>;

/** A button that runs `run`. */
export const rowAction = (testid: string, label: string, run: () => void, look: RowActionLook = {}): RowActionSpec => ({
  testid,
  label,
  run,
  ...look,
});

/** A button that opens the audited action on `target`, labelled with the action's own button (`<messages>.action`). */
export const auditedRowAction = <T>(action: AuditedActionState<T>, target: T, testid: string, look: RowActionLook = {}): RowActionSpec => ({
  testid,
  label: `${action.messagesOf(target)}.action`,
  run: () => action.open(target),
  ...look,
});

/** The actions a row offers now, in order: entries that are `false`, `null` or `undefined` are left out. */
export const offered = (...actions: Array<RowActionSpec | false | null | undefined>): RowActionSpec[] =>
  actions.filter((a): a is RowActionSpec => Boolean(a));
