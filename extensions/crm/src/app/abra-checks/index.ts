/**
 * The Abra central stock checks of a deal on its item page (stories 46, 50): a presentation
 * interface on the alias field `deals.abra_checks` (and `deal_lines.abra_checks`), so whoever opens
 * the deal in the Directus app sees each line's current check and its history, newest first, as
 * GET /crm/deals/:id/stock-checks (or /crm/deal-lines/:id/stock-checks) answers it. The server
 * decides who sees what (a deal of an org without a grant is not found); the interface only shows.
 */
import { defineInterface } from '@directus/extensions-sdk';
import AbraChecksInterface from './AbraChecksInterface.vue';

export default defineInterface({
  id: 'crm-abra-checks',
  name: 'Abra central stock checks',
  icon: 'inventory',
  description: "The deal lines' Abra central stock checks received from the WMS, with their history (read-only).",
  component: AbraChecksInterface,
  types: ['alias'],
  localTypes: ['presentation'],
  group: 'presentation',
  options: null,
});
