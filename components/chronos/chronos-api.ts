/** The shell commands that submit and remove a job through Chronos' REST API. Pure. */

function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

function base(chronosUrl: string): string {
  return chronosUrl.replace(/\/+$/, "");
}

/** Creates or replaces (same name) the ISO 8601 job read from stdin. */
export function chronosPostCommand(chronosUrl: string): string {
  return `curl -fsS -X POST -H 'Content-Type: application/json' --data-binary @- ${quote(`${base(chronosUrl)}/v1/scheduler/iso8601`)}`;
}

/** Removes the job. */
export function chronosDeleteCommand(chronosUrl: string, jobName: string): string {
  return `curl -fsS -X DELETE ${quote(`${base(chronosUrl)}/v1/scheduler/job/${encodeURIComponent(jobName)}`)}`;
}
