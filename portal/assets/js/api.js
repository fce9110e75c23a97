// The portal's only way to talk to the JSON API. Every failure becomes an ApiError whose
// message can be shown to the user as text: the server's own message when it sent one,
// otherwise a sentence that says what happened.

export class ApiError extends Error {
  constructor(status, code, message, body = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    /** The parsed JSON error body, for fields beside `error` (e.g. `redirect_to`). */
    this.body = body;
  }

  /** The session cookie is missing or expired: the user has to sign in again. */
  get isSignedOut() {
    return this.status === 401;
  }

  /** The request never got an answer (server down, network gone). */
  get isNetwork() {
    return this.status === 0;
  }
}

/**
 * Sends one API request. `body`, when given, is sent as JSON. Resolves to the parsed
 * JSON of a 2xx answer; rejects with ApiError otherwise.
 */
export async function api(method, path, body) {
  const init = {
    method,
    credentials: 'same-origin',
    cache: 'no-store',
    headers: { Accept: 'application/json' },
  };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }

  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(0, 'network_error',
      "Couldn't reach the Hadron server. Check your connection and try again.");
  }

  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }

  if (!response.ok) {
    const error = data && typeof data === 'object' ? data.error : null;
    const code = typeof error?.code === 'string' ? error.code : 'http_error';
    const message = typeof error?.message === 'string' && error.message
      ? error.message
      : `The Hadron server answered with an error (HTTP ${response.status}). Try again in a moment.`;
    throw new ApiError(response.status, code, message, data && typeof data === 'object' ? data : null);
  }
  if (data === null || typeof data !== 'object') {
    throw new ApiError(response.status, 'bad_response',
      'The Hadron server sent a response the page could not read. Try again in a moment.');
  }
  return data;
}
