// Build configuration for `directus-extension build`.
//
// pg-boss and pg stay external: they are installed at the project root and resolved from there at
// run time, so the bundle carries one copy of the driver (the one Directus' own `pg` could differ
// in version) and native/optional requires inside pg are never rewritten by the CommonJS plugin.
const RUNTIME_EXTERNALS = new Set(['pg-boss', 'pg']);

export default {
  plugins: [
    {
      name: 'crm-runtime-externals',
      resolveId(source) {
        if (RUNTIME_EXTERNALS.has(source)) return { id: source, external: true };
        return null;
      },
    },
  ],
};
