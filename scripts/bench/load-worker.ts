// The steady client's own thread (steady-client.ts): a Load that keeps its rate
// whatever the caller's thread does, and hands its samples over when asked ("samples") and at the
// end ("stop").
import { parentPort, workerData } from "node:worker_threads";
import { Load, LoadOptions } from "./load";

const load = new Load(workerData as LoadOptions).start();
parentPort!.on("message", (ask: "samples" | "stop") => {
  if (ask === "samples") parentPort!.postMessage(load.samples);
  else void load.stop().then((samples) => parentPort!.postMessage(samples));
});
