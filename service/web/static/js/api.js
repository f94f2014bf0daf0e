/* The fetch wrapper of API v1: the bearer token, JSON and form bodies, and problem+json errors. */

import { state } from "./state.js";

const API = "/api/v1";

export class ApiError extends Error {
  constructor(problem, status) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.problem = problem;
    this.status = status;
  }
}

// What a 401 on a signed-in call does (back to the login page); set by main.js, so that this module
// does not depend on the pages.
let onUnauthorized = () => {};

export function setUnauthorizedHandler(handler) {
  onUnauthorized = handler;
}

/** Call the API; resolves to the JSON answer (null for none), rejects with an ApiError.
 * `auth: false` sends no token and leaves a 401 to the caller; `cache` is fetch's cache mode (answers
 * are personal, so none by default). */
export async function api(path, { method = "GET", json, form, headers = {}, auth = true, cache = "no-store" } = {}) {
  const h = { Accept: "application/json, application/problem+json", ...headers };
  if (auth && state.token) h.Authorization = `Bearer ${state.token}`;
  let body;
  if (form) {
    body = new URLSearchParams(form);
    h["Content-Type"] = "application/x-www-form-urlencoded";
  } else if (json !== undefined) {
    body = JSON.stringify(json);
    h["Content-Type"] = "application/json";
  }
  let response;
  try {
    response = await fetch(API + path, { method, headers: h, body, credentials: "same-origin", cache });
  } catch (_e) {
    throw new ApiError({ status: 0, detail: "Không kết nối được tới máy chủ. Vui lòng kiểm tra mạng và thử lại." }, 0);
  }
  let data = null;
  const type = response.headers.get("content-type") || "";
  if (response.status !== 204 && type.includes("json")) {
    data = await response.json().catch(() => null);
  }
  if (!response.ok) {
    const problem =
      data && typeof data === "object"
        ? data
        : { status: response.status, detail: `Máy chủ trả lỗi ${response.status}. Vui lòng thử lại sau.` };
    const error = new ApiError(problem, response.status);
    if (response.status === 401 && auth) {
      onUnauthorized(error);
      error.handled = true;
    }
    throw error;
  }
  return data;
}

/** An API list that may fail without failing the page (names and extras are a convenience). */
export function orNull(promise) {
  return promise.catch((error) => {
    if (error && error.handled) throw error;
    return null;
  });
}

/** Download a file of the API (PDF, DOCX, XLSX) with the bearer token: fetched, then saved from a
 * blob: address (a plain link would carry no token). Rejects with an ApiError like api(). */
export async function download(path, filename) {
  const h = { Accept: "*/*" };
  if (state.token) h.Authorization = `Bearer ${state.token}`;
  let response;
  try {
    response = await fetch(API + path, { headers: h, credentials: "same-origin", cache: "no-store" });
  } catch (_e) {
    throw new ApiError({ status: 0, detail: "Không kết nối được tới máy chủ. Vui lòng kiểm tra mạng và thử lại." }, 0);
  }
  if (!response.ok) {
    const problem = await response.json().catch(() => ({ status: response.status, detail: `Máy chủ trả lỗi ${response.status}.` }));
    const error = new ApiError(problem, response.status);
    if (response.status === 401) {
      onUnauthorized(error);
      error.handled = true;
    }
    throw error;
  }
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return { size: blob.size, type: blob.type, sha256: response.headers.get("x-content-sha256") };
}
