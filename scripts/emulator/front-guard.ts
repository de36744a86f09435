/**
 * Who may use the local AWS, decided before anything else sees a request. It listens on
 * 127.0.0.1 only, but a web page the user visits can still send requests there: to its port by
 * name (a simple cross-site request, which needs no CORS answer to be sent), or under its own
 * name by DNS rebinding (a name of the attacker's that resolves to 127.0.0.1, so the browser
 * reads the answers). The AWS APIs here take any signature, so such a request could create a
 * function and invoke it: code running as the user. AWS SDKs, the CLI and Terraform send no
 * `Origin` and address the endpoint as they were given it; browsers send `Origin` (or
 * `Sec-Fetch-*`) and the page's own host name.
 */
import type { IncomingHttpHeaders } from 'http';
import { hostAllowed } from '../lib/loopback-host';

export { hostAllowed } from '../lib/loopback-host';

/** The front's own internal routes' prefix, which no request from outside may reach however it is spelled. */
const INTERNAL_PREFIX = '/_emulator';


/** What decides a request: its target, `Host` and browser headers. */
export interface FrontRequest {
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

/** Why the front refuses a request, with the HTTP status to answer; undefined when it may pass. */
export interface Refusal {
  readonly status: number;
  readonly message: string;
}

/** The path of an origin-form target as the services behind will see it: percent-decoded (to a fixed point), slashes collapsed, dot-segments resolved. */
export function normalizedPath(target: string): string {
  let path = target.split('?')[0];
  for (let i = 0; i < 5; i++) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(path);
    } catch {
      break;
    }
    if (decoded === path) break;
    path = decoded;
  }
  const segments: string[] = [];
  for (const segment of path.replace(/\\/g, '/').split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  return `/${segments.join('/')}`;
}

/** Whether a request addresses the front's internal routes, in any spelling (encoded, doubled slashes, dot-segments, case). */
export function reachesInternalRoutes(target: string): boolean {
  const path = normalizedPath(target).toLowerCase();
  return path === INTERNAL_PREFIX || path.startsWith(`${INTERNAL_PREFIX}/`);
}

/** Whether a browser sent the request (only browsers send these; AWS SDKs, the CLI and Terraform do not). */
export function fromBrowser(headers: IncomingHttpHeaders): boolean {
  return headers.origin !== undefined || headers['sec-fetch-mode'] !== undefined || headers['sec-fetch-site'] !== undefined;
}

/**
 * Why the local AWS refuses `request` (listening on `port`), or undefined:
 * - a target not in origin form (absolute-form `http://…/…` or `*`): the services behind would
 *   read its path otherwise than this check;
 * - a `Host` that is not the front's own loopback address or an execute-api host: DNS rebinding;
 * - the front's internal routes, however spelled;
 * - a browser's request to an AWS API (a stage's URL stays open to a browser, as on AWS).
 */
export function frontRefusal(request: FrontRequest, port: number, isStageRequest: boolean): Refusal | undefined {
  if (!request.url.startsWith('/')) return { status: 400, message: 'the local AWS serves origin-form request targets only (a path, not an absolute URL)' };
  if (!hostAllowed(typeof request.headers.host === 'string' ? request.headers.host : undefined, port)) {
    return { status: 421, message: `the local AWS answers to 127.0.0.1:${port} (or localhost, [::1]) and execute-api hosts only, not ${JSON.stringify(request.headers.host ?? '')}` };
  }
  if (reachesInternalRoutes(request.url)) return { status: 404, message: 'not an AWS API' };
  if (!isStageRequest && fromBrowser(request.headers)) {
    return { status: 403, message: "the local AWS's APIs do not answer browsers (a web page could otherwise create and run code as you); use the AWS CLI, an SDK or Terraform" };
  }
  return undefined;
}
