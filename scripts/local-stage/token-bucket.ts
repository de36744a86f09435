/**
 * API Gateway's throttling: a bucket of `burstLimit` tokens refilled at `rateLimit` per
 * second; each request takes one, and a request that finds the bucket empty gets 429.
 */
export class TokenBucket {
  private tokens: number;
  private updated: number;

  constructor(
    private readonly rateLimit: number,
    private readonly burstLimit: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burstLimit;
    this.updated = now();
  }

  /** Takes a token if there is one. */
  take(): boolean {
    const now = this.now();
    this.tokens = Math.min(this.burstLimit, this.tokens + ((now - this.updated) / 1000) * this.rateLimit);
    this.updated = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
