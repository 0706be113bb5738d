/** Where consul-template finds Consul, and how it proves itself and checks Consul. */
export interface ConsulTemplateClient {
  /** `host:port` of the Consul HTTP API. */
  address: string;
  /** Its ACL token, or its placeholder (where ACLs are on). */
  token?: string;
  /** The CA file Consul's HTTPS certificate is checked against (where TLS is on). */
  caFile?: string;
}

/** How consul-template reaches Consul: the `consul` block of its configuration. */
export interface ConsulTemplateConsul extends ConsulTemplateClient {
  /** The longest wait between two tries while Consul does not answer. */
  maxBackoff: string;
}

/**
 * consul-template's `consul` block; over HTTPS where `caFile` is given, checking Consul's
 * certificate against it. It retries Consul forever (`attempts = 0`) and keeps the last
 * rendering while Consul is unreachable, so a Consul outage never empties what it renders.
 */
export function renderConsulTemplateBlock(o: ConsulTemplateConsul): string {
  const token = o.token !== undefined ? `  token   = ${JSON.stringify(o.token)}\n` : "";
  const ssl =
    o.caFile !== undefined
      ? `  ssl {\n    enabled = true\n    verify  = true\n    ca_cert = ${JSON.stringify(o.caFile)}\n  }\n`
      : "";
  return `consul {
  address = ${JSON.stringify(o.address)}
${token}${ssl}  retry {
    enabled     = true
    attempts    = 0
    backoff     = "250ms"
    max_backoff = ${JSON.stringify(o.maxBackoff)}
  }
}
`;
}
