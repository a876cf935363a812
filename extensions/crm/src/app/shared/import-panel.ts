/** What one import of the one pipeline shows in the shared ImportPanel (docs/imports.md). */
export interface ImportPanelConfig {
  /** The words: `crm.import.kind.<kind>.*` (title, dry_run_hint, apply, applied, applied_flash). */
  kind: string;
  /** The data-testid prefix of every element of the panel. */
  testid: string;
  /** POST an .xlsx here (the dry run); `<base>/<id>/apply` applies it; GET lists recent imports. */
  base: string;
  template: string;
  templateFile: string;
  columns: readonly string[];
  /** The counts shown, with their words. */
  counts: ReadonlyArray<{ key: 'new' | 'changed' | 'unchanged'; label: string; tone?: 'success' | 'warning' | 'neutral' }>;
  /** The limits sentence (default `crm.import.limits`). */
  limits?: string;
  /** Poll the import's record while the dry run reads (rows read so far). */
  progress?: boolean;
}
