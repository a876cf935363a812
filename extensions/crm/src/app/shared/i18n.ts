/**
 * The CRM's strings through the Directus app's own vue-i18n instance: the app's locale follows the
 * user's Directus language (`directus_users.language`, e.g. `tr-TR`), and its fallback is `en-US`,
 * so a language the CRM has no translation for shows English. `vue-i18n` is one of the app's shared
 * dependencies (APP_SHARED_DEPS): the bundle imports the app's copy, never a second one.
 *
 * The messages (messages.ts) are merged under `crm.` into the app's global messages once per app
 * instance; the app merges its own language files the same way (mergeLocaleMessage), so switching
 * the language later keeps them.
 */
import { useI18n } from 'vue-i18n';
import { CRM_MESSAGES } from './messages.js';

const merged = new WeakSet<object>();

export function useCrmI18n() {
  const i18n = useI18n({ useScope: 'global' });
  if (!merged.has(i18n)) {
    for (const [locale, messages] of Object.entries(CRM_MESSAGES)) i18n.mergeLocaleMessage(locale, { crm: messages });
    merged.add(i18n);
  }
  return { t: i18n.t, te: i18n.te, locale: i18n.locale };
}
