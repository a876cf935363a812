/**
 * A form declared as a list of fields (FormFields renders it): each field's label (a message key),
 * the server's field name its reason comes under, the model's property and the input's test id.
 * `input(...)` is a v-input, `select(...)` a v-select of `items`.
 */
import type { MaybeRef, Ref } from 'vue';
import type { ApiProblem } from './api-error.js';

export type SelectItems = Array<{ text: string; value: unknown }>;

export interface FieldOptions {
  /** The model's property; the field's name unless said. */
  key?: string;
  /** Parameters of the label's message. */
  params?: Record<string, unknown>;
  /** A literal placeholder (`'1000.00'`), or `tip`: a message key. */
  placeholder?: string;
  tip?: string;
  type?: string;
  full?: boolean;
  errorTestid?: string;
  /** Shown only while it says so. */
  when?: () => boolean;
  /** Called with the new value after the model took it. */
  change?: (value: unknown) => unknown;
}

export interface FieldSpec extends FieldOptions {
  label: string;
  field: string;
  testid: string;
  items?: MaybeRef<SelectItems>;
}

export const input = (label: string, field: string, testid: string, options: FieldOptions = {}): FieldSpec => ({
  label,
  field,
  testid,
  ...options,
});

export const select = (
  label: string,
  field: string,
  testid: string,
  items: MaybeRef<SelectItems>,
  options: FieldOptions = {},
): FieldSpec => ({
  ...input(label, field, testid, options),
  items,
});

/** What a FieldForm's state is: the page's refs of its last refusal and of the request running. */
export interface FormState {
  problem: Ref<ApiProblem | null>;
  busy: Ref<boolean>;
  /** The submit button's message key (a function where it depends on the form). */
  submit: string | (() => string);
  /** More reasons not to send (the button is disabled). */
  blocked?: () => boolean;
  /** Each field's reason's test id: this prefix and the field's name (unless the field says its own). */
  errorPrefix?: string;
  /** What the last submit answered, above the button (`success`, `info` or `warning` notices). */
  notices?: () => FormNotice[];
}

/** One notice of a form: its kind, its test id and its message key with the message's values. */
export interface FormNotice {
  type: 'success' | 'info' | 'warning';
  testid: string;
  message: string;
  params: Record<string, unknown>;
}

export const notice = (type: FormNotice['type'], testid: string, message: string, params: Record<string, unknown> = {}): FormNotice => ({
  type,
  testid,
  message,
  params,
});

/** A form (FieldForm): `<testid>-error` and `<testid>-submit`, the model its fields write into, its state and its fields. */
export interface FormSpec extends FormState {
  testid: string;
  model: object;
  fields: FieldSpec[];
}

export const defineForm = (testid: string, model: object, state: FormState, fields: FieldSpec[] = []): FormSpec => ({
  testid,
  model,
  fields,
  ...state,
});
