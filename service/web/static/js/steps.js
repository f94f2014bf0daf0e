/* The codes of the steps that are not on a route (workflows/contracts.py): the page acts on them.
 * Their names come from the server (labels.js, table "phases"). */

export const REVISION_STEP = "revision";
export const SUPPLEMENT_STEP = "supplement";
export const DISCLOSURE_STEP = "disclosure";
