import { defineOperationApp } from '@directus/extensions-sdk';

export default defineOperationApp({
  id: 'crm-costing-run',
  name: 'CRM: run costing / Maliyetlendirmeyi çalıştır',
  icon: 'calculate',
  description:
    'Books new WMS receipts, issues shipped stock at WAC and refreshes WAC. / Yeni depo girişlerini kaydeder, sevk edilen stoğu AOM ile düşer, AOM’yi günceller.',
  overview: () => [{ label: 'Costing / Maliyet', text: 'receipts, issues, WAC' }],
  options: [],
});
