// A steady client (load.ts) in a thread of its own. Whatever holds the caller's thread does not
// hold the client: a site test's fault commands, which hold it for a second or more (a client
// sharing it would send nothing just when the fault happens, and see no failure), or the Pulumi
// program a release runs inline (a client sharing its thread would time its answers late by the
// program's own work, and blame the platform for it).
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { LoadOptions, Sample } from "./load";

export class SteadyClient {
  private readonly worker: Worker;

  constructor(options: LoadOptions) {
    // The thread loads the TypeScript worker through tsx's CommonJS hook, as this one was loaded.
    const entry = join(__dirname, "load-worker.ts");
    this.worker = new Worker(`require("tsx/cjs"); require(${JSON.stringify(entry)});`, {
      eval: true,
      workerData: options,
    });
  }

  /** The samples so far. */
  samples(): Promise<Sample[]> {
    return this.ask("samples");
  }

  /** Stops sending, waits for the requests in flight, and returns every sample. */
  async stop(): Promise<Sample[]> {
    const samples = await this.ask("stop");
    await this.worker.terminate();
    return samples;
  }

  private ask(what: "samples" | "stop"): Promise<Sample[]> {
    return new Promise((resolve, reject) => {
      const failed = (e: Error) => reject(e);
      this.worker.once("message", (samples: Sample[]) => {
        this.worker.off("error", failed);
        resolve(samples);
      });
      this.worker.once("error", failed);
      this.worker.postMessage(what);
    });
  }
}
