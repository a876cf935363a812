/**
 * The loading pattern every command center shares: a flag while a request runs, the server's
 * refusal as a problem, and for the page's first read the no-access state (a 403 means the server
 * gives this user nothing here; the page only says so).
 */
import { reactive, toRef, type Ref } from 'vue';
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
 * The page's own read: `frame.loading`, `frame.noAccess` (the server's reason on 403) and
 * `frame.problem` (any other failure), for CommandCenterView's `page` prop. `onNoAccess` clears
 * what the page showed before the refusal. `flash` is the page's success message and `problem` the
 * refusal of its other actions (for `attempt`); `announce(text)` shows a message and reads the page
 * again (what every action does after the server said yes).
 */
export function usePageLoad(read: () => Promise<void>, onNoAccess: () => void = () => {}) {
  const frame = reactive({
    loading: true,
    noAccess: null as string | null,
    problem: null as ApiProblem | null,
    /** The page's success message and the refusal of its other actions (PageHead shows both). */
    flash: null as string | null,
    error: null as ApiProblem | null,
    /** Read the page again (CommandCenterView's reload action). */
    reload: (): Promise<void> => load(),
  });
  async function load(): Promise<void> {
    frame.loading = true;
    frame.problem = null;
    try {
      await read();
      frame.noAccess = null;
    } catch (error) {
      const problem = apiProblem(error);
      if (problem.status === 403) {
        frame.noAccess = problem.message;
        onNoAccess();
      } else {
        frame.problem = problem;
      }
    } finally {
      frame.loading = false;
    }
  }
  /** `announce` shows a success message and reads the page again. */
  async function announce(message: string): Promise<void> {
    frame.flash = message;
    await load();
  }
  return { frame, load, announce, flash: toRef(frame, 'flash'), problem: toRef(frame, 'error') };
}

export type PageState = ReturnType<typeof usePageLoad>['frame'];

/** The codes of the orgs in the user's Org Scope, by id (`/crm/me/org-context`), for a page's org column. */
export async function orgCodesInScope(api: { get: (url: string) => Promise<{ data: { data: unknown } }> }): Promise<Map<string, string>> {
  const context = (await api.get('/crm/me/org-context')).data.data as { orgs_in_scope: Array<{ id: string; code: string }> };
  return new Map(context.orgs_in_scope.map((o) => [o.id, o.code]));
}
