/**
 * The choices of a ChoiceBar, declared once in a page's script: the options, the message key
 * prefix of their labels (`<labelPrefix><option>`) and of their test ids (`<testidPrefix><option>`).
 */
export interface Choices<O extends string> {
  options: readonly O[];
  labelPrefix: string;
  testidPrefix: string;
}

export const choices = <O extends string>(options: readonly O[], labelPrefix: string, testidPrefix: string): Choices<O> => ({
  options,
  labelPrefix,
  testidPrefix,
});
