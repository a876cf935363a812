// Lets `tsc` type-check module entry files that import single-file components; the components
// themselves are compiled (and type-stripped) by the extension build.
declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}

// The part of vue-i18n (the Directus app's shared copy, not installed here) the CRM modules use.
declare module 'vue-i18n' {
  import type { WritableComputedRef } from 'vue';
  export interface Composer {
    locale: WritableComputedRef<string>;
    t(key: string, named?: Record<string, unknown>): string;
    /** Whether the locale has the message (`te` of vue-i18n). */
    te(key: string, locale?: string): boolean;
    mergeLocaleMessage(locale: string, messages: Record<string, unknown>): void;
  }
  export function useI18n(options?: { useScope?: 'global' | 'local' | 'parent' }): Composer;
}
