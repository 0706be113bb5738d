import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { API_CREDENTIALS_VARIABLE } from "../core/curl-credentials";
import { MesosSpec } from "../core/platform-spec";
import { apiAuthenticated } from "../mesos/mesos-auth-plan";
import { chronosDeleteCommand, chronosPostCommand } from "./chronos-api";
import { chronosJobsPlan } from "../plan";

export interface ChronosJobsArgs {
  /** What it reads of the site (`resolvePlatform`, `platformFromValues`; a `PlatformSpec` is one): one job per `marathon`-mode agent. */
  spec: MesosSpec;
  /** Chronos' REST API as the machine running Pulumi reaches it, e.g. `http://lbcertmaster01.cern.ch:4400` (`Chronos.url`). */
  chronosUrl: pulumi.Input<string>;
  /**
   * The instant schedules are computed from (see `ChronosJobOptions.from`). A fixed value, e.g.
   * from config or the release: a new value changes every job.
   */
  from: Date;
  /** Who Chronos notifies when a run fails; empty for nobody. */
  owner?: string;
  /**
   * `platform-admin:<secret>` of Chronos's API where it asks for credentials (every stack but
   * `local`; a secret: `"platform-admin:" + ` the `admin` of `mesosSecrets`).
   */
  apiCredentials?: pulumi.Input<string>;
  /** What must exist first: the Chronos containers (and the Mesos agents the runs land on). */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * The `marathon`-mode agents, submitted to Chronos from the machine running Pulumi. A changed job
 * is POSTed again (Chronos replaces the job of the same name); because `update` is set, a change
 * of the triggers updates in place and never deletes the job. Removing an agent deletes its job.
 */
export class ChronosJobs extends pulumi.ComponentResource {
  /** Submission per agent key. */
  public readonly jobs: Record<string, command.local.Command>;
  /** Job name per agent key: `<stack>-<key>`. */
  public readonly jobNames: Record<string, string>;

  constructor(name: string, args: ChronosJobsArgs, opts: pulumi.ComponentResourceOptions = {}) {
    // Checked before anything is declared.
    const authenticated = apiAuthenticated(
      "ChronosJobsArgs",
      "Chronos",
      args.spec,
      args.apiCredentials,
    );
    super("lhcb-platform:chronos:ChronosJobs", name, {}, opts);
    const { spec } = args;
    const environment = authenticated
      ? { [API_CREDENTIALS_VARIABLE]: pulumi.secret(args.apiCredentials!) }
      : undefined;
    this.jobs = {};
    this.jobNames = {};
    const url = pulumi.output(args.chronosUrl);
    for (const { key, name: jobName, json } of chronosJobsPlan(spec, {
      from: args.from,
      owner: args.owner,
    })) {
      const post = url.apply((u) => chronosPostCommand(u, authenticated));
      this.jobNames[key] = jobName;
      this.jobs[key] = new command.local.Command(
        `${name}-${key}`,
        {
          create: post,
          update: post,
          delete: url.apply((u) => chronosDeleteCommand(u, jobName, authenticated)),
          ...(environment ? { environment } : {}),
          stdin: json,
          triggers: [json],
        },
        { parent: this, dependsOn: args.dependsOn },
      );
    }
    this.registerOutputs({ jobNames: this.jobNames });
  }
}
