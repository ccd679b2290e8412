// Drives finchd's explorer in Debian's Chromium (playwright-core, no downloaded browser).
// Started by tests/functional/explorer_browser.py, which runs the node, prepares the chain and
// passes what to expect in a JSON file named by argv[2]. Prints one line per check, the home
// page's load time, and "explorer browser test: passed"; on a failure it saves a screenshot
// and exits 1.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const t = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const STEP_TIMEOUT = 15000;
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

function check(ok, what) {
  if (!ok) throw new Error('check failed: ' + what);
  console.log('ok: ' + what);
}

async function rpc(method, params) {
  const res = await fetch(t.rpc_url, {
    method: 'POST',
    headers: { Authorization: t.auth, 'Content-Type': 'application/json' },
    body: JSON.stringify({ method, params, id: 1 }),
  });
  const body = await res.json();
  if (body.error) throw new Error(method + ': ' + body.error.message);
  return body.result;
}

async function text(page, selector) {
  return (await page.locator(selector).first().textContent({ timeout: STEP_TIMEOUT })) || '';
}

// Waits for a route to finish drawing (app.js sets data-ready when it has).
async function ready(page) {
  await page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: STEP_TIMEOUT });
}
async function navigate(page, action) {
  await page.evaluate(() => { document.body.dataset.ready = ''; });
  await action();
  await ready(page);
}

async function search(page, q) {
  await page.evaluate(() => { document.getElementById('message').hidden = true; });
  await page.fill('#search', q);
  await page.press('#search', 'Enter');
}

