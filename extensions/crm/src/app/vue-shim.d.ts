// Lets `tsc` type-check module entry files that import single-file components; the components
// themselves are compiled (and type-stripped) by the extension build.
declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}
