/**
 * An audited action on one target (a row, a deal, a form) behind NoteDialog: what the dialog says
 * (`messages`: the message group with `.title`, `.action` and, when it has them, `.explain` and
 * `.placeholder`; `params` fill them; `subject` names the item the explanation is about),
 * the request with the note (`send`), and what follows success (`done`, with what `send` answered:
 * a flash, a reload) or a
 * refusal (`refused`: the refusal stays in the dialog). `open(target)` clears the note and the last
 * refusal; `confirm()` sends with the busy flag and closes the dialog on success; `close()` does
 * nothing while the request runs. Reactive, so the dialog binds `action.note`, `action.busy`,
 * `action.problem`, `action.target`; a page with several kinds of action on one dialog makes the
 * target `{ kind, row }` and `messages` a function of it.
 */
import { computed, reactive, ref, type Ref } from 'vue';
import type { ApiProblem } from './api-error.js';
import { attempt } from './loading.js';

export interface AuditedActionOptions<T, R> {
  /** Prefix of the dialog's test ids (NoteDialog): `${testid}-dialog`, `-note`, `-confirm`, … */
  testid: string;
  /** The message group of the dialog (`crm.payments.reverse`): `<messages>.title`, `.explain`, `.action`, `.placeholder`. */
  messages: string | ((target: T) => string);
  /** The values of the dialog's messages (its title and explanation) for a target. */
  params?: (target: T) => Record<string, unknown>;
  /** What the explanation is about, shown as code before it (an idempotency key). */
  subject?: (target: T) => string;
  send: (target: T, note: string) => Promise<R>;
  /** After the server said yes (the dialog has closed), with what `send` answered. */
  done?: (target: T, answer: R) => unknown;
  refused?: (problem: ApiProblem, target: T) => unknown;
  /** The note may stay empty (a resend's message to the customer). */
  noteOptional?: boolean;
  /** When the dialog opens on a target: fill the dialog's own fields from it. */
  opened?: (target: T) => void;
}

/** What NoteDialog reads of an action (`T`: its target). */
export interface AuditedActionState<T> {
  readonly testid: string;
  readonly target: T | null;
  note: string;
  readonly busy: boolean;
  readonly problem: ApiProblem | null;
  readonly messages: string;
  readonly params: Record<string, unknown>;
  readonly subject: string | null;
  readonly noteOptional: boolean;
  /** The message group for a target (RowAction's label is its `.action`). */
  messagesOf(target: T): string;
  open(target: T): void;
  close(): void;
  confirm(): Promise<T | null>;
}

export function useAuditedAction<T, R = unknown>(options: AuditedActionOptions<T, R>) {
  const target = ref<T | null>(null) as Ref<T | null>;
  const note = ref('');
  const busy = ref(false);
  const problem = ref<ApiProblem | null>(null);
  const messagesOf = (value: T) => (typeof options.messages === 'string' ? options.messages : options.messages(value));
  const messages = computed(() => (target.value === null ? '' : messagesOf(target.value)));
  const params = computed(() => (target.value === null || !options.params ? {} : options.params(target.value)));
  const subject = computed(() => (target.value === null || !options.subject ? null : options.subject(target.value)));

  function open(value: T) {
    target.value = value;
    note.value = '';
    problem.value = null;
    options.opened?.(value);
  }
  function close() {
    if (!busy.value) target.value = null;
  }
  /** Work the dialog waits for before the note (a preview), with the dialog's busy flag and problem. */
  function prepare(work: () => Promise<void>): Promise<boolean> {
    return attempt(busy, problem, work);
  }
  async function confirm(): Promise<T | null> {
    const current = target.value;
    if (current === null || busy.value) return null;
    let answer: R | undefined;
    const ok = await attempt(busy, problem, async () => {
      answer = await options.send(current, note.value);
    });
    if (!ok) {
      if (problem.value) await options.refused?.(problem.value, current);
      return null;
    }
    target.value = null;
    await options.done?.(current, answer as R);
    return current;
  }
  return reactive({
    testid: options.testid,
    target,
    note,
    busy,
    problem,
    messages,
    params,
    subject,
    noteOptional: options.noteOptional ?? false,
    messagesOf,
    open,
    close,
    prepare,
    confirm,
  });
}
