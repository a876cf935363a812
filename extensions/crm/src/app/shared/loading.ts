/**
 * The loading pattern every command center shares: a flag while a request runs, the server's
 * refusal as a problem, and for the page's first read the no-access state (a 403 means the server
 * gives this user nothing here; the page only says so).
 */
import { reactive, ref, type Ref } from 'vue';
import { apiProblem, type ApiProblem } from './api-error.js';

/** Runs `work` with `busy` set and `problem` cleared; a failure becomes `problem`. Answers whether it succeeded. */
export async function attempt(busy: Ref<boolean>, problem: Ref<ApiProblem | null>, work: () => Promise<void>): Promise<boolean> {
  busy.value = true;
  problem.value = null;
  try {
    await work();
    return true;
  } catch (error) {
    problem.value = apiProblem(error);
    return false;
  } finally {
    busy.value = false;
  }
}

/**
 * The page's own read: `page.loading`, `page.noAccess` (the server's reason on 403) and
 * `page.problem` (any other failure), for CommandCenterView's `page` prop. `onNoAccess` clears
 * what the page showed before the refusal.
 */
export function usePageLoad(read: () => Promise<void>, onNoAccess: () => void = () => {}) {
  const page = reactive({ loading: true, noAccess: null as string | null, problem: null as ApiProblem | null });
  async function load(): Promise<void> {
    page.loading = true;
    page.problem = null;
    try {
      await read();
      page.noAccess = null;
    } catch (error) {
      const problem = apiProblem(error);
      if (problem.status === 403) {
        page.noAccess = problem.message;
        onNoAccess();
      } else {
        page.problem = problem;
      }
    } finally {
      page.loading = false;
    }
  }
  return { page, load };
}

export type PageState = ReturnType<typeof usePageLoad>['page'];

/**
 * A note dialog over one target (a row, a deal, a form): `open(target)` clears the note and the
 * last refusal, `run(work)` sends with the busy flag and keeps the dialog open on a refusal (its
 * problem shows in the dialog), closing it on success. Answers the target it acted on, or null.
 * Reactive, so a template binds `dialog.note`, `dialog.busy`, `dialog.problem`, `dialog.target`.
 */
export function useNoteDialog<T>() {
  const target = ref<T | null>(null) as Ref<T | null>;
  const note = ref('');
  const busy = ref(false);
  const problem = ref<ApiProblem | null>(null);
  function open(value: T) {
    target.value = value;
    note.value = '';
    problem.value = null;
  }
  function close() {
    target.value = null;
  }
  async function run(work: (target: T, note: string) => Promise<void>): Promise<T | null> {
    const current = target.value;
    if (current === null) return null;
    const ok = await attempt(busy, problem, () => work(current, note.value));
    if (!ok) return null;
    target.value = null;
    return current;
  }
  return reactive({ target, note, busy, problem, open, close, run });
}

/** The codes of the orgs in the user's Org Scope, by id (`/crm/me/org-context`), for a page's org column. */
export async function orgCodesInScope(api: { get: (url: string) => Promise<{ data: { data: unknown } }> }): Promise<Map<string, string>> {
  const context = (await api.get('/crm/me/org-context')).data.data as { orgs_in_scope: Array<{ id: string; code: string }> };
  return new Map(context.orgs_in_scope.map((o) => [o.id, o.code]));
}
