import { defineOperationApp } from '@directus/extensions-sdk';
import { choiceOption } from '../../app/shared/extension-options.js';

const KINDS = [
  { text: 'Weekly digest', value: 'weekly_digest' },
  { text: 'Central stock check digest', value: 'central_stock_check_digest' },
  { text: 'Cost Control Daily Pack', value: 'cost_daily_pack' },
  { text: 'Supply ETA near (daily check)', value: 'eta_near' },
];

export default defineOperationApp({
  id: 'crm-digest',
  name: 'CRM digest',
  icon: 'mail',
  description: 'Emails one kind of digest to every org (once per org and period).',
  overview: ({ kind }) => [{ label: 'Kind', text: KINDS.find((k) => k.value === kind)?.text ?? String(kind ?? '–') }],
  options: [choiceOption('kind', 'Kind', KINDS, 'weekly_digest')],
});
