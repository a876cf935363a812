/**
 * The option of a Directus extension (a panel, an operation) that is one choice from a list: its
 * field, its name in the editor, the choices (`{ text, value }`) in a full-width dropdown and the
 * value a new panel or operation starts with.
 */
export const choiceOption = (field: string, name: string, choices: Array<{ text: string; value: string }>, defaultValue: string) => ({
  field,
  name,
  type: 'string' as const,
  meta: { width: 'full' as const, interface: 'select-dropdown', options: { choices } },
  schema: { default_value: defaultValue },
});
