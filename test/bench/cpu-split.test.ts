// The release figure's CPU split: what is read from /proc/stat and a cgroup v2 cpu.stat, and how
// two readings become cores.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  cpuSplit,
  cpuStatSeconds,
  describeCpuSplit,
  machineBusySeconds,
} from "../../scripts/bench/cpu-split";

const PROC_STAT = [
  "cpu  1013930 16787 540209 3662033 7166 0 58742 32080 0 0",
  "cpu0 506965 8393 270104 1831016 3583 0 29371 16040 0 0",
  "intr 12345",
].join("\n");

test("the machine's busy seconds are user, nice, system, irq and softirq of the cpu line, at 100 ticks a second", () => {
  assert.equal(machineBusySeconds(PROC_STAT), (1013930 + 16787 + 540209 + 0 + 58742) / 100);
});

test("a /proc/stat without a cpu line is refused", () => {
  assert.throws(() => machineBusySeconds("intr 1\n"), /no `cpu ` line/);
});

test("a cgroup v2 cpu.stat gives its usage_usec in seconds", () => {
  assert.equal(cpuStatSeconds("usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\n"), 2.5);
  assert.throws(() => cpuStatSeconds("user_usec 1\n"), /no usage_usec/);
});

test("two readings give the cores used between them, the containers' apart", () => {
  const s = cpuSplit(
    { at: 10_000, machineS: 100, containersS: 40 },
    { at: 14_000, machineS: 107.8, containersS: 43.96 },
  );
  assert.equal(s.machineCores.toFixed(3), "1.950");
  assert.equal(s.containerCores?.toFixed(3), "0.990");
  assert.equal(describeCpuSplit(s), "1.95 cores, of which the containers 0.99");
});

test("without the containers' cgroup only the machine is told", () => {
  const s = cpuSplit(
    { at: 0, machineS: 0, containersS: undefined },
    { at: 2000, machineS: 3, containersS: 1 },
  );
  assert.equal(s.containerCores, undefined);
  assert.equal(describeCpuSplit(s), "1.50 cores");
});
