/**
 * The throttles a stage of the local AWS applies, in the order API Gateway documents: the usage
 * plan's per-client limit of the caller's API key first, then the stage's per-method limit
 * (API Gateway Developer Guide, "Throttle requests to your REST APIs for better throughput",
 * "How throttling limit settings are applied in API Gateway":
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html).
 * A request one throttle refuses goes no further, so one client's excess takes nothing from the
 * method's budget the other clients share.
 */
import { TokenBucket } from '../local-stage/token-bucket';

/** A throttle's figures as the stage or usage plan holds them; none means no limit. */
export interface ThrottleLimits {
  /** Requests per second. */
  readonly rateLimit?: number;
  /** Requests at once. */
  readonly burstLimit?: number;
}

/** One throttle a request passes: its bucket's identity and its figures. */
export interface Throttle {
  /** Names the bucket: a method of a stage, or an API key. */
  readonly id: string;
  /** @default no limit */
  readonly limits?: ThrottleLimits;
}

export class StageThrottles {
  /** Each throttle's bucket, remade when its figures change. */
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private readonly clock: () => number = () => performance.now()) {}

  /**
   * Whether a request passes its API key's throttle (when its method requires a key), then its
   * method's; each throttle it passes takes a token.
   */
  admit(request: { readonly key?: Throttle; readonly method: Throttle }): boolean {
    for (const throttle of [request.key, request.method]) {
      const bucket = throttle && this.bucketFor(throttle);
      if (bucket && !bucket.take()) return false;
    }
    return true;
  }

  private bucketFor({ id, limits }: Throttle): TokenBucket | undefined {
    const { rateLimit, burstLimit } = limits ?? {};
    if (rateLimit === undefined || burstLimit === undefined || rateLimit < 0 || burstLimit < 0) return undefined;
    const key = `${id} ${rateLimit} ${burstLimit}`;
    let bucket = this.buckets.get(key);
    if (!bucket) this.buckets.set(key, (bucket = new TokenBucket(rateLimit, burstLimit, this.clock)));
    return bucket;
  }
}
