/**
 * The version of the CRM ↔ WMS integration contract this folder implements.
 *
 * The user stories cite "integration contract v1.0.23 (LOCKED)". Every envelope carries this exact
 * string in `contract_version`; a receiver rejects anything else with UNSUPPORTED_CONTRACT_VERSION
 * instead of guessing how an unknown version maps onto its tables.
 */
export const CONTRACT_VERSION = '1.0.23';
export type ContractVersion = typeof CONTRACT_VERSION;
