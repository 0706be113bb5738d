import assert from "node:assert/strict";
import { test } from "node:test";
import {
  CronError,
  isoDuration,
  nextRuns,
  parseCron,
  toChronosSchedule,
} from "../../components/core/cron";

const FROM = new Date("2026-01-05T10:07:30Z"); // a Monday

test("next runs of cron expressions", () => {
  const table: [string, string[]][] = [
    [
      "*/5 * * * *",
      ["2026-01-05T10:10:00.000Z", "2026-01-05T10:15:00.000Z", "2026-01-05T10:20:00.000Z"],
    ],
    [
      "0 * * * *",
      ["2026-01-05T11:00:00.000Z", "2026-01-05T12:00:00.000Z", "2026-01-05T13:00:00.000Z"],
    ],
    [
      "30 2 * * *",
      ["2026-01-06T02:30:00.000Z", "2026-01-07T02:30:00.000Z", "2026-01-08T02:30:00.000Z"],
    ],
    [
      "*/10 * * * * *",
      ["2026-01-05T10:07:40.000Z", "2026-01-05T10:07:50.000Z", "2026-01-05T10:08:00.000Z"],
    ],
    [
      "0 4 * * 0",
      ["2026-01-11T04:00:00.000Z", "2026-01-18T04:00:00.000Z", "2026-01-25T04:00:00.000Z"],
    ],
    [
      "0 */6 * * 1-5",
      ["2026-01-05T12:00:00.000Z", "2026-01-05T18:00:00.000Z", "2026-01-06T00:00:00.000Z"],
    ],
    [
      "0 0 1 2 *",
      ["2026-02-01T00:00:00.000Z", "2027-02-01T00:00:00.000Z", "2028-02-01T00:00:00.000Z"],
    ],
    [
      "0 0 13 * 5",
      ["2026-01-09T00:00:00.000Z", "2026-01-13T00:00:00.000Z", "2026-01-16T00:00:00.000Z"],
    ],
  ];
  for (const [expr, expected] of table) {
    assert.deepEqual(
      nextRuns(parseCron(expr), FROM, 3).map((d) => d.toISOString()),
      expected,
      expr,
    );
  }
});

test("invalid cron expressions say what is wrong", () => {
  const table: [string, string][] = [
    [
      "* * * *",
      "expected 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first, got 4",
    ],
    ["61 * * * *", 'minute value "61" is outside 0-59'],
    ["* 24 * * *", 'hour value "24" is outside 0-23'],
    ["* * 0 * *", 'day of month value "0" is outside 1-31'],
    ["*/0 * * * *", "minute step must be at least 1"],
    ["a * * * *", "minute field \"a\" is not a number, range, list, '*' or step"],
    ["5-2 * * * *", 'minute value "5-2" is outside 0-59'],
  ];
  for (const [expr, message] of table)
    assert.throws(
      () => parseCron(expr),
      (e: unknown) => e instanceof CronError && e.message === message,
      expr,
    );
});

test("an expression that never fires, or only on 29 February, is refused when parsed", () => {
  assert.throws(() => parseCron("0 0 31 2 *"), {
    name: "Error",
    message: 'never fires: no month of "2" has day 31',
  });
  assert.throws(() => parseCron("0 0 30,31 2 *"), /never fires: no month of "2" has day 30,31/);
  assert.throws(() => parseCron("0 0 31 4,6,9,11 *"), /never fires: no month of "4,6,9,11"/);
  assert.throws(
    () => parseCron("0 0 29 2 *"),
    /fires only on 29 February, once in four years: expected a schedule that fires every year/,
  );
  // With a day of week as well, cron fires on either: every Monday of February.
  assert.deepEqual(
    nextRuns(parseCron("0 0 31 2 1"), FROM, 2).map((d) => d.toISOString()),
    ["2026-02-02T00:00:00.000Z", "2026-02-09T00:00:00.000Z"],
  );
  // One month of the list has the day: it fires there.
  assert.equal(
    nextRuns(parseCron("0 0 31 2,3 *"), FROM, 1)[0].toISOString(),
    "2026-03-31T00:00:00.000Z",
  );
});

test("Chronos schedules take the shortest period", () => {
  assert.equal(
    toChronosSchedule(parseCron("*/10 * * * * *"), FROM),
    "R/2026-01-05T10:07:40Z/PT10S",
  );
  assert.equal(toChronosSchedule(parseCron("*/5 * * * *"), FROM), "R/2026-01-05T10:10:00Z/PT5M");
  assert.equal(toChronosSchedule(parseCron("30 2 * * *"), FROM), "R/2026-01-06T02:30:00Z/P1D");
  assert.deepEqual([0, 59, 90, 3600, 86400, 90061].map(isoDuration), [
    "PT0S",
    "PT59S",
    "PT1M30S",
    "PT1H",
    "P1D",
    "P1DT1H1M1S",
  ]);
});
