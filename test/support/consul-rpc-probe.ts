// Whether a Consul server takes an RPC connection: the way an agent opens one (a first byte that
// says TLS, then a TLS handshake on the same connection) or in plain text, with or without a client
// certificate. A server that refuses closes the connection (or sends a TLS alert) at once; one that
// accepts waits for the next request (Consul gives it seconds), so the connection is held open.
import * as net from "node:net";
import * as tls from "node:tls";
import { PORTS } from "../../components/core/endpoints";

/** Consul's RPC connection types (its first byte): plain Consul RPC, and TLS-wrapped RPC. */
const RPC_CONSUL = 0x00;
const RPC_TLS = 0x03;

/** How long a connection must stay open to count as accepted. */
const HELD_MS = 1500;

export interface RpcClient {
  /** The CA the server's certificate is checked against (PEM). */
  ca: string;
  /** The name the server must show (`server.<datacenter>.consul`). */
  serverName: string;
  /** The client's certificate and key (PEM), if it shows one. */
  cert?: string;
  key?: string;
}

/**
 * Opens an RPC connection to the server at `address` as `client` does: "accepted" when the TLS
 * handshake passes and the server holds the connection, else "refused: <why>". Without `client`,
 * a plain-text RPC connection.
 */
export function rpcConnection(address: string, client?: RpcClient): Promise<string> {
  return new Promise((resolve) => {
    let settled = false;
    const sockets: net.Socket[] = [];
    const finish = (outcome: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      for (const s of sockets) s.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish("refused: no answer within 10 s"), 10_000);
    const raw = net.connect(PORTS.consulServerRpc, address, () => {
      raw.write(Buffer.from([client ? RPC_TLS : RPC_CONSUL]));
      const conn = client
        ? tls.connect({
            socket: raw,
            ca: client.ca,
            servername: client.serverName,
            ...(client.cert ? { cert: client.cert, key: client.key } : {}),
          })
        : raw;
      sockets.push(conn);
      const held = () => setTimeout(() => finish("accepted"), HELD_MS);
      if (client) conn.on("secureConnect", held);
      else held();
      conn.on("error", (e: Error) => finish(`refused: ${e.message}`));
      conn.on("close", () => finish("refused: closed by the server"));
    });
    sockets.push(raw);
    raw.on("error", (e) => finish(`refused: ${e.message}`));
  });
}
