/**
 * The refusal whose field reasons a form's fields show: a form (FieldProblems) or an audited
 * action's dialog (NoteDialog) provides it once, and each FormField inside reads the reason for its
 * own field, so no field names the problem again.
 */
import { inject, provide, type InjectionKey } from 'vue';
import type { ApiProblem } from './api-error.js';

const FIELD_PROBLEM: InjectionKey<() => ApiProblem | null> = Symbol('crm-field-problem');

export function provideFieldProblem(problem: () => ApiProblem | null): void {
  provide(FIELD_PROBLEM, problem);
}

export function injectFieldProblem(): () => ApiProblem | null {
  return inject(FIELD_PROBLEM, () => null);
}
