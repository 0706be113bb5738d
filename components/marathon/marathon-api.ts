/**
 * The shell commands that submit and remove an app through Marathon's REST API. Pure. Where
 * Marathon asks for credentials (`authenticated`), curl gives those in API_CREDENTIALS
 * (`withCurlCredentials`).
 */
import { API_CURL, withCurlCredentials } from "../core/curl-credentials";
import { shellQuoted } from "../core/start-with-files";

function appUrl(marathonUrl: string, appId: string): string {
  return `${marathonUrl.replace(/\/+$/, "")}/v2/apps/${appId.replace(/^\/+/, "")}`;
}

const asked = (curl: string, authenticated: boolean) =>
  authenticated ? withCurlCredentials(curl) : curl;

/**
 * Creates or replaces the app with the JSON read from stdin. `force=true` lets a new definition
 * supersede a deployment still in progress (it is then rolled out from where that one stood).
 */
export function marathonPutCommand(
  marathonUrl: string,
  appId: string,
  authenticated = false,
): string {
  return asked(
    `${API_CURL} -X PUT -H 'Content-Type: application/json' --data-binary @- ${shellQuoted(`${appUrl(marathonUrl, appId)}?force=true`)}`,
    authenticated,
  );
}

/** Removes the app (Marathon stops its tasks). */
export function marathonDeleteCommand(
  marathonUrl: string,
  appId: string,
  authenticated = false,
): string {
  return asked(`${API_CURL} -X DELETE ${shellQuoted(appUrl(marathonUrl, appId))}`, authenticated);
}
