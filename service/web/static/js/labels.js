/* The Vietnamese names of the server's codes (statuses, actions, roles...), from GET /api/v1/labels.
 *
 * The server is their one source: this page keeps no copy. They are loaded once, before the first
 * page that shows one; a code the tables do not name is shown as it is. Captions and titles that
 * only this page uses stay with the views. */

import { api } from "./api.js";

let tables = null;
let loading = null;

/** Load the tables (once; a failed load is tried again by the next caller). */
export function loadLabels() {
  if (!loading) {
    // Public and the same for everyone: no token, and the browser may keep it (Cache-Control).
    loading = api("/labels", { auth: false, cache: "default" }).then(
      (data) => {
        tables = data || {};
        return tables;
      },
      (error) => {
        loading = null;
        throw error;
      },
    );
  }
  return loading;
}

/** The name of `code` in `table`; `fallback` (the code itself unless given) where it has none. */
export function label(table, code, fallback = code) {
  const names = tables && tables[table];
  // Own properties only: a code such as "constructor" must not find Object's.
  return names && Object.prototype.hasOwnProperty.call(names, code) && names[code] ? names[code] : fallback;
}

/** [code, name] pairs of a table, in the server's order (for selects). */
export function labelEntries(table) {
  return Object.entries((tables && tables[table]) || {});
}

/** The codes of a table, in the server's order. */
export function labelCodes(table) {
  return Object.keys((tables && tables[table]) || {});
}

export const statusLabel = (code) => label("statuses", code);
export const actionLabel = (code) => label("actions", code);
export const outcomeLabel = (code) => label("outcomes", code);
export const nomineeKindLabel = (code) => label("nominee_kinds", code);
export const periodKindLabel = (code) => label("period_kinds", code);
export const roleLabel = (code) => label("roles", code);
export const stepKindLabel = (code) => label("step_kinds", code);
export const ballotStatusLabel = (code) => label("ballot_statuses", code);
export const ballotModeLabel = (code) => label("ballot_modes", code);
export const ballotChoiceLabel = (code) => label("ballot_choices", code);
export const delegationKindLabel = (code) => label("delegation_kinds", code);
/** What a notification tells (a history action's name for a kind the table does not know yet). */
export const notificationKindLabel = (code) => label("notification_kinds", code, actionLabel(code));
/** The name of a step that is not on the route (revision, supplement, disclosure), or null. */
export const phaseLabel = (code) => label("phases", code, null);
