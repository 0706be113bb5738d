import { PlatformInputError } from "./errors";

/** A secret a component needs, where it looks for it in its arguments, and what it is. */
export interface RequiredSecret {
  /** The path in the component's arguments. */
  path: string;
  given: unknown;
  /** What the secret is and where it comes from, for the message. */
  what: string;
}

/**
 * A component that needs secrets where its environment asks for credentials checks, before it
 * declares anything, that it has them: one `PlatformInputError` naming its arguments (`args`) and
 * each missing one, with why it is needed (`because`).
 */
export function assertSecretsGiven(
  args: string,
  because: string,
  secrets: readonly RequiredSecret[],
): void {
  const missing = secrets.filter((s) => s.given === undefined);
  if (missing.length === 0) return;
  throw new PlatformInputError(
    missing.map((s) => ({ file: args, path: s.path, expected: `${s.what}, since ${because}` })),
  );
}
