import { z } from "zod";
import {
  imageReference,
  labelKey,
  labelValue,
  MAX_CPUS,
  MAX_MEMORY_MB,
  processText,
  RUN_MODES,
} from "./config-schema";
import { CronError, parseCron } from "./cron";
import { HTTP_PATH, HTTP_PATH_EXPECTED } from "./input-formats";

/** DIRAC-style names: `System/Component`, letters, digits, '_', '-', one '/' at most. */
const entryName = z
  .string()
  .regex(
    /^[A-Za-z][A-Za-z0-9_-]*(\/[A-Za-z][A-Za-z0-9_-]*)?$/,
    "expected a name like System/Component (letters, digits, '_', '-')",
  );

const port = z
  .number()
  .int()
  .min(1, "expected a port 1-65535")
  .max(65535, "expected a port 1-65535");

/** A DIRAC option's name: one word of letters, digits, '_', '-', '.' (components/dirac/cfg-text.ts). */
const diracOptionName = z
  .string()
  .regex(
    /^[A-Za-z][A-Za-z0-9_.-]*(\/[A-Za-z][A-Za-z0-9_.-]*)*$/,
    "expected an option name of letters, digits, '_', '-', '.' (a subsection's option: Section/Name)",
  );

/** A DIRAC database's name (its `DBName`, and the MariaDB database). */
const diracDatabaseName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, "expected a database name of letters, digits, '_'");

/** A DIRAC option's value: one line, no brace (which would end it) and no comma (which splits a list). */
const diracOptionValue = z
  .string()
  .regex(/^[^\n\r{},]*$/, "expected a value without a line break, a brace or a comma");

/** Host labels an entry's instances must run on: every key must match the host's label value. */
const constraints = z.record(labelKey, labelValue);

/**
 * Environment names the platform sets in every instance itself (`SERVICE_NAME`, `PLATFORM_HOST`,
 * ...): a catalog entry that set them would tell the instance it is another service or host.
 */
const RESERVED_ENV = /^(SERVICE|PLATFORM)_/;

const envMap = z
  .record(
    z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "expected an environment variable name"),
    processText,
  )
  .superRefine((env, ctx) => {
    for (const name of Object.keys(env))
      if (RESERVED_ENV.test(name))
        ctx.addIssue({
          code: "custom",
          path: [name],
          message: "a name the platform does not set itself (SERVICE_* and PLATFORM_* are its own)",
        });
  })
  .default({});

/**
 * A health check. Exactly one of `http`, `tcp` or `command`:
 * - `http`: GET of that path on the instance must answer 2xx;
 * - `tcp`: the port must accept a connection;
 * - `command`: run inside the container (a DIRAC DISET ping), exit 0 means healthy; Consul sees it
 *   through the instance's HTTP bridge (`bridgePath` on the service port), as the paper's
 *   HTTP-to-DISET converter did.
 */
export const checkSchema = z
  .strictObject({
    http: z.string().regex(HTTP_PATH, HTTP_PATH_EXPECTED).optional(),
    tcp: z.literal(true).optional(),
    command: z
      .array(processText.pipe(z.string().min(1)))
      .min(1, "expected the command as a list of arguments")
      .optional(),
    /** For `command` checks: the HTTP path Consul and HAProxy probe. */
    bridgePath: z.string().regex(HTTP_PATH, HTTP_PATH_EXPECTED).default("/ping"),
    intervalSeconds: z.number().positive().max(300).default(2),
    timeoutSeconds: z.number().positive().max(60).default(1),
    /** Failures in a row before Docker marks the container unhealthy. */
    retries: z.number().int().min(1).max(20).default(3),
  })
  .refine(
    (c) =>
      [c.http !== undefined, c.tcp !== undefined, c.command !== undefined].filter(Boolean)
        .length === 1,
    {
      message: "expected exactly one of http, tcp or command",
    },
  )
  .refine((c) => c.timeoutSeconds <= c.intervalSeconds, {
    message: "expected timeoutSeconds <= intervalSeconds",
  });

const cpus = z
  .number()
  .positive("expected a positive number of CPUs")
  .max(MAX_CPUS, `expected at most ${MAX_CPUS} CPUs`);
const memoryMb = z
  .number()
  .positive("expected a positive memory size in MiB")
  .max(MAX_MEMORY_MB, `expected at most ${MAX_MEMORY_MB} MiB`)
  .int("expected a whole number of MiB");

const resources = { cpus: cpus.optional(), memoryMb: memoryMb.optional() };

