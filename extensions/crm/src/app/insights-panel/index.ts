/**
 * The Insights panel of the command centers' dashboard ("custom extension panels for command
 * centers"): one panel type, one figure per panel (Human Gate counts, emails failed or dead, WMS
 * delivery health, supply ETA near, exposure per org and currency, stale and missing prices), read from GET /crm/insights, which computes each figure for
 * the orgs of the viewer's Org Scope where their grant may see it. Each panel links into its
 * command center. The dashboard itself is applied at start (scripts/lib/dashboards.ts).
 */
import { definePanel } from '@directus/extensions-sdk';
import { choiceOption } from '../shared/extension-options.js';
import InsightPanel from './InsightPanel.vue';

/** The figures a panel can show (its `figure` option), with what the panel editor calls them. */
const FIGURE_NAMES = {
  human_gates: 'Human Gates: items waiting per gate',
  emails: 'Emails failed or dead',
  wms_delivery: 'WMS delivery health',
  supply_eta_near: 'Supply ETA near',
  exposure: 'Exposure per org and currency',
  prices: 'Stale and missing prices',
};
export const FIGURES = Object.entries(FIGURE_NAMES).map(([value, text]) => ({ text, value }));

export default definePanel({
  id: 'crm-insight',
  name: 'CRM figure',
  icon: 'insights',
  description: 'A command-center figure of the orgs in your Org Scope (only what your grants let you see).',
  component: InsightPanel,
  options: [choiceOption('figure', 'Figure', FIGURES, 'human_gates')],
  minWidth: 12,
  minHeight: 8,
});
