/**
 * The page-by-page sweep of the admin app (sweep-suite.ts) for one demo user of each role, in the
 * browser process (`BROWSER` in vitest.config.ts), after its other files.
 *
 * One sweep at a time on the machine: split in two halves (one here, one in the integration
 * process), the two Chromium sweeps overlapped, and twice in full runs the admin's sweep, at the
 * end of the integration files, ran past its 600 s limit although the same sweep of the same data
 * took 112 s alone (docs/testing.md). In one process the sweeps cannot overlap.
 */
import { sweepSuite } from './sweep-suite.js';

sweepSuite([
  'admin@example.com',
  'manager@example.com',
  'finance@example.com',
  'sales.mod@example.com',
  'pricing@example.com',
  'costing@example.com',
  // No grant: sees no CRM data (fx_rates too, through crm_group since issue #9), no error either.
  'nogrant@example.com',
  // sales.jtr@ has sales.mod@'s role, policies and pages (its org's rows are the API isolation
  // tests' subject, and the admin's sweep opens JTR's items too), so it is not swept again.
]);
