// A CPU hog: processes that spin at normal priority, one per core asked, so the platform's parts
// compete for the CPU as on a busy machine. Stopped by the returned function (and with the process).
import { ChildProcess, spawn } from "node:child_process";

export function startCpuHog(cores: number): () => void {
  const hogs: ChildProcess[] = [];
  for (let i = 0; i < cores; i++)
    hogs.push(spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" }));
  const stop = () => {
    for (const h of hogs) h.kill("SIGKILL");
  };
  process.once("exit", stop);
  return stop;
}
