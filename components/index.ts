// The package's public face: components, their args, and the pure functions behind them.
export * from "./core/errors";
export * from "./core/config-schema";
export { CatalogInput, HealthCheck } from "./core/catalog-schema";
export * from "./core/catalog";
export * from "./core/cron";
export * from "./core/placement";
export * from "./core/quorum";
export * from "./core/images";
export * from "./core/naming";
export * from "./core/endpoints";
export * from "./core/container-spec";
export * from "./core/platform-spec";
export * from "./core/stack-config";
export * from "./core/platform-input";
export * from "./platform-values";
export * from "./core/set-properties";
export * from "./core/declare-in-batches";
export * from "./core/start-with-files";
export * from "./core/curl-credentials";
export * from "./core/openssl-certificates";
export * from "./core/tls-authority";

export * from "./hosts/host-inventory";
export * from "./hosts/declare-container";
export * from "./hosts/container-args";
export * from "./hosts/provider-container";

export * from "./zookeeper/zoo-cfg";
export * from "./zookeeper/zookeeper-containers";
export * from "./zookeeper/zookeeper-ensemble";
export * from "./zookeeper/zookeeper-auth-plan";
export * from "./zookeeper/zookeeper-clients";

export * from "./consul/consul-access";
export * from "./consul/consul-acl";
export * from "./consul/consul-acl-plan";
export * from "./consul/consul-config";
export * from "./consul/consul-containers";
export * from "./consul/consul-cluster";
export * from "./consul/consul-template-block";
export * from "./consul/consul-tls";
export * from "./consul/consul-tls-plan";
export * from "./consul/consul-http";

export * from "./services/service-containers";
export * from "./services/service-instances";
export * from "./services/catalog-service";

export * from "./agents/agent-containers";
export * from "./agents/scheduled-agents";
export * from "./dirac/dirac-database-component";

export * from "./haproxy/haproxy-config";
export * from "./haproxy/lb-files";
export * from "./haproxy/lb-containers";
export * from "./haproxy/load-balancers";

export * from "./mesos/mesos-flags";
export * from "./mesos/mesos-containers";
export * from "./mesos/mesos-cluster";
export * from "./mesos/mesos-auth-plan";
export * from "./mesos/mesos-secrets";

export * from "./marathon/marathon-app";
export * from "./marathon/marathon-containers";
export * from "./marathon/marathon-framework";
export * from "./marathon/marathon-apps";
export * from "./marathon/task-registrar";
export * from "./marathon/task-registrars";

export * from "./chronos/chronos-job";
export * from "./chronos/chronos-containers";
export * from "./chronos/chronos-framework";
export * from "./chronos/chronos-jobs";

export * from "./whitelist/whitelist-template";
export * from "./whitelist/whitelist-containers";
export * from "./whitelist/host-whitelist";

export * from "./logging/filebeat-config";
export * from "./logging/logstash-config";
export * from "./logging/logging-containers";
export * from "./logging/logging-stack";
export * from "./logging/logging-tls";
export * from "./logging/logging-tls-plan";

export * from "./metrics/cadvisor";
export * from "./metrics/influxdb-config";
export * from "./metrics/influxdb-auth-plan";
export * from "./metrics/metrics-tls";
export * from "./metrics/metrics-tls-plan";
export * from "./metrics/grafana";
export * from "./metrics/grafana-dashboards";
export * from "./metrics/grafana-provisioning";
export * from "./metrics/metrics-stack";

export * from "./plan";
export * from "./render";
export * from "./master-quorum";
export * from "./platform";
export * from "./host-ports";
export * from "./stack-checks";
