import { defineOperationApp } from '@directus/extensions-sdk';

export default defineOperationApp({
  id: 'crm-costing-valuation',
  name: 'CRM: valuation snapshot / Stok değerleme',
  icon: 'inventory',
  description: 'Inventory value per owner org, quality and warehouse as of a moment. / Sahip şirket, kalite ve depo bazında stok değeri.',
  overview: ({ as_of }) => [{ label: 'As of / Tarih', text: as_of || 'now / şimdi' }],
  options: [
    {
      field: 'as_of',
      name: 'As of (ISO 8601) / Tarih',
      type: 'string',
      meta: { width: 'full', interface: 'input', options: { placeholder: '2026-03-31T23:59:59+03:00' } },
    },
  ],
});
