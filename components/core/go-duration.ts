/**
 * Seconds as the string Go's `time.Duration.String()` prints, to the millisecond: `0s`, `500ms`,
 * `1.5s`, `1m0s`, `1h30m0s`. The docker and consul providers read durations back in that form, so
 * an input written any other way (`60s`, `30m`) is a change on every preview.
 */
export function goDuration(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  if (ms === 0) return "0s";
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  return `${h > 0 ? `${h}h` : ""}${h > 0 || m > 0 ? `${m}m` : ""}${s}s`;
}