async function main() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'finch-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: t.chromium, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1200, height: 900 },
  });
  const page = context.pages()[0] || await context.newPage();
  const errors = [];
  page.on('pageerror', e => errors.push(String(e)));
  page.on('dialog', d => { errors.push('dialog opened: ' + d.message()); d.dismiss(); });
  try {
    // Home: loads, then follows the tip live.
    const started = Date.now();
    await page.goto(t.url, { waitUntil: 'load' });
    await ready(page);
    const loadMs = Date.now() - started;
    check((await text(page, '#tip-height')) === String(t.height), 'home page shows the tip height ' + t.height);
    check(await page.locator('#chart rect').count() === Math.min(100, t.height + 1), 'the chart has a bar per recent block');
    check((await text(page, '#tip-mempool')).startsWith('1 tx'), 'home page shows the pending transfer in the mempool');
    check(await page.locator('#latest-mempool tbody tr').count() === 1, 'latest mempool transfers listed');
    const before = Date.now();
    await rpc('generatetoaddress', [1, t.miner_address]);
    await page.waitForFunction(h => document.getElementById('tip-height')?.textContent === String(h), t.height + 1,
      { timeout: STEP_TIMEOUT });
    check(true, 'the height changes by itself after a block is mined (' + (Date.now() - before) + ' ms)');
    console.log(JSON.stringify({ figure: 'home_page_load_ms', value: loadMs }));

    // Block -> transaction -> address, by clicking.
    await navigate(page, () => search(page, String(t.transfers_height)));
    check((await text(page, 'h1')) === 'Block ' + t.transfers_height, 'search by height opens the block');
    check(await page.locator('#block-txs tbody tr').count() === 25, 'a block page lists 25 transactions');
    check((await text(page, '#block-confirmations')) === String(t.height + 1 - t.transfers_height + 1), 'confirmations shown');
    await navigate(page, () => page.click('#page-next'));
    check(await page.locator('#block-txs tbody tr').count() === t.transfers + 1 - 25, 'the second page has the rest');
    check((await text(page, '#raw-json')).includes('"merkleroot"'), 'raw JSON is shown');
    await navigate(page, () => page.locator('#block-previous a').click());
    check((await text(page, 'h1')) === 'Block ' + (t.transfers_height - 1), 'previous block link');
    await navigate(page, () => page.locator('#block-next a').click());
    check((await text(page, 'h1')) === 'Block ' + t.transfers_height, 'next block link');
    await navigate(page, () => page.locator('#block-txs tbody tr').nth(1).locator('a').first().click());
    check((await text(page, '#tx-status')) === 'confirmed', 'a transfer from the block is confirmed');
    check((await text(page, '#tx-block')).startsWith(String(t.transfers_height)), 'the transfer names its block');
    await navigate(page, () => page.locator('#tx-to a').click());
    check((await text(page, 'h1')) === 'Address', 'the recipient link opens the address');
    check((await text(page, '#addr-address')) === t.alice_address, 'the address page names the address');
    check(await page.locator('#addr-history tbody tr').count() === 25, 'history is paged by 25');
    await navigate(page, () => page.click('#page-next'));
    check(await page.locator('#addr-history tbody tr').count() === t.transfers - 25, 'the older history page');

    // Search: each kind, and what is not found.
    await navigate(page, () => search(page, t.transfers_hash));
    check((await text(page, 'h1')) === 'Block ' + t.transfers_height, 'search by block hash');
    await navigate(page, () => search(page, t.pending_txid));
    check((await text(page, '#tx-status')) === 'pending', 'search by txid finds the pending transfer');
    await navigate(page, () => search(page, t.alice_address));
    check((await text(page, '#addr-pending')).length > 0 && (await text(page, '#addr-balance')).endsWith('FCH'), 'search by address');
    await search(page, 'no-such-thing');
    await page.waitForSelector('#message:not([hidden])', { timeout: STEP_TIMEOUT });
    check((await text(page, '#message')).startsWith('Not found'), 'a clear "not found"');
    await search(page, '999999');
    await page.waitForSelector('#message:not([hidden])', { timeout: STEP_TIMEOUT });
    check((await text(page, '#message')).includes('no block at height 999999'), 'a height past the tip is not found');
    await search(page, t.main_address);
    await page.waitForSelector('#message:not([hidden])', { timeout: STEP_TIMEOUT });
    const wrong = await text(page, '#message');
    check(wrong.startsWith('Wrong network') && wrong.includes('main'), 'a main-network address is named as such: ' + wrong);
    await navigate(page, () => page.goto(t.url + '#/block/' + 'f'.repeat(64)));
    check((await text(page, '#message')).startsWith('Not found'), 'an unknown block hash in the URL');

    // Markup from the user and from the node is shown as text, never run or parsed.
    const markup = '<img src=x onerror="window.__xss=1">';
    await search(page, markup);
    await page.waitForSelector('#message:not([hidden])', { timeout: STEP_TIMEOUT });
    check((await text(page, '#message')).includes(markup), 'typed markup is shown as text');
    await search(page, t.markup_address);
    await page.waitForSelector('#message:not([hidden])', { timeout: STEP_TIMEOUT });
    const fromNode = await text(page, '#message');
    check(fromNode.includes('<img/src=x/onerror=window.__xss=1>'), 'markup inside the node\'s error is shown as text: ' + fromNode);
    await navigate(page, () => page.goto(t.url + '#/address/' + encodeURIComponent(markup)));
    check(await page.evaluate(() => document.querySelectorAll('main img').length) === 0, 'no element was made from markup');
    check(await page.evaluate(() => window.__xss === undefined), 'no script ran');

    // A phone-sized screen: nothing wider than the viewport.
    await page.setViewportSize({ width: 375, height: 740 });
    for (const route of ['#/', '#/block/' + t.transfers_height, '#/address/' + t.alice_address, '#/tx/' + t.pending_txid]) {
      await navigate(page, () => page.goto(t.url + route));
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      check(width <= 375, 'fits a 375 px screen: ' + route + ' (' + width + ' px)');
    }
    check(errors.length === 0, 'no script errors or dialogs: ' + errors.join('; '));
    console.log('explorer browser test: passed');
  } catch (e) {
    const shot = path.join(t.artifacts, 'explorer-failure.png');
    try { await page.screenshot({ path: shot, fullPage: true }); } catch (_) { /* the page may be gone */ }
    console.error('FAILED: ' + e.message + '\nscreenshot: ' + shot + '\nscript errors: ' + errors.join('; '));
    process.exitCode = 1;
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

await main();
