// What a fault does to one of Plue's services while it runs: answer a share of requests with 500,
// and add latency to every response. A service consults its knobs at the start of each request.

export class FaultKnobs {
  private share = 0;
  private requests = 0;
  private failed = 0;
  private latencyMs = 0;

  /**
   * Answers `share` (0–1) of the requests from now on with 500, spread evenly: request n fails when
   * floor(n × share) grows, so any window of k requests holds k × share failures, give or take one.
   * A steady share keeps the error rate steady, where chance would make it flap around a threshold.
   */
  setErrorShare(share: number): void {
    if (!(share >= 0 && share <= 1)) throw new Error(`error share must be between 0 and 1, got ${share}`);
    this.share = share;
    this.requests = 0;
    this.failed = 0;
  }

  /** Seconds added to every response from now on. */
  setExtraLatency(seconds: number): void {
    if (!(seconds >= 0)) throw new Error(`extra latency must be 0 or more seconds, got ${seconds}`);
    this.latencyMs = seconds * 1000;
  }

  get errorShare(): number {
    return this.share;
  }

  get extraLatencySeconds(): number {
    return this.latencyMs / 1000;
  }

  /** Counts one request; true when it is one of the share to fail. */
  nextFails(): boolean {
    this.requests += 1;
    const due = Math.floor(this.requests * this.share);
    if (due <= this.failed) return false;
    this.failed = due;
    return true;
  }

  /** Waits out the extra latency, if any. */
  delay(): Promise<void> {
    return this.latencyMs > 0
      ? new Promise((resolve) => setTimeout(resolve, this.latencyMs))
      : Promise.resolve();
  }
}

/** The body of an injected failure, so a person reading a response knows it was on purpose. */
export const INJECTED_FAILURE = "internal error (injected by plue-monitoring fault)";
