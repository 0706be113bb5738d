/** How consul-template reaches Consul: the `consul` block of its configuration. */
export interface ConsulTemplateConsul {
  /** `host:port` of the Consul HTTP API. */
  address: string;
  /** Its ACL token, or its placeholder (where ACLs are on). */
  token?: string;
  /** The longest wait between two tries while Consul does not answer. */
  maxBackoff: string;
}

/**
 * consul-template's `consul` block. It retries Consul forever (`attempts = 0`) and keeps the last
 * rendering while Consul is unreachable, so a Consul outage never empties what it renders.
 */
export function renderConsulTemplateBlock(o: ConsulTemplateConsul): string {
  const token = o.token !== undefined ? `  token   = ${JSON.stringify(o.token)}\n` : "";
  return `consul {
  address = ${JSON.stringify(o.address)}
${token}  retry {
    enabled     = true
    attempts    = 0
    backoff     = "250ms"
    max_backoff = ${JSON.stringify(o.maxBackoff)}
  }
}
`;
}
