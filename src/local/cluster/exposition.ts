// A prom-client Registry whose metric families are refilled from the simulated cluster before every
// scrape: the exposition text is prom-client's, never hand-formatted.
import { Counter, Gauge, Registry } from "prom-client";

export type Labels = Record<string, string>;
export type Emit = (labels: Labels, value: number) => void;

export class Exposition {
  readonly registry = new Registry();
  private readonly families: { reset(): void }[] = [];

  gauge(name: string, help: string, labelNames: readonly string[]): Emit {
    const gauge = new Gauge({ name, help, labelNames: [...labelNames], registers: [this.registry] });
    this.families.push(gauge);
    return (labels, value) => gauge.set(labels, value);
  }

  /** A counter set to an absolute value (the simulator owns the running total). */
  counter(name: string, help: string, labelNames: readonly string[]): Emit {
    const counter = new Counter({ name, help, labelNames: [...labelNames], registers: [this.registry] });
    this.families.push(counter);
    return (labels, value) => counter.inc(labels, value);
  }

  /** Forgets every series, so objects that went away stop being exported. */
  reset(): void {
    for (const family of this.families) family.reset();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}

export const boolValue = (value: boolean): number => (value ? 1 : 0);
