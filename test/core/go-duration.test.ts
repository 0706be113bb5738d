// Durations in the form the docker and consul providers read back (Go's time.Duration.String()).
import assert from "node:assert/strict";
import { test } from "node:test";
import { goDuration } from "../../components/core/go-duration";

test("seconds print as Go prints a time.Duration", () => {
  const table: [number, string][] = [
    [0, "0s"],
    [0.05, "50ms"],
    [0.5, "500ms"],
    [1, "1s"],
    [1.5, "1.5s"],
    [2, "2s"],
    [59.25, "59.25s"],
    [60, "1m0s"],
    [90, "1m30s"],
    [1800, "30m0s"],
    [3600, "1h0m0s"],
    [3661.5, "1h1m1.5s"],
  ];
  assert.deepEqual(
    table.map(([s]) => [s, goDuration(s)]),
    table,
  );
});