export const serviceSchema = z.strictObject({
  name: entryName,
  /** Image; default: the one platform image, told which service to be by its argument. */
  image: imageReference.optional(),
  instances: z.number().int().min(1, "expected at least one instance").max(100).default(2),
  port,
  /** `http` services get X-Forwarded-For; `tcp` ones the PROXY protocol when `proxyProtocol`. */
  protocol: z.enum(["http", "tcp"]).default("http"),
  proxyProtocol: z.boolean().default(false),
  /**
   * Seconds a balancer waits for an instance's answer (HAProxy's `timeout server`): then an
   * idempotent HTTP request is retried on another instance (a hung one is not waited for
   * forever), a TCP connection idle that long is closed. DIRAC calls can be long: set it per service.
   */
  requestTimeoutSeconds: z.number().positive().max(3600).default(30),
  check: checkSchema.default({
    http: "/ping",
    bridgePath: "/ping",
    intervalSeconds: 2,
    timeoutSeconds: 1,
    retries: 3,
  }),
  ...resources,
  constraints: constraints.default({}),
  env: envMap,
  /**
   * The service's own DIRAC options (a StorageElement's `BasePath`, ...), served by the
   * Configuration Server under `/Systems/<System>/Services/<Component>` where the stack runs DIRAC.
   */
  options: z.record(diracOptionName, processText.pipe(diracOptionValue)).default({}),
  /**
   * The DIRAC databases the service uses (`ResourceStatusDB`, ...): each is made in the
   * installation's MariaDB (`dirac.database`), and the service's configuration says where.
   */
  databases: z.array(diracDatabaseName).default([]),
  mode: z.enum(RUN_MODES).optional(),
});

/** Cron: 5 fields, or 6 with seconds first. */
const cronSchedule = z.string().superRefine((value, ctx) => {
  try {
    parseCron(value);
  } catch (e) {
    if (!(e instanceof CronError)) throw e;
    ctx.addIssue({
      code: "custom",
      message: `invalid cron expression ${JSON.stringify(value)}: ${e.message}`,
    });
  }
});

/** How an agent runs: one run per firing of its schedule, or a singleton's own loop. */
export const AGENT_RUNS = ["cycle", "loop"] as const;

export const agentSchema = z
  .strictObject({
    name: entryName,
    image: imageReference.optional(),
    /**
     * `cycle` (default): one run at each firing of `schedule`, under the agent's Consul lock (a
     * DIRAC agent: one cycle, `MaxCycles=1`). `loop`: a singleton, the container holding the lock
     * runs the agent's own long-running loop and the others stand by to take over.
     */
    run: z.enum(AGENT_RUNS).default("cycle"),
    /** For a `cycle` agent: when it runs. */
    schedule: cronSchedule.optional(),
    /** How long a run of the sample image lasts; real agents ignore it. */
    durationSeconds: z.number().positive().max(86400).default(5),
    ...resources,
    constraints: constraints.default({}),
    env: envMap,
    /**
     * The agent's own DIRAC options (its `PollingTime`, ...), served by the Configuration Server
     * under `/Systems/<System>/Agents/<Agent>` where the stack runs DIRAC.
     */
    options: z.record(diracOptionName, processText.pipe(diracOptionValue)).default({}),
    mode: z.enum(RUN_MODES).optional(),
  })
  .superRefine((a, ctx) => {
    if (a.run === "cycle" && a.schedule === undefined)
      ctx.addIssue({
        code: "custom",
        path: ["schedule"],
        message: "expected a cron schedule: a cycle agent runs once at each of its firings",
      });
    if (a.run === "loop" && a.schedule !== undefined)
      ctx.addIssue({
        code: "custom",
        path: ["schedule"],
        message:
          "expected no schedule: a loop agent runs its own loop (a DIRAC agent's PollingTime) for as long as it holds the lock",
      });
  });

export const catalogSchema = z.strictObject({
  defaults: z
    .strictObject({
      cpus: cpus.default(0.25),
      memoryMb: memoryMb.default(256),
    })
    .default({ cpus: 0.25, memoryMb: 256 }),
  services: z.array(serviceSchema).default([]),
  agents: z.array(agentSchema).default([]),
});

export type CatalogInput = z.input<typeof catalogSchema>;
export type HealthCheck = z.output<typeof checkSchema>;
export type ServiceEntryInput = z.input<typeof serviceSchema>;
export type AgentEntryInput = z.input<typeof agentSchema>;
