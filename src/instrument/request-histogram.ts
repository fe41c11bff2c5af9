// The request-duration histogram, kept here rather than in prom-client's Histogram and served by the
// same prom-client Registry in the same form. Why: prom-client's observe() validates the label
// names, builds a key string and allocates on every call, children from labels() included — about
// 0.6 µs a request, the largest part of the instrumentation's cost in bench/instrument.ts. Here a
// request costs three Map lookups with the label values it already has and an array increment.
import type { Aggregator, MetricValueWithName } from "prom-client";
import {
  DEFAULT_ROUTE_LIMIT,
  FOLDED_ROUTES,
  OVERFLOW_ROUTE,
  REQUEST_DURATION_LABELS,
} from "./http-semantics.ts";

export type DurationLabel = (typeof REQUEST_DURATION_LABELS)[number];
export type DurationLabels = Record<DurationLabel, string>;

/** One series: the counts of one method, route and status. */
interface Series {
  readonly labels: Readonly<DurationLabels>;
  /** bucketCounts[i]: observations in (upperBounds[i-1], upperBounds[i]]; the last, above them all. */
  readonly bucketCounts: Float64Array;
  sum: number;
  count: number;
}

/** What prom-client's Histogram.get() answers, and what a Registry serves. */
export interface HistogramSnapshot {
  name: string;
  help: string;
  type: "histogram";
  aggregator: Aggregator;
  values: MetricValueWithName<DurationLabel | "le">[];
}

export interface RequestHistogramOptions {
  name: string;
  help: string;
  /** Bucket upper bounds in seconds, ascending. */
  buckets: readonly number[];
  /**
   * Distinct route templates recorded before new ones are recorded as OVERFLOW_ROUTE. Default:
   * DEFAULT_ROUTE_LIMIT. UNMATCHED_ROUTE and OVERFLOW_ROUTE themselves do not count.
   */
  routeLimit?: number;
}

/**
 * A histogram labelled by method, route and status code, with prom-client's metric interface (name,
 * help, type, aggregator, get, reset) so a Registry serves it and a cluster's AggregatorRegistry sums
 * it like a prom-client Histogram.
 */
export class RequestHistogram {
  readonly name: string;
  readonly help: string;
  readonly type = "histogram";
  readonly aggregator: Aggregator = "sum";
  readonly labelNames: readonly DurationLabel[] = REQUEST_DURATION_LABELS;
  readonly upperBounds: readonly number[];
  /**
   * method → route → status → series, so a request finds its series with the values it has, without
   * building a key. It holds exactly the series the exposition serves, no more: every series stays
   * exported for the life of the process, as in any Prometheus client, and what bounds the count
   * bounds this: methods are normalized to ten values, routes are templates (the resolver's contract,
   * which check-metrics enforces) and at most routeLimit of them, status codes are three digits.
   */
  private byMethod = new Map<string, Map<string, Map<number, Series>>>();
  /** The same series in the order they appeared: the exposition's order. */
  private ordered: Series[] = [];
  readonly routeLimit: number;
  /** The route templates admitted so far, across all methods; at most routeLimit. */
  private admittedRoutes = new Set<string>();

  constructor(options: RequestHistogramOptions) {
    this.name = options.name;
    this.help = options.help;
    this.upperBounds = [...options.buckets].sort((a, b) => a - b);
    const routeLimit = options.routeLimit ?? DEFAULT_ROUTE_LIMIT;
    if (!Number.isInteger(routeLimit) || routeLimit < 0) {
      throw new RangeError(`routeLimit must be a whole number of routes, 0 or more: ${routeLimit}`);
    }
    this.routeLimit = routeLimit;
  }

  /** Records one request's duration. */
  record(method: string, route: string, statusCode: number, seconds: number): void {
    const series = this.seriesOf(method, route, statusCode);
    const bounds = this.upperBounds;
    let bucket = 0;
    while (bucket < bounds.length && seconds > (bounds[bucket] as number)) bucket++;
    series.bucketCounts[bucket] = (series.bucketCounts[bucket] as number) + 1;
    series.sum += seconds;
    series.count += 1;
  }

  /** prom-client's Histogram.observe, for callers that have the labels as an object. */
  observe(labels: DurationLabels, seconds: number): void {
    if (!Number.isFinite(seconds)) throw new TypeError(`Value is not a valid number: ${seconds}`);
    const statusCode = Number(labels.http_response_status_code);
    if (!Number.isInteger(statusCode) || String(statusCode) !== labels.http_response_status_code) {
      throw new TypeError(
        `http_response_status_code is not a status code: ${labels.http_response_status_code}`,
      );
    }
    this.record(labels.http_request_method, labels.http_route, statusCode, seconds);
  }

  async get(): Promise<HistogramSnapshot> {
    const values: MetricValueWithName<DurationLabel | "le">[] = [];
    for (const series of this.ordered) {
      let cumulative = 0;
      this.upperBounds.forEach((bound, index) => {
        cumulative += series.bucketCounts[index] as number;
        values.push({
          metricName: `${this.name}_bucket`,
          labels: { le: bound, ...series.labels },
          value: cumulative,
        });
      });
      values.push(
        { metricName: `${this.name}_bucket`, labels: { le: "+Inf", ...series.labels }, value: series.count },
        { metricName: `${this.name}_sum`, labels: { ...series.labels }, value: series.sum },
        { metricName: `${this.name}_count`, labels: { ...series.labels }, value: series.count },
      );
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  /** Forgets every series (Registry.resetMetrics calls this). */
  reset(): void {
    this.byMethod = new Map();
    this.ordered = [];
    this.admittedRoutes = new Set();
  }

  private seriesOf(method: string, route: string, statusCode: number): Series {
    let byRoute = this.byMethod.get(method);
    if (byRoute === undefined) {
      byRoute = new Map();
      this.byMethod.set(method, byRoute);
    }
    // A request on a known series finds it by the route it has: the cap costs it nothing. Only a
    // route this method has not recorded yet is checked against the cap. A refused route is never
    // stored under its own name (the map would grow with every one), so each of its requests comes
    // this way again and finds the overflow series.
    let recordedRoute = route;
    let byStatus = byRoute.get(route);
    if (byStatus === undefined) {
      recordedRoute = this.admit(route);
      byStatus = byRoute.get(recordedRoute);
      if (byStatus === undefined) {
        byStatus = new Map();
        byRoute.set(recordedRoute, byStatus);
      }
    }
    let series = byStatus.get(statusCode);
    if (series === undefined) {
      series = {
        labels: {
          http_request_method: method,
          http_route: recordedRoute,
          http_response_status_code: String(statusCode),
        },
        bucketCounts: new Float64Array(this.upperBounds.length + 1),
        sum: 0,
        count: 0,
      };
      byStatus.set(statusCode, series);
      this.ordered.push(series);
    }
    return series;
  }

  /** The route value a new route is recorded under: itself while under the cap, else OVERFLOW_ROUTE. */
  private admit(route: string): string {
    if (FOLDED_ROUTES.has(route) || this.admittedRoutes.has(route)) return route;
    if (this.admittedRoutes.size >= this.routeLimit) return OVERFLOW_ROUTE;
    this.admittedRoutes.add(route);
    return route;
  }
}
