/**
 * Which `Host` a server on 127.0.0.1 answers (the local AWS, `npm start`): its own loopback
 * address by any loopback name, on its port, and API Gateway's execute-api hosts. A web page
 * that makes a name of its own resolve to 127.0.0.1 (DNS rebinding) sends that name, and is
 * refused.
 */

/** A REST API stage's host, as API Gateway names it: `<api id>.execute-api.<region>.amazonaws.com`. */
const EXECUTE_API_HOST = /^[a-z0-9]+\.execute-api\.[a-z0-9-]+\.amazonaws\.com$/;

/** The host names a loopback server answers to: its loopback address (by any loopback name) on its port, and API Gateway's execute-api hosts. */
export function hostAllowed(host: string | undefined, port: number): boolean {
  if (!host) return false;
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host.toLowerCase());
  if (!match) return false;
  const [, name, hostPort] = match;
  if (EXECUTE_API_HOST.test(name)) return true;
  return ['127.0.0.1', 'localhost', '[::1]'].includes(name) && Number(hostPort) === port;
}

