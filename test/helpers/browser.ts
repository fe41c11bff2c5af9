// A real Chromium for the console's tests: Debian's package (scripts/bootstrap.mjs installs it for
// `npm test`), driven through puppeteer-core, which never downloads a browser of its own. Screenshots
// go to test-results/<name>/ so a person can look at what the test saw.
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import puppeteer, { type Browser, type Page } from "puppeteer-core";

export const CHROMIUM = "/usr/bin/chromium";

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium), or run npm test, which does`,
    );
  }
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Tests run as root in CI, where Chromium's sandbox cannot start.
    args: ["--no-sandbox", "--disable-dev-shm-usage"],
  });
}

/** A page that fails the test on an uncaught error in the page, and keeps its console output. */
export async function openPage(browser: Browser, url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  await page.setViewport({ width: 1400, height: 900 });
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error instanceof Error ? error.message : String(error)));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  await page.goto(url, { waitUntil: "domcontentloaded" });
  return { page, errors };
}

const repo = join(import.meta.dirname, "..", "..");

/** Where a test's screenshots go: test-results/<name>/ in the repository, kept after the run. */
export function screenshotDir(name: string): string {
  const dir = join(repo, "test-results", name);
  mkdirSync(dir, { recursive: true });
  return dir;
}
