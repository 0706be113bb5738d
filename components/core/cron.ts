/**
 * Cron expressions of scheduled agents: five fields (minute hour day-of-month month day-of-week)
 * or six with seconds first. Validation, the next run times, and the shortest period, which a
 * Chronos job needs as an ISO 8601 repeating interval.
 */

interface FieldSpec {
  name: string;
  min: number;
  max: number;
}

const SECOND: FieldSpec = { name: "second", min: 0, max: 59 };
const FIELDS: FieldSpec[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12 },
  { name: "day of week", min: 0, max: 7 },
];

/** A parsed schedule: the allowed values of each field. */
export interface CronSchedule {
  source: string;
  seconds: number[];
  minutes: number[];
  hours: number[];
  daysOfMonth: number[];
  months: number[];
  daysOfWeek: number[];
  /** True when both day fields are restricted: cron then matches either. */
  dayOr: boolean;
}

/** Thrown with what was wrong; the caller adds the file and path. */
export class CronError extends Error {}

function parseField(text: string, spec: FieldSpec): number[] {
  const values = new Set<number>();
  for (const part of text.split(",")) {
    const m = /^(\*|\d+(?:-\d+)?)(?:\/(\d+))?$/.exec(part);
    if (!m)
      throw new CronError(`${spec.name} field "${text}" is not a number, range, list, '*' or step`);
    const [, range, stepText] = m;
    let lo = spec.min;
    let hi = spec.max;
    if (range !== "*") {
      const [a, b] = range.split("-").map(Number);
      lo = a;
      hi = b === undefined ? (stepText ? spec.max : a) : b;
    }
    const step = stepText === undefined ? 1 : Number(stepText);
    if (step < 1) throw new CronError(`${spec.name} step must be at least 1`);
    if (lo < spec.min || hi > spec.max || lo > hi) {
      throw new CronError(`${spec.name} value "${part}" is outside ${spec.min}-${spec.max}`);
    }
    for (let v = lo; v <= hi; v += step) values.add(spec.name === "day of week" && v === 7 ? 0 : v);
  }
  return [...values].sort((x, y) => x - y);
}

/** Parses a cron expression or throws a `CronError` saying what is wrong. */
export function parseCron(expression: string): CronSchedule {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5 && parts.length !== 6) {
    throw new CronError(
      `expected 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first, got ${parts.length}`,
    );
  }
  const withSeconds = parts.length === 6;
  const seconds = withSeconds ? parseField(parts[0], SECOND) : [0];
  const rest = withSeconds ? parts.slice(1) : parts;
  const [minutes, hours, daysOfMonth, months, daysOfWeek] = rest.map((p, i) =>
    parseField(p, FIELDS[i]),
  );
  const dayOr = rest[2] !== "*" && rest[4] !== "*";
  const schedule = {
    source: expression,
    seconds,
    minutes,
    hours,
    daysOfMonth,
    months,
    daysOfWeek,
    dayOr,
  };
  const never = neverFires(schedule, rest[4] === "*");
  if (never !== undefined) throw new CronError(never);
  return schedule;
}

/** Days in each month (February of a leap year: 29). */
const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Why a schedule whose day of month decides alone (day of week `*`) never fires, or fires only on
 * 29 February; undefined when some month of it has one of its days. A restricted day of week
 * matches in every month, so with one the schedule always fires.
 */
function neverFires(
  s: Pick<CronSchedule, "daysOfMonth" | "months">,
  dayOfMonthAlone: boolean,
): string | undefined {
  if (!dayOfMonthAlone) return undefined;
  const occurs = (leap: boolean) =>
    s.months.some((m) =>
      s.daysOfMonth.some((d) => d <= (m === 2 && !leap ? 28 : MONTH_DAYS[m - 1])),
    );
  if (!occurs(true))
    return `never fires: no month of "${s.months.join(",")}" has day ${s.daysOfMonth.join(",")}`;
  if (!occurs(false))
    return "fires only on 29 February, once in four years: expected a schedule that fires every year";
  return undefined;
}

function dayMatches(s: CronSchedule, d: Date): boolean {
  const dom = s.daysOfMonth.includes(d.getUTCDate());
  const dow = s.daysOfWeek.includes(d.getUTCDay());
  return s.dayOr ? dom || dow : dom && dow;
}

/** The first run strictly after `after` (UTC). Searches at most about four years ahead. */
export function nextRun(s: CronSchedule, after: Date): Date {
  const t = new Date(Math.floor(after.getTime() / 1000) * 1000 + 1000);
  const limit = after.getTime() + 4 * 366 * 86400_000;
  while (t.getTime() <= limit) {
    if (!s.months.includes(t.getUTCMonth() + 1) || !dayMatches(s, t)) {
      t.setUTCHours(0, 0, 0, 0);
      t.setUTCDate(t.getUTCDate() + 1);
      continue;
    }
    if (!s.hours.includes(t.getUTCHours())) {
      t.setUTCMinutes(0, 0, 0);
      t.setUTCHours(t.getUTCHours() + 1);
      continue;
    }
    if (!s.minutes.includes(t.getUTCMinutes())) {
      t.setUTCSeconds(0, 0);
      t.setUTCMinutes(t.getUTCMinutes() + 1);
      continue;
    }
    const sec = s.seconds.find((v) => v >= t.getUTCSeconds());
    if (sec === undefined) {
      t.setUTCSeconds(0, 0);
      t.setUTCMinutes(t.getUTCMinutes() + 1);
      continue;
    }
    t.setUTCSeconds(sec, 0);
    return t;
  }
  throw new CronError(`"${s.source}" never runs`);
}

/** The next `count` runs after `after`. */
export function nextRuns(s: CronSchedule, after: Date, count: number): Date[] {
  const out: Date[] = [];
  let t = after;
  for (let i = 0; i < count; i++) {
    t = nextRun(s, t);
    out.push(t);
  }
  return out;
}

/**
 * The schedule as a Chronos ISO 8601 repeating interval `R/<start>/<period>`. Chronos only repeats
 * at a fixed period, so the period is the shortest gap between consecutive runs in the coming day
 * and the start is the first run after `from`.
 */
export function toChronosSchedule(s: CronSchedule, from: Date): string {
  const runs = nextRuns(s, from, 50);
  let period = Infinity;
  for (let i = 1; i < runs.length; i++)
    period = Math.min(period, runs[i].getTime() - runs[i - 1].getTime());
  const seconds = Math.round(period / 1000);
  const start = runs[0].toISOString().replace(/\.000Z$/, "Z");
  return `R/${start}/${isoDuration(seconds)}`;
}

/** Seconds as an ISO 8601 duration: 90 → `PT1M30S`, 86400 → `P1D`. */
export function isoDuration(totalSeconds: number): string {
  const days = Math.floor(totalSeconds / 86400);
  let rest = totalSeconds % 86400;
  const h = Math.floor(rest / 3600);
  rest %= 3600;
  const m = Math.floor(rest / 60);
  const s = rest % 60;
  const time = `${h ? `${h}H` : ""}${m ? `${m}M` : ""}${s ? `${s}S` : ""}`;
  if (days === 0 && time === "") return "PT0S";
  return `P${days ? `${days}D` : ""}${time ? `T${time}` : ""}`;
}
