/**
 * Every string of the CRM's app modules, in English (`locales/en-US.json`, also the app's
 * fallback) and Turkish (`locales/tr-TR.json`), keyed by Directus language code
 * (directus_users.language). Merged under `crm.` into the Directus app's vue-i18n messages
 * (i18n.ts), so a page says `t('crm.pricing.title')`. vue-i18n syntax: `{name}` is a placeholder;
 * never put `@`, `$`, `|`, `{` or `}` in a text (messages.test.ts checks that, and that both
 * languages have the same keys and placeholders). What the server answers (error messages, field
 * reasons) stays as it says it.
 */
import enUS from './locales/en-US.json' with { type: 'json' };
import trTR from './locales/tr-TR.json' with { type: 'json' };

export type MessageTree = { [key: string]: string | MessageTree };

export const CRM_MESSAGES: Record<string, MessageTree> = { 'en-US': enUS, 'tr-TR': trTR };
