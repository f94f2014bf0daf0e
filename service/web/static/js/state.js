/* The page's session state, shared by the modules: one object, so that signing out clears it all. */

export const TOKEN_KEY = "thidua.token";

export const state = {
  token: sessionStorage.getItem(TOKEN_KEY),
  me: null,
  units: new Map(), // id -> unit
  awardForms: null, // list from the catalogue
  renderSeq: 0,
  pendingNotice: null,
  voted: new Set(), // "user:nomination:step:number" of ballots this user voted in from this page
};
