// The session (operator name and service token, in this tab's sessionStorage only) and the calls to the API.

const OPERATOR = 'im-console.operator';
const TOKEN = 'im-console.token';

export const session = {
  get operator() { return sessionStorage.getItem(OPERATOR); },
  get token() { return sessionStorage.getItem(TOKEN); },
  get active() { return !!(this.operator && this.token); },
  start(operator, token) {
    sessionStorage.setItem(OPERATOR, operator);
    sessionStorage.setItem(TOKEN, token);
  },
  end() {
    sessionStorage.removeItem(OPERATOR);
    sessionStorage.removeItem(TOKEN);
  },
};

/** An answer other than 2xx: status and the API's {"error", "detail"} when there is one. */
export class ApiError extends Error {
  constructor(status, code, detail) {
    super(code ? `${code}: ${detail ?? ''}` : `HTTP ${status}`);
    this.status = status;
    this.code = code;
  }
}

let onUnauthorized = () => {};

/** What to do when the server refuses the token (401): the app ends the session and shows the login form. */
export function whenUnauthorized(handler) {
  onUnauthorized = handler;
}

// Calls the API with the session's token (Authorization: Bearer) and operator (X-Operator); empty query values are
// left out. Resolves to the JSON answer (null when there is no body); rejects with an ApiError otherwise.
export async function call(method, path, { query, body, token = session.token, operator = session.operator } = {}) {
  const url = new URL(path, window.location.origin);
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') {
      url.searchParams.set(name, value);
    }
  }
  const headers = { Accept: 'application/json', Authorization: `Bearer ${token}`, 'X-Operator': operator };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
  }
  const response = await fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'omit',
    cache: 'no-store',
    referrerPolicy: 'no-referrer',
  });
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!response.ok) {
    const error = new ApiError(response.status, json?.error, json?.detail ?? text.slice(0, 200));
    if (response.status === 401) {
      onUnauthorized(error);
    }
    throw error;
  }
  return json;
}

export const get = (path, query) => call('GET', path, { query });
export const post = (path, body) => call('POST', path, { body });

/** Keeps only the filled-in fields of a form's values. */
export function filled(values) {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined && v !== null && v !== ''));
}
