// The admin API client and the master key's place in this tab's session storage (nowhere else).

const KEY_STORAGE = 'tollgate.masterKey';

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export function storedKey() {
  return sessionStorage.getItem(KEY_STORAGE);
}

export function keepKey(key) {
  sessionStorage.setItem(KEY_STORAGE, key);
}

export function forgetKey() {
  sessionStorage.removeItem(KEY_STORAGE);
}

/** Calls the admin API; resolves to the JSON body or rejects with an ApiError carrying the server's message. */
export async function api(method, path, body, key = storedKey()) {
  const headers = { Accept: 'application/json' };
  if (key) headers.Authorization = 'Bearer ' + key;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store', credentials: 'omit' });
  } catch (e) {
    throw new ApiError(0, `Cannot reach the proxy (${e.message}).`);
  }
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: reported below with the status
  }
  if (!res.ok) {
    const msg = json && json.error && json.error.message ? json.error.message
      : json && json.detail ? String(json.detail) : `${res.status} ${res.statusText}`;
    throw new ApiError(res.status, msg);
  }
  return json;
}

/** The message shown inline for a failed call; a rejected key says so plainly. */
export function describe(err) {
  if (err instanceof ApiError) {
    if (err.status === 401) return `The master key was rejected (401). ${err.message} Sign out and enter the right key.`;
    if (err.status === 0) return err.message;
    return `${err.message} (HTTP ${err.status})`;
  }
  return `Unexpected error: ${err && err.message ? err.message : err}`;
}

/** A query string of the parameters that have a value. */
export const qs = (params) => new URLSearchParams(Object.entries(params).filter(([, v]) => v !== null && v !== undefined && v !== '')).toString();
