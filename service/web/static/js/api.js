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
export async function api(path, { method = "GET", json, form, multipart, headers = {}, auth = true, cache = "no-store" } = {}) {
  const h = { Accept: "application/json, application/problem+json", ...headers };
  if (auth && state.token) h.Authorization = `Bearer ${state.token}`;
  let body;
  if (multipart) {
    body = multipart; // FormData: the browser sets the multipart Content-Type with its boundary
  } else if (form) {
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

/** A file the API serves (an attachment, a decision's PDF): fetched with the bearer token, as a
 * Blob of the server's Content-Type, with the SHA-256 the server states. The API uses tokens, not
 * cookies, so a plain link cannot carry it; the page shows or saves the Blob through a blob: URL. */
export async function apiBlob(path, { method = "GET", json } = {}) {
  const h = { Accept: "*/*" };
  if (state.token) h.Authorization = `Bearer ${state.token}`;
  if (json !== undefined) h["Content-Type"] = "application/json";
  const body = json !== undefined ? JSON.stringify(json) : undefined;
  let response;
  try {
    response = await fetch(API + path, { method, headers: h, body, credentials: "same-origin", cache: "no-store" });
  } catch (_e) {
    throw new ApiError({ status: 0, detail: "Không kết nối được tới máy chủ. Vui lòng kiểm tra mạng và thử lại." }, 0);
  }
  if (!response.ok) {
    const data = await response.json().catch(() => null);
    const error = new ApiError(data || { status: response.status, detail: `Máy chủ trả lỗi ${response.status}.` }, response.status);
    if (response.status === 401) {
      onUnauthorized(error);
      error.handled = true;
    }
    throw error;
  }
  const blob = await response.blob();
  blob.sha256 = response.headers.get("x-content-sha256");
  return blob;
}

/** Download a file of the API (PDF, DOCX, XLSX) under `filename`: fetched with the token, then
 * saved from a blob: address; `options` ({method, json}) for a file made from a request body.
 * Rejects with an ApiError like api(). */
export async function download(path, filename, options) {
  const blob = await apiBlob(path, options);
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return { size: blob.size, type: blob.type, sha256: blob.sha256 };
}
