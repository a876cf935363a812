/**
 * The loading pattern every command center shares: a flag while a request runs, the server's
 * refusal as a problem, and for the page's first read the no-access state (a 403 means the server
 * gives this user nothing here; the page only says so).
 */
import { reactive, type Ref } from 'vue';
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
