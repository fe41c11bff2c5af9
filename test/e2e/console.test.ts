/// <reference lib="dom" />
// The console in a real Chromium against the real local stack at time scale 60: it shows the
// Watchdog, the fault list and the three seed dashboards with every panel drawn; a fault applied
// with its button raises its alert on the page and its notifications arrive as Slack and PagerDuty
// show them; a silence made with the form marks the alert silenced, and expiring it unmarks it;
// clearing the fault resolves the alert; a critical alert's warning twin is marked inhibited. Each step leaves a screenshot in test-results/console/.
import { join } from "node:path";
import type { Browser, Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DASHBOARD_UIDS, dashboards } from "../../src/dashboards/index.ts";
import { FAULT_NAMES } from "../../src/local/faults.ts";
import { launchChromium, openPage, screenshotDir } from "../helpers/browser.ts";
import { testConfig } from "../helpers/config.ts";
import { type RunningStack, startStack } from "./local-stack.ts";

const SEED_DASHBOARDS = [
  DASHBOARD_UIDS.systemOverview,
  DASHBOARD_UIDS.kubernetesCluster,
  DASHBOARD_UIDS.apiPerformance,
] as const;
const seed = dashboards(testConfig()).filter((dashboard) =>
  (SEED_DASHBOARDS as readonly string[]).includes(dashboard.uid),
);

/** The panels of a dashboard that draw something: every panel but the row headings. */
const drawablePanels = (json: Record<string, unknown>) =>
  (json.panels as { type: string; title: string }[]).filter((panel) => panel.type !== "row");

const WAIT_MS = 60_000;

/** What the page drew of each dashboard, by uid. */
type DrawnDashboards = Record<
  string,
  { title: string; panels: { title: string; type: string; state: string; series: number; canvas: boolean }[] }
>;
const shots = screenshotDir("console");

