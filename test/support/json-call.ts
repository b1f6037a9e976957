/** What a JSON call answered: the status, the headers and the parsed body (null when not JSON). */
export interface JsonAnswer {
  status: number;
  headers: Headers;
  // Tests read whatever fields they assert on.
  body: any;
}

/**
 * JSON calls against a running Kinema at `baseUrl`, as a client would make them: method, path,
 * an optional JSON body and an optional bearer token.
 * @example const call = jsonCall(app.url); const { status, body } = await call('POST', '/api/v1/videos', { title }, token);
 */
export function jsonCall(baseUrl: string) {
  return async (method: string, path: string, body?: unknown, token?: string): Promise<JsonAnswer> => {
    const r = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: r.status, headers: r.headers, body: await r.json().catch(() => null) };
  };
}

/** `jsonCall` for tests that only look at the body. */
export function jsonBody(baseUrl: string) {
  const call = jsonCall(baseUrl);
  return async (method: string, path: string, body?: unknown, token?: string) => (await call(method, path, body, token)).body;
}
