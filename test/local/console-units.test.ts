// The dashboards preview's value formatting (a browser module, plain JavaScript), run in node.
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

interface ThresholdStep {
  value: number | null;
  color: string;
}

interface Units {
  formatValue(value: number, unit: string, decimals?: number): string;
  activeThreshold(value: number, steps: ThresholdStep[]): ThresholdStep | undefined;
  thresholdColor(value: number, steps: ThresholdStep[]): string;
  cssColor(color: string): string;
  legendName(metric: Record<string, string>, legendFormat: string | undefined, expr: string): string;
  stepSeconds(rangeSeconds: number, scrapeIntervalSeconds: number, points?: number): number;
  simulatedSpan(realSeconds: number, timeScale: number): string;
}

const UNITS_FILE = join(import.meta.dirname, "..", "..", "src", "local", "console", "page", "units.js");
const units = (await import(pathToFileURL(UNITS_FILE).href)) as Units;

describe("formatValue", () => {
  it.each([
    [0.8534, "percentunit", undefined, "85.3%"],
    [0.999, "percentunit", 3, "99.900%"],
    [85, "percent", undefined, "85%"],
    [1536 * 1024 * 1024, "bytes", undefined, "1.5 GiB"],
    [512, "bytes", undefined, "512 B"],
    [0.0123, "s", undefined, "12.3 ms"],
    [42, "s", undefined, "42 s"],
    [7200, "s", undefined, "2 hour"],
    [250, "ms", undefined, "250 ms"],
    [12_345, "ms", undefined, "12.3 s"],
    [1234.5, "reqps", undefined, "1.23K req/s"],
    [3.21, "reqps", undefined, "3.21 req/s"],
    [1_234_567, "short", undefined, "1.23 Mil"],
    [2.5, "short", 0, "3"],
    [3, "none", undefined, "3"],
    [Number.POSITIVE_INFINITY, "s", undefined, "∞"],
    [Number.NaN, "s", undefined, "No data"],
  ])("%s in %s (decimals %s) is %s", (value, unit, decimals, text) => {
    expect(units.formatValue(value, unit, decimals)).toBe(text);
  });
});

describe("thresholds", () => {
  const steps = [
    { value: null, color: "green" },
    { value: 0.8, color: "orange" },
    { value: 0.95, color: "red" },
  ];
  it("picks the last step the value reaches, the base below all", () => {
    expect(units.activeThreshold(0.1, steps)?.color).toBe("green");
    expect(units.activeThreshold(0.8, steps)?.color).toBe("orange");
    expect(units.activeThreshold(0.99, steps)?.color).toBe("red");
  });
  it("turns Grafana's colour names into CSS colours and passes others through", () => {
    expect(units.thresholdColor(0.9, steps)).toBe("#FF9830");
    expect(units.cssColor("semi-dark-red")).toBe("#F2495C");
    expect(units.cssColor("#123456")).toBe("#123456");
  });
});

describe("legendName", () => {
  it("fills {{label}} templates, a missing label as nothing", () => {
    expect(units.legendName({ service: "api", quantile: "0.99" }, "{{service}} p99", "x")).toBe("api p99");
    expect(units.legendName({ service: "api" }, "{{ service }}/{{pod}}", "x")).toBe("api/");
  });
  it("without a legendFormat names the series by name and sorted labels, or by its expression", () => {
    expect(units.legendName({ __name__: "up", job: "api", instance: "b" }, undefined, "up")).toBe(
      'up{instance="b", job="api"}',
    );
    expect(units.legendName({ __name__: "up" }, undefined, "up")).toBe("up");
    expect(units.legendName({}, undefined, "sum(up)")).toBe("sum(up)");
  });
});

describe("steps and spans", () => {
  it("asks for about 250 points, never a step below the scrape interval", () => {
    expect(units.stepSeconds(300, 0.25)).toBe(1.2);
    expect(units.stepSeconds(30, 0.25)).toBe(0.25);
  });
  it("says how long a real span is at the time scale", () => {
    expect(units.simulatedSpan(300, 60)).toBe("5 hours");
    expect(units.simulatedSpan(60, 60)).toBe("1 hour");
    expect(units.simulatedSpan(900, 1)).toBe("15 min");
  });
});
