/**
 * A small HTTP client over node:http for the dynamic providers (Docker Engine API, Consul).
 *
 * Closure serialization: the dynamic providers' methods are serialized by Pulumi together with the
 * functions they call, so these are plain module-level functions that load node modules with
 * `process.getBuiltinModule` inside the call (nothing captured but other plain functions).
 */

/** Where to send a request: a unix socket or a TCP host and port. */
export interface HttpEndpoint {
  socketPath?: string;
  host?: string;
  port?: number;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface HttpRequestOptions {
  /** JSON body (serialized with JSON.stringify) … */
  json?: unknown;
  /** … or raw bytes with their content type. */
  raw?: { data: Buffer; contentType: string };
  headers?: Record<string, string>;
  timeoutMs?: number;
}

/** Sends one request and collects the whole response body as UTF-8 text. Never throws on HTTP status. */
export function httpRequest(endpoint: HttpEndpoint, method: string, path: string, options: HttpRequestOptions = {}): Promise<HttpResponse> {
  const http = process.getBuiltinModule("node:http") as typeof import("node:http");
  const headers: Record<string, string | number> = { ...(options.headers ?? {}) };
  let payload: Buffer | undefined;
  if (options.raw !== undefined) {
    payload = options.raw.data;
    headers["Content-Type"] = options.raw.contentType;
  } else if (options.json !== undefined) {
    payload = Buffer.from(JSON.stringify(options.json), "utf8");
    headers["Content-Type"] = "application/json";
  }
  if (payload !== undefined) headers["Content-Length"] = payload.length;
  const target = endpoint.socketPath !== undefined ? { socketPath: endpoint.socketPath } : { host: endpoint.host, port: endpoint.port };
  return new Promise((resolve, reject) => {
    const req = http.request({ ...target, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.setTimeout(options.timeoutMs ?? 120_000, () => req.destroy(new Error(`${method} ${path}: no response within ${options.timeoutMs ?? 120_000} ms`)));
    req.on("error", (e: Error) => reject(new Error(`${method} ${path} via ${endpoint.socketPath ?? `${endpoint.host}:${endpoint.port}`}: ${e.message}`)));
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** An Error carrying the HTTP status, so callers can tell 404 (gone) from real failures. */
export function httpError(message: string, status: number): Error & { status: number } {
  return Object.assign(new Error(message), { status });
}

/** True for an error from `httpError` with the given status. */
export function hasStatus(e: unknown, status: number): boolean {
  return typeof e === "object" && e !== null && (e as { status?: unknown }).status === status;
}
