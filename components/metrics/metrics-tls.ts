import * as pulumi from "@pulumi/pulumi";
import { HostSpec } from "../core/config-schema";
import { TlsAuthority, tlsCommands } from "../core/tls-authority";
import { grafanaCertificate, influxdbCertificate } from "./metrics-tls-plan";

/** The values of InfluxDB's TLS files (`influxdbTlsFiles`); the key is a secret. */
export type InfluxdbTlsValues = Record<
  "metricsCaCert" | "influxdbTlsCert" | "influxdbTlsKey",
  pulumi.Output<string>
>;

/** The values of Grafana's TLS files (`grafanaTlsFiles`); the key is a secret. */
export type GrafanaTlsValues = Record<"grafanaTlsCert" | "grafanaTlsKey", pulumi.Output<string>>;

/** What the metrics' TLS authority is for, in its resources' and messages' words. */
const METRICS_TLS = {
  caLabel: "metrics CA",
  commands: "the metrics' TLS certificates",
  certificate: "the metrics certificate",
};

/** What the commands print for the metrics' TLS, whose messages name it. */
export const METRICS_CA_COMMAND = tlsCommands(METRICS_TLS).ca;
export const METRICS_CERT_COMMAND = tlsCommands(METRICS_TLS).certificate;

/**
 * HTTPS to InfluxDB and Grafana (`TlsAuthority`): the metrics CA (`<name>-ca`), whose certificate
 * every client checks theirs with, InfluxDB's certificate (`<name>-cert-influxdb`) and, where
 * Grafana runs, Grafana's (`<name>-cert-grafana`).
 */
export class MetricsTls extends TlsAuthority {
  constructor(name: string, args: { stack: string }, opts: pulumi.ComponentResourceOptions = {}) {
    super(
      "lhcb-platform:metrics:MetricsTls",
      name,
      { stack: args.stack, purpose: METRICS_TLS },
      opts,
    );
  }

  /** The values of InfluxDB's TLS files on the monitoring host `host`. */
  public influxdbFiles(stack: string, host: Pick<HostSpec, "address">): InfluxdbTlsValues {
    const { cert, key } = this.issue("influxdb", influxdbCertificate(stack, host));
    return { metricsCaCert: this.caCert, influxdbTlsCert: cert, influxdbTlsKey: key };
  }

  /** The values of Grafana's TLS files on the monitoring host `host`. */
  public grafanaFiles(stack: string, host: Pick<HostSpec, "address">): GrafanaTlsValues {
    const { cert, key } = this.issue("grafana", grafanaCertificate(stack, host));
    return { grafanaTlsCert: cert, grafanaTlsKey: key };
  }
}
