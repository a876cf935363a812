import { defineOperationApp } from '@directus/extensions-sdk';

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
  options: [
    {
      field: 'kind',
      name: 'Kind',
      type: 'string',
      meta: { width: 'full', interface: 'select-dropdown', options: { choices: KINDS } },
      schema: { default_value: 'weekly_digest' },
    },
  ],
});
