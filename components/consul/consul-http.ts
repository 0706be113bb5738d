// One request to Consul's HTTP API from the operator's side (the release, the host watcher, the
// site's probes): with the ACL token where ACLs are on, over HTTPS checked against the platform's
// CA where TLS is on. Node's fetch takes no CA of its own, so this uses node:http and node:https.
import * as http from "node:http";
import * as https from "node:https";
import { consulTokenHeaders } from "./consul-acl-plan";

/** How a client asks Consul: the ACL token where ACLs are on, the CA (PEM) where TLS is. */
export interface ConsulCredentials {
  /** The ACL token, where ACLs are on. */
  token?: string;
  /** The CA certificate (PEM) an https:// URL's certificate is checked against (else the system's CAs). */
  caCert?: string;
}

export interface ConsulHttpOptions extends ConsulCredentials {
  method?: "GET" | "PUT" | "DELETE" | "POST";
  /** A JSON value, or text sent as it is. */
  body?: unknown;
  /** Milliseconds the whole request may take. */
  timeoutMs: number;
}

/** Consul's answer: the HTTP status and the body as text. */
export interface ConsulHttpAnswer {
  status: number;
  ok: boolean;
  body: string;
}

/** `options.method` (GET) of `url`; rejects when no answer came within the time (or TLS failed). */
export function consulHttp(url: string, options: ConsulHttpOptions): Promise<ConsulHttpAnswer> {
  const body =
    options.body === undefined || typeof options.body === "string"
      ? options.body
      : JSON.stringify(options.body);
  const secure = url.startsWith("https://");
  const requestOptions: https.RequestOptions = {
    method: options.method ?? "GET",
    headers: consulTokenHeaders(options.token),
    ...(secure && options.caCert ? { ca: options.caCert } : {}),
  };
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).request(url, requestOptions, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (text += d));
      res.on("end", () => {
        const status = res.statusCode ?? 0;
        resolve({ status, ok: status >= 200 && status < 300, body: text });
      });
      res.on("error", reject);
    });
    const timer = setTimeout(
      () => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    req.on("close", () => clearTimeout(timer));
    req.on("error", reject);
    req.end(body);
  });
}
