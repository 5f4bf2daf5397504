/**
 * The dashboard in a real headless Chromium (Debian's `chromium`, driven by playwright-core): it loads, shows the
 * nine services, and turns a service red within seconds after it is stopped. Leaves a screenshot in
 * apps/monitoring/.data/dashboard.png.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { SERVICE_NAMES } from '@ai-ninja/contracts';
import { createTestAuth, type TestAuth } from '@ai-ninja/service-kit/testing';
import { DECIDE_PATH, startFleet, type Fleet } from './fleet.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOT_DIR = new URL('../.data/', import.meta.url);
const SCREENSHOT = new URL('dashboard.png', SCREENSHOT_DIR);
// Without a browser, only a run outside CI may skip, and it says why; CI installs chromium (.ci/run).
const skip = !existsSync(CHROMIUM) && !process.env.CI ? `no Chromium at ${CHROMIUM} (apt-get install -y chromium)` : false;
const RED = 'rgb(229, 72, 77)'; // --down in dashboard.css
const GREEN = 'rgb(47, 184, 106)'; // --up

describe('the dashboard in headless Chromium', { skip }, () => {
  let fleet: Fleet;
  let auth: TestAuth;
  let browser: Browser;
  let page: Page;
  const tile = (service: string) => page.locator(`.tile[data-service="${service}"]`);

  before(async () => {
    auth = await createTestAuth();
    fleet = await startFleet({ env: auth.env, monitoringEnv: { MONITORING_POLL_INTERVAL_MS: '250' } });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    page.setDefaultTimeout(15_000);
  });
  after(async () => {
    await browser?.close();
    await fleet?.close();
  });

  it('loads and shows the nine services of the catalog, all up', async () => {
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    const response = await page.goto(`${fleet.monitoring.url}/dashboard/`);
    assert.equal(response?.status(), 200);
    await page.locator('.tile').nth(8).waitFor();
    assert.deepEqual(await page.locator('.tile h3').allTextContents(), [...SERVICE_NAMES]);
    await page.waitForFunction(() => document.querySelectorAll('.tile[data-status="up"]').length === 9);
    assert.equal(await tile('storage').locator('.badge').textContent(), 'UP');
    assert.equal(await tile('storage').evaluate((node) => getComputedStyle(node).borderTopColor), GREEN);
    assert.deepEqual(errors, [], 'no script or CSP error in the page');
  });

  it('draws rates and latency from real traffic', async () => {
    // Bounded traffic: 3 rounds of a few requests, a poll apart, so the charts have points.
    for (let round = 0; round < 3; round++) {
      for (const code of [200, 200, 200, 404, 500]) await fetch(`${fleet.url('configuration')}/api/v1/config/echo/${code}`);
      for (let i = 0; i < 3; i++) await fetch(`${fleet.url('phone-gateway')}${DECIDE_PATH}`);
      await new Promise((resolve) => setTimeout(resolve, 400));
    }
    await page.waitForFunction(() => {
      const value = document.querySelector('.tile[data-service="configuration"] .figure strong')?.textContent ?? '–';
      return value !== '–' && Number(value) > 0;
    });
    const points = await tile('configuration').locator('svg.spark-req polyline').getAttribute('points');
    assert.ok((points ?? '').split(' ').length >= 2, `a line of at least two points: ${points}`);
    assert.notEqual(await tile('phone-gateway').locator('.figure').nth(2).locator('strong').textContent(), '–', 'p99 of phone-gateway shown');
  });

  it('turns a stopped service red within seconds, and shows its alert', async () => {
    const admin = auth.bearer(await auth.userToken('ops', ['admin']));
    const created = await fetch(`${fleet.monitoring.url}/api/v1/monitoring/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...admin },
      body: JSON.stringify({ kind: 'service_down', service: 'storage', forSeconds: 1 }),
    });
    assert.equal(created.status, 201);

    await fleet.stop('storage');
    await page.locator('.tile[data-service="storage"][data-status="down"]').waitFor();
    assert.equal(await tile('storage').locator('.badge').textContent(), 'DOWN');
    assert.equal(await tile('storage').evaluate((node) => getComputedStyle(node).borderTopColor), RED);
    assert.equal(await page.locator('.tile[data-status="up"]').count(), 8, 'the others stay up');
    await page.locator('#alerts li', { hasText: 'storage is down' }).waitFor();
  });

  it('looks a trace up by request id and shows its hops', async () => {
    const requestId = `browser-trace-${Date.now()}`;
    assert.equal((await fetch(`${fleet.url('phone-gateway')}${DECIDE_PATH}`, { headers: { 'X-Request-ID': requestId } })).status, 200);
    await page.fill('#trace-id', requestId);
    await page.click('#trace-form button');
    await page.locator('#trace-table tbody tr').nth(1).waitFor();
    const services = await page.locator('#trace-table tbody tr td:nth-child(2)').allTextContents();
    assert.deepEqual(
      services.map((s) => s.replace('↳ ', '')),
      ['phone-gateway', 'smart-whitelist'],
    );
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: SCREENSHOT.pathname, fullPage: true });
  });

  it('turns the service green again once it is back', async () => {
    await fleet.start('storage');
    await page.locator('.tile[data-service="storage"][data-status="up"]').waitFor();
    await page.locator('#alerts li.empty').waitFor();
  });
});
