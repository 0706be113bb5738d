/**
 * The shell commands that submit and remove a job through Chronos' REST API. Pure. Where Chronos
 * asks for credentials (`authenticated`), curl gives those in API_CREDENTIALS
 * (`withCurlCredentials`).
 */
import { API_CURL, withCurlCredentials } from "../core/curl-credentials";
import { shellQuoted } from "../core/start-with-files";

function base(chronosUrl: string): string {
  return chronosUrl.replace(/\/+$/, "");
}

const asked = (curl: string, authenticated: boolean) =>
  authenticated ? withCurlCredentials(curl) : curl;

/** Creates or replaces (same name) the ISO 8601 job read from stdin. */
export function chronosPostCommand(chronosUrl: string, authenticated = false): string {
  return asked(
    `${API_CURL} -X POST -H 'Content-Type: application/json' --data-binary @- ${shellQuoted(`${base(chronosUrl)}/v1/scheduler/iso8601`)}`,
    authenticated,
  );
}

/** Removes the job. */
export function chronosDeleteCommand(
  chronosUrl: string,
  jobName: string,
  authenticated = false,
): string {
  return asked(
    `${API_CURL} -X DELETE ${shellQuoted(`${base(chronosUrl)}/v1/scheduler/job/${encodeURIComponent(jobName)}`)}`,
    authenticated,
  );
}
