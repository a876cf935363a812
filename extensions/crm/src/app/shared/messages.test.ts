import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CRM_MESSAGES, type MessageTree } from './messages.js';

function flatten(tree: MessageTree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') out.set(path, value);
    else for (const [k, v] of flatten(value, path)) out.set(k, v);
  }
  return out;
}
const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

const en = flatten(CRM_MESSAGES['en-US']!);
const tr = flatten(CRM_MESSAGES['tr-TR']!);

describe('CRM messages', () => {
  it('Turkish has exactly the English keys, each with the same placeholders', () => {
    expect([...tr.keys()].sort()).toEqual([...en.keys()].sort());
    for (const [key, text] of en) expect(placeholders(tr.get(key)!), key).toEqual(placeholders(text));
  });

  it('no text uses vue-i18n syntax other than {name} placeholders (no @, $, |, stray braces)', () => {
    for (const [locale, messages] of [
      ['en-US', en],
      ['tr-TR', tr],
    ] as const) {
      for (const [key, text] of messages) {
        expect(text.replace(/\{\w+\}/g, ''), `${locale} ${key}`).not.toMatch(/[@$|{}]/);
        expect(text.trim().length, `${locale} ${key}`).toBeGreaterThan(0);
      }
    }
  });

  it('every key the app modules use exists (and every static key is used)', () => {
    const root = join(import.meta.dirname, '..');
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter(
      (f) => f.endsWith('.vue') || (f.endsWith('.ts') && !f.endsWith('.test.ts')),
    );
    const used = new Set<string>();
    const prefixes = new Set<string>();
    for (const file of files) {
      const source = readFileSync(join(root, file), 'utf8');
      for (const m of source.matchAll(/\bt\('crm\.([\w.]+)'/g)) used.add(m[1]!);
      for (const m of source.matchAll(/\bt\(`crm\.([\w.]+?)\.?\$\{/g)) prefixes.add(m[1]!);
      // Keys named as data: `label: 'crm.import.count.new'`, `limits: 'crm.…'` (the import panel's config).
      for (const m of source.matchAll(/\b(?:label|limits): 'crm\.([\w.]+)'/g)) used.add(m[1]!);
      // An audited action's dialog (audited-action.ts): messages: 'crm.payments.reverse' or `crm.proformas.${kind}`.
      for (const m of source.matchAll(/\bmessages: (?:\([^)]*\) => )?['`]crm\.([\w.]+?)\.?(?:'|\$\{)/g)) prefixes.add(m[1]!);
      // ChoiceBar: label-prefix="crm.email.filter." (a label per option).
      for (const m of source.matchAll(/label-prefix="crm\.([\w.]+?)\.?"/g)) prefixes.add(m[1]!);
      // choices(FILTERS, 'crm.email.filter.', 'filter-') (choices.ts): the same, declared in a script.
      for (const m of source.matchAll(/\bchoices\([^,]+, '(?:crm\.)([\w.]+?)\.?'/g)) prefixes.add(m[1]!);
      // GridTable columns: 'pricing.col.meters:num'.
      for (const m of source.matchAll(/'(\w+\.col\.\w+)(?::\w+)?'/g)) used.add(m[1]!);
      // A declared table (data-table.ts): its texts `title: 'crm.…'`, `hint:`, `empty:` and a column's key `col('insights.org', …)`.
      for (const m of source.matchAll(/\b(?:title|hint|empty): 'crm\.([\w.]+)'/g)) used.add(m[1]!);
      for (const m of source.matchAll(/\bcol(?:<\w+>)?\('([\w.]+)'/g)) used.add(m[1]!);
      // A page's own table helper takes its texts as arguments: a literal key is a key used.
      for (const m of source.matchAll(/'crm\.([\w.]*\w)'/g)) if (en.has(m[1]!)) used.add(m[1]!);
      // A kit component's prop that takes a key: nothing-in-scope="crm.wms.nothing_in_scope" (PageHead).
      for (const m of source.matchAll(/="crm\.([\w.]*\w)"/g)) if (en.has(m[1]!)) used.add(m[1]!);
      // CommandCenterView name="pricing": crm.pricing.title, .headline, .subject.
      for (const m of source.matchAll(/<command-center-view\s+name="(\w+)"/g))
        for (const part of ['title', 'headline', 'subject']) if (en.has(`${m[1]}.${part}`)) used.add(`${m[1]}.${part}`);
      // <command-center-view name="wms" … no-access-hint>: crm.wms.no_access_hint.
      for (const m of source.matchAll(/<command-center-view\s+name="(\w+)"[^>]*\sno-access-hint[\s>]/g)) used.add(`${m[1]}.no_access_hint`);
    }
    for (const key of used) expect(en.has(key), key).toBe(true);
    for (const prefix of prefixes)
      expect(
        [...en.keys()].some((k) => k.startsWith(prefix)),
        prefix,
      ).toBe(true);
    const unused = [...en.keys()].filter((k) => !used.has(k) && ![...prefixes].some((p) => k.startsWith(p)));
    expect(unused).toEqual([]);
  });
});
