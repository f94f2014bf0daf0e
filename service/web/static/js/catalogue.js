/* The award forms of the catalogue, loaded once per session (names, nominee kinds, periods). */

import { api } from "./api.js";
import { state } from "./state.js";

export async function loadAwardForms() {
  if (!state.awardForms) state.awardForms = await api("/award-forms");
  return state.awardForms;
}

export function awardFormName(code) {
  const form = (state.awardForms || []).find((f) => f.code === code);
  return form ? form.name : code;
}

export function findAwardForm(code) {
  return (state.awardForms || []).find((f) => f.code === code);
}