describe("the console", () => {
  let stack: RunningStack;
  let browser: Browser;
  let page: Page;
  let pageErrors: string[];

  /** The whole page, and each named section on its own (the page is long). */
  const screenshot = async (name: string, ...sections: string[]) => {
    const path = join(shots, `${name}.png`);
    await page.screenshot({ path, fullPage: true });
    for (const id of sections) {
      await (await page.$(`#${id}`))?.screenshot({ path: join(shots, `${name}-${id}.png`) });
    }
    return path;
  };

  /** The row of an alert on the page, by alertname, as data attributes. */
  const alertRows = (alertname: string) =>
    page.$$eval(`tr.alert[data-alertname="${alertname}"]`, (rows) =>
      rows.map((row) => ({ ...(row as HTMLElement).dataset })),
    );

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startStack({ timeScale: 60 }), launchChromium()]);
    ({ page, errors: pageErrors } = await openPage(browser, `${stack.url("inbox")}/`));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it("shows the Watchdog, every fault, and the three seed dashboards with every panel drawn", async () => {
    await page.waitForSelector('tr.alert[data-alertname="Watchdog"][data-state="firing"]', {
      timeout: WAIT_MS,
    });
    const faultNames = await page.$$eval("tr[data-fault]", (rows) =>
      rows.map((row) => (row as HTMLElement).dataset.fault),
    );
    expect(faultNames).toEqual([...FAULT_NAMES]);

    // Every drawable panel of the seed dashboards has drawn at least one series.
    const expected = Object.fromEntries(
      seed.map((dashboard) => [dashboard.uid, drawablePanels(dashboard.json).length]),
    );
    const drawn = await page
      .waitForFunction(
        (counts: Record<string, number>) => {
          const result: DrawnDashboards = {};
          for (const uid of Object.keys(counts)) {
            const section = document.querySelector(`section.dashboard[data-uid="${uid}"]`);
            if (!section) return false;
            const panels = [...section.querySelectorAll<HTMLElement>("figure.panel")]
              .filter((figure) => figure.dataset.type !== "row")
              .map((figure) => ({
                title: figure.dataset.title ?? "",
                type: figure.dataset.type ?? "",
                state: figure.dataset.state ?? "",
                series: Number(figure.dataset.series ?? 0),
                canvas: figure.querySelector("canvas") !== null,
              }));
            if (
              panels.length !== counts[uid] ||
              panels.some((panel) => panel.state !== "drawn" || panel.series < 1)
            )
              return false;
            result[uid] = { title: section.querySelector("h3")?.textContent ?? "", panels };
          }
          return result;
        },
        { timeout: WAIT_MS, polling: 500 },
        expected,
      )
      .then(async (handle) => (await handle.jsonValue()) as DrawnDashboards | false)
      .catch(async (error: Error) => {
        const states = await page.$$eval("figure.panel", (figures) =>
          figures.map(
            (figure) =>
              `${(figure as HTMLElement).dataset.title}: ${(figure as HTMLElement).dataset.state} ${(figure as HTMLElement).dataset.series}`,
          ),
        );
        throw new Error(
          `${error.message}\npanels: ${states.join("\n")}\nscreenshot: ${await screenshot("failed-dashboards")}`,
        );
      });
    if (drawn === false) throw new Error("no dashboards");
    expect(Object.values(drawn).map((dashboard) => dashboard.title.trim())).toEqual([
      "Plue - System Overview",
      "Kubernetes Cluster",
      "API Performance",
    ]);
    const charts = Object.values(drawn).flatMap((dashboard) =>
      dashboard.panels.filter((panel) => panel.canvas),
    );
    expect(charts.length).toBeGreaterThanOrEqual(10);
    // Time series are charts; a stat, a table, a bar gauge shows its values without one.
    expect(charts.every((panel) => panel.type === "timeseries")).toBe(true);
    expect(await page.$eval("#dashboards", (section) => section.textContent)).toMatch(/preview/i);

    // A variable narrows what is drawn: one service, one series.
    const overview = `section.dashboard[data-uid="${DASHBOARD_UIDS.systemOverview}"]`;
    const cpuSeries = `${overview} figure.panel[data-title="CPU by service"]`;
    expect(await page.$eval(cpuSeries, (figure) => (figure as HTMLElement).dataset.series)).toBe("3");
    await page.select(`${overview} select[name="var-service"]`, "api");
    await page.waitForSelector(`${cpuSeries}[data-series="1"][data-state="drawn"]`, { timeout: WAIT_MS });
    await page.select(`${overview} select[name="var-service"]`, "$__all");
    await page.waitForSelector(`${cpuSeries}[data-series="3"]`, { timeout: WAIT_MS });
    console.log(
      `console: ${charts.length} charts drawn; screenshot ${await screenshot("1-healthy", "alerts", "health", "dashboards")}`,
    );
  }, 90_000);

  it("applies a fault with its button: its alert fires on the page and its notifications arrive", async () => {
    await page.click('tr[data-fault="api-down"] button[data-action="apply"]');
    await page.waitForSelector('tr[data-fault="api-down"][data-active="true"]', { timeout: WAIT_MS });
    await page.waitForSelector('tr.alert[data-alertname="ServiceDown"][data-state="firing"]', {
      timeout: WAIT_MS,
    });
    // ServiceDown is critical: PagerDuty's incident and Slack's message, each drawn as its receiver shows it.
    await page.waitForSelector(
      'article.notification[data-kind="pagerduty"][data-status="firing"][data-alertnames~="ServiceDown"] .pagerduty-summary',
      { timeout: WAIT_MS },
    );
    await page.waitForSelector(
      'article.notification[data-kind="slack"][data-status="firing"][data-alertnames~="ServiceDown"] .slack-title',
      { timeout: WAIT_MS },
    );
    const summary = await page.$eval(
      'article.notification[data-kind="pagerduty"][data-alertnames~="ServiceDown"] .pagerduty-summary',
      (element) => element.textContent,
    );
    expect(summary).toBe("api is down");
    // The receiver filter leaves PagerDuty's alone.
    await page.select('#notifications select[name="receiver"]', "pagerduty");
    const receivers = await page.$$eval("article.notification", (articles) =>
      articles.map((article) => (article as HTMLElement).dataset.receiver),
    );
    expect(receivers.length).toBeGreaterThan(0);
    expect(new Set(receivers)).toEqual(new Set(["pagerduty"]));
    await page.select('#notifications select[name="receiver"]', "");
    // The heartbeat is one line, not one notification each.
    expect(await page.$$('article.notification[data-alertnames="Watchdog"]')).toHaveLength(0);
    expect(await page.$eval("#notifications .heartbeat", (line) => line.textContent)).toMatch(
      /^Heartbeat \(Watchdog → heartbeat\): last \d+ s ago, \d+ received\.$/,
    );
    console.log(
      `console: ServiceDown firing; screenshot ${await screenshot("2-api-down", "alerts", "faults", "notifications")}`,
    );
  }, 90_000);

  it("creates a silence with the form, which marks the alert silenced, and expires it", async () => {
    // A matcher that is not one is refused on the page, with what is accepted.
    await page.type('form.silence-form input[name="matchers"]', "alertname is ServiceDown");
    await page.type('form.silence-form input[name="comment"]', "the api is being moved");
    await page.click('form.silence-form button[type="submit"]');
    expect(await page.$eval("form.silence-form .form-error", (line) => line.textContent)).toContain(
      "is not name=value",
    );
    await page.$eval('form.silence-form input[name="matchers"]', (input) => {
      (input as HTMLInputElement).value = "";
    });
    await page.type('form.silence-form input[name="matchers"]', 'alertname="ServiceDown", service="api"');
    await page.click('form.silence-form button[type="submit"]');
    await page.waitForSelector('#silences li[data-state="active"]', { timeout: WAIT_MS });
    await page.waitForSelector('tr.alert[data-alertname="ServiceDown"][data-silenced="true"]', {
      timeout: WAIT_MS,
    });
    // Only the matching alert is silenced: the Watchdog goes on.
    expect((await alertRows("Watchdog")).map((row) => row.silenced)).toEqual(["false"]);
    console.log(
      `console: ServiceDown silenced; screenshot ${await screenshot("3-silenced", "alerts", "silences")}`,
    );

    await page.click('#silences li[data-state="active"] button[data-action="expire"]');
    await page.waitForSelector('tr.alert[data-alertname="ServiceDown"][data-silenced="false"]', {
      timeout: WAIT_MS,
    });
    expect(await page.$$('#silences li[data-state="active"]')).toHaveLength(0);
  }, 90_000);

  it("clears the fault with its button: the alert resolves", async () => {
    await page.click('tr[data-fault="api-down"] button[data-action="clear"]');
    await page.waitForSelector('tr[data-fault="api-down"][data-active="false"]', { timeout: WAIT_MS });
    await page.waitForFunction(
      () => document.querySelector('tr.alert[data-alertname="ServiceDown"]') === null,
      {
        timeout: WAIT_MS,
      },
    );
    await page.waitForSelector(
      'article.notification[data-kind="slack"][data-status="resolved"][data-alertnames~="ServiceDown"]',
      { timeout: WAIT_MS },
    );
    console.log(
      `console: ServiceDown resolved; screenshot ${await screenshot("4-resolved", "alerts", "notifications")}`,
    );
  }, 90_000);

  it("marks a warning inhibited by its critical twin", async () => {
    await page.click('tr[data-fault="cpu-critical"] button[data-action="apply"]');
    await page.waitForSelector('tr.alert[data-alertname="CriticalCPUUsage"][data-state="firing"]', {
      timeout: WAIT_MS,
    });
    await page.waitForSelector('tr.alert[data-alertname="HighCPUUsage"][data-inhibited="true"]', {
      timeout: WAIT_MS,
    });
    expect((await alertRows("CriticalCPUUsage")).map((row) => row.inhibited)).toEqual(["false"]);
    expect(await page.$eval('tr.alert[data-alertname="HighCPUUsage"]', (row) => row.textContent)).toContain(
      "inhibited by CriticalCPUUsage",
    );
    console.log(`console: HighCPUUsage inhibited; screenshot ${await screenshot("5-inhibited", "alerts")}`);
    await page.click('tr[data-fault="cpu-critical"] button[data-action="clear"]');
    await page.waitForSelector('tr[data-fault="cpu-critical"][data-active="false"]', { timeout: WAIT_MS });
    expect(pageErrors).toEqual([]);
  }, 90_000);
});
