// Build configuration for `directus-extension build`.
//
// Runtime dependencies installed at the project root stay external and are resolved from there at
// run time: pg-boss and pg, so the bundle carries no second copy of the driver and native/optional
// requires inside pg are never rewritten by the CommonJS plugin; exceljs, a large CommonJS library
// that would otherwise make up most of the bundle and of its build time; pdfkit, which reads its own
// data files (font metrics) next to its sources at run time.
const RUNTIME_EXTERNALS = new Set(['pg-boss', 'pg', 'exceljs', 'pdfkit']);

export default {
  plugins: [
    {
      name: 'crm-runtime-externals',
      resolveId(source) {
        if (RUNTIME_EXTERNALS.has(source)) return { id: source, external: true };
        return null;
      },
    },
    {
      // zod's sources carry explanatory comments that mention `@__PURE__` in a place Rollup cannot
      // use; Rollup drops them and prints a warning on every build (and so on every `npm ci`) that
      // says nothing about this project. Only that warning, only for node_modules.
      name: 'crm-quiet-dependency-annotations',
      onLog(_level, log) {
        if (log.code === 'INVALID_ANNOTATION' && /[\\/]node_modules[\\/]/.test(log.id ?? '')) return false;
        return undefined;
      },
    },
  ],
};
