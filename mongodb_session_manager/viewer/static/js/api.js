// Calls to the viewer API with the bearer token kept for this tab (sessionStorage).

const TOKEN_KEY = 'msm-viewer-token';

export class AuthError extends Error {}
export class ApiError extends Error {
  constructor(message, status, details) {
    super(message);
    this.status = status;
    this.details = details || [];
  }
}

export const getToken = () => sessionStorage.getItem(TOKEN_KEY) || '';
export const setToken = (token) => sessionStorage.setItem(TOKEN_KEY, token);
export const clearToken = () => sessionStorage.removeItem(TOKEN_KEY);

/** Take a token handed over in the URL fragment (#token=...) and drop it from the address bar. */
export function adoptTokenFromFragment() {
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  const token = fragment.get('token');
  if (token) {
    setToken(token);
    history.replaceState(history.state, '', window.location.pathname + window.location.search);
  }
}

export function sessionPath(id, suffix = '') {
  return `/api/v1/sessions/${encodeURIComponent(id)}${suffix}`;
}

async function request(path, params, options = {}) {
  const url = new URL(path, window.location.origin);
  if (params) for (const [k, v] of params) url.searchParams.append(k, v);
  const { accept = 'application/json', ...rest } = options;
  const response = await fetch(url, {
    ...rest,
    headers: { Authorization: `Bearer ${getToken()}`, Accept: accept },
  });
  if (response.status === 401) throw new AuthError('The access token was refused.');
  if (!response.ok) {
    let body = {};
    try { body = await response.json(); } catch { /* not JSON */ }
    throw new ApiError(body.message || `${response.status} ${response.statusText}`, response.status, body.details);
  }
  return response;
}

export async function get(path, params) {
  return (await request(path, params)).json();
}

export async function del(path) {
  return (await request(path, null, { method: 'DELETE' })).json();
}

/** Save a response as a file (its Content-Disposition name, else fallbackName). */
async function save(response, fallbackName) {
  const blob = await response.blob();
  const disposition = response.headers.get('content-disposition') || '';
  const match = /filename="([^"]+)"/.exec(disposition);
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = match ? match[1] : fallbackName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}

/** Download ``path`` with the token (a plain link could not send it). */
export async function downloadFrom(path, params, fallbackName) {
  await save(await request(path, params), fallbackName);
}

/** Download a session export. */
export async function download(id, format) {
  await downloadFrom(sessionPath(id, '/export'), [['format', format]], `session.${format === 'json' ? 'json' : 'md'}`);
}

// Only the viewer's own value route: a token is never sent to a URL a document named.
const BLOB_PATH = /^\/api\/v1\/sessions\/[^/?#]+\/blobs\/[0-9a-f]{24}$/;
export const isBlobPath = (path) => typeof path === 'string' && BLOB_PATH.test(path);

/** An out-of-line value's bytes, fetched with the token (an <img> could not send it). */
export async function fetchBlob(path) {
  if (!isBlobPath(path)) throw new ApiError('not a stored value of this viewer', 400);
  return (await request(path, null, { accept: '*/*' })).blob();
}

/** Download an out-of-line value with the token. */
export async function downloadBlob(path) {
  if (!isBlobPath(path)) throw new ApiError('not a stored value of this viewer', 400);
  const response = await request(path, null, { accept: '*/*' });
  await save(response, `value-${path.slice(-24)}`);
}
