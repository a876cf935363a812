/**
 * "Emails" command center (issue #12, stories 61-71): the email outbox of the orgs in the user's
 * Org Scope (state, type, recipients, related deal and PO, suppression reasons), each email as it
 * was rendered (HTML preview in a sandboxed frame, and its plain text), and for the CRM admin the
 * retry of a dead email with an audited note (POST /crm/emails/:id/retry). Reads GET /crm/emails,
 * which answers only what the caller's grants allow.
 */
import { commandCenterModule } from '../shared/command-center-module.js';
import { mayUseEmails } from '../shared/module-access.js';
import EmailsPage from './EmailsPage.vue';

export default commandCenterModule({ id: 'emails', name: 'Emails', icon: 'mail', page: EmailsPage, mayUse: mayUseEmails });
