import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { API_CREDENTIALS_VARIABLE } from "../core/curl-credentials";
import { MesosSpec } from "../core/platform-spec";
import { apiAuthenticated } from "../mesos/mesos-auth-plan";
import { marathonDeleteCommand, marathonPutCommand } from "./marathon-api";
import { marathonAppsPlan } from "../plan";

export interface MarathonAppsArgs {
  /** What it reads of the site (`resolvePlatform`, `platformFromValues`; a `PlatformSpec` is one): one app per `marathon`-mode service. */
  spec: MesosSpec;
  /** Marathon's REST API as the machine running Pulumi reaches it, e.g. `http://lbcertmaster01.cern.ch:8080` (`Marathon.url`). */
  marathonUrl: pulumi.Input<string>;
  /**
   * `platform-admin:<secret>` of Marathon's API where it asks for credentials (every stack but
   * `local`; a secret: `"platform-admin:" + ` the `admin` of `mesosSecrets`).
   */
  apiCredentials?: pulumi.Input<string>;
  /** What must exist first: the Marathon containers (and the Mesos agents the tasks run on). */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * The `marathon`-mode services, submitted to Marathon from the machine running Pulumi. A changed
 * definition is PUT again (the `update` command), which Marathon rolls out one instance at a time;
 * because `update` is set, a change of the triggers updates in place and never deletes the app.
 * Removing a service from the catalog deletes its app.
 */
export class MarathonApps extends pulumi.ComponentResource {
  /** Submission per service key. */
  public readonly apps: Record<string, command.local.Command>;
  /** App id per service key: `/<stack>/<key>`. */
  public readonly appIds: Record<string, string>;

  constructor(name: string, args: MarathonAppsArgs, opts: pulumi.ComponentResourceOptions = {}) {
    // Checked before anything is declared.
    const authenticated = apiAuthenticated(
      "MarathonAppsArgs",
      "Marathon",
      args.spec,
      args.apiCredentials,
    );
    super("lhcb-platform:marathon:MarathonApps", name, {}, opts);
    const { spec } = args;
    const environment = authenticated
      ? { [API_CREDENTIALS_VARIABLE]: pulumi.secret(args.apiCredentials!) }
      : undefined;
    this.apps = {};
    this.appIds = {};
    const url = pulumi.output(args.marathonUrl);
    for (const { key, id, json } of marathonAppsPlan(spec)) {
      const put = url.apply((u) => marathonPutCommand(u, id, authenticated));
      this.appIds[key] = id;
      this.apps[key] = new command.local.Command(
        `${name}-${key}`,
        {
          create: put,
          update: put,
          delete: url.apply((u) => marathonDeleteCommand(u, id, authenticated)),
          ...(environment ? { environment } : {}),
          stdin: json,
          triggers: [json],
        },
        { parent: this, dependsOn: args.dependsOn },
      );
    }
    this.registerOutputs({ appIds: this.appIds });
  }
}
