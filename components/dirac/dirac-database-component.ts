import * as pulumi from "@pulumi/pulumi";
import { generatedSecret, PASSWORD_COMMAND } from "../core/generated-secret";
import { LocalCommand } from "../core/local-command";
import { PORTS } from "../core/endpoints";
import { PROBE_COMMAND, probeEnvironment } from "../core/readiness";
import { atProbeAddress, containerReadiness } from "../hosts/container-readiness";
import { ContainerResource, declareContainer } from "../hosts/declare-container";
import { HostInventory } from "../hosts/host-inventory";
import { databaseContainer, databaseHost, DatabaseSpec } from "./dirac-database";

export interface DiracDatabaseArgs {
  /** The site: `dirac.database.host` names the host, the catalog's services their databases. */
  spec: DatabaseSpec;
  inventory: HostInventory;
}

/**
 * The DIRAC installation's MariaDB: one container on `dirac.database.host`, its data in a volume
 * there, the DIRAC user's password made at the first `up` and kept as a secret. `ready` is
 * created once MariaDB takes connections; the services that use it wait for it.
 */
export class DiracDatabase extends pulumi.ComponentResource {
  public readonly container: ContainerResource;
  /** The DIRAC user's password (a secret): MariaDB's init file and the services' configuration hold it. */
  public readonly password: pulumi.Output<string>;
  public readonly ready: LocalCommand;

  constructor(name: string, args: DiracDatabaseArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("lhcb-platform:dirac:DiracDatabase", name, {}, opts);
    const { spec, inventory } = args;
    const host = databaseHost(spec);
    if (host === undefined) throw new Error(`stack ${spec.stack}: dirac.database names no host`);
    const containerSpec = databaseContainer(spec, host);
    this.password = generatedSecret(this, `${name}-password`, PASSWORD_COMMAND);
    this.container = declareContainer(
      this,
      inventory,
      host.id,
      `${name}-${host.id}`,
      containerSpec,
      {
        secrets: { diracDatabasePassword: this.password },
      },
    ).container;
    this.ready = containerReadiness(this, `${name}-ready`, this.container, {
      create: PROBE_COMMAND,
      environment: atProbeAddress(
        { local: spec.local, container: this.container, containerSpec, hostAddress: host.address },
        (address) =>
          probeEnvironment({ what: `MariaDB on ${host.id}`, tcp: `${address}:${PORTS.mariadb}` }),
      ),
    });
    this.registerOutputs({});
  }
}
