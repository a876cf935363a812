/**
 * The Insights dashboard of the command centers, as code: applied at every start (like flows.ts),
 * its panels replaced exactly by these. Every panel is a `crm-insight` panel (the bundle's panel
 * extension, extensions/crm/src/app/insights-panel) reading GET /crm/insights, which computes each
 * figure for the viewer's grants and Org Scope only.
 */
import type { DirectusApi } from './directus-api.js';

export const INSIGHTS_DASHBOARD = {
  id: '6f1c2a4e-8d3b-4c57-9a10-2b7e5d9c0a11',
  name: 'Command centers',
  icon: 'insights',
  note: 'Human Gates, emails, WMS deliveries, supply ETAs, exposure and prices of the orgs in your Org Scope.',
  color: '#1F4E79',
};

interface PanelSpec {
  id: string;
  name: string;
  icon: string;
  figure: 'human_gates' | 'emails' | 'wms_delivery' | 'supply_eta_near' | 'exposure' | 'prices';
  position_x: number;
  position_y: number;
}

export const INSIGHTS_PANELS: PanelSpec[] = [
  { id: '6f1c2a4e-8d3b-4c57-9a10-2b7e5d9c0a21', name: 'Human Gates', icon: 'rule', figure: 'human_gates', position_x: 1, position_y: 1 },
  {
    id: '6f1c2a4e-8d3b-4c57-9a10-2b7e5d9c0a22',
    name: 'Emails failed or dead',
    icon: 'mail',
    figure: 'emails',
    position_x: 25,
    position_y: 1,
  },
  {
    id: '6f1c2a4e-8d3b-4c57-9a10-2b7e5d9c0a23',
    name: 'WMS delivery health',
    icon: 'sync_alt',
    figure: 'wms_delivery',
    position_x: 1,
    position_y: 17,
  },
  {
    id: '6f1c2a4e-8d3b-4c57-9a10-2b7e5d9c0a24',
    name: 'Supply ETA near',
    icon: 'factory',
    figure: 'supply_eta_near',
    position_x: 25,
    position_y: 17,
  },
  {
    id: '6f1c2a4e-8d3b-4c57-9a10-2b7e5d9c0a25',
    name: 'Exposure per org and currency',
    icon: 'account_balance',
    figure: 'exposure',
    position_x: 1,
    position_y: 33,
  },
  {
    id: '6f1c2a4e-8d3b-4c57-9a10-2b7e5d9c0a26',
    name: 'Stale and missing prices',
    icon: 'sell',
    figure: 'prices',
    position_x: 25,
    position_y: 33,
  },
];

/** The panel rows as Directus keeps them, for comparing and writing. */
function panelRow(panel: PanelSpec, dashboard: string) {
  return {
    id: panel.id,
    dashboard,
    name: panel.name,
    icon: panel.icon,
    color: null,
    show_header: true,
    note: null,
    type: 'crm-insight',
    position_x: panel.position_x,
    position_y: panel.position_y,
    width: 24,
    height: 16,
    options: { figure: panel.figure },
  };
}

const PANEL_FIELDS = 'id,dashboard,name,icon,color,show_header,note,type,position_x,position_y,width,height,options';

/**
 * Applies the dashboard and its panels; what already matches is left alone, so a restart writes
 * nothing (no revision, no activity: tests/foundation/lifecycle.test.ts).
 */
export async function applyInsightsDashboard(api: DirectusApi): Promise<void> {
  const { id, ...dashboard } = INSIGHTS_DASHBOARD;
  const existing = await api.get<Array<typeof INSIGHTS_DASHBOARD>>(`/dashboards?filter[id][_eq]=${id}&fields=id,name,icon,note,color`);
  if (!existing.length) await api.post('/dashboards', INSIGHTS_DASHBOARD);
  else if (Object.entries(dashboard).some(([key, value]) => existing[0]![key as keyof typeof dashboard] !== value))
    await api.patch(`/dashboards/${id}`, dashboard);
  const wanted = INSIGHTS_PANELS.map((panel) => panelRow(panel, id));
  const current = await api.get<Array<Record<string, unknown>>>(
    `/panels?filter[dashboard][_eq]=${id}&fields=${PANEL_FIELDS}&limit=-1&sort=id`,
  );
  const same =
    current.length === wanted.length &&
    wanted.every((want) => {
      const have = current.find((c) => c['id'] === want.id);
      return have !== undefined && Object.entries(want).every(([key, value]) => JSON.stringify(have[key]) === JSON.stringify(value));
    });
  if (same) return;
  if (current.length)
    await api.delete(
      '/panels',
      current.map((p) => p['id'] as string),
    );
  for (const row of wanted) await api.post('/panels', row);
}
