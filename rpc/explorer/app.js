// finchain explorer: a page of its own served by finchd (no build step, no third-party code).
// Routes live in the URL's fragment: #/, #/block/<hash|height>[?page=N], #/tx/<txid>,
// #/address/<address>[?page=N]. Every value from the node goes into the page as text
// (textContent / attributes), never as markup.
'use strict';

const COIN = 100000000;
const POLL_MS = 2000;
let pollTimer = null;
let lastTipHeight = null;
let network = '';

// ---- DOM helpers -------------------------------------------------------------------------
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined) continue;
    if (k === 'class') node.className = v;
    else node.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}
function link(href, text, attrs) { return el('a', Object.assign({ href }, attrs || {}), text); }
function view() { return document.getElementById('view'); }
function show(...nodes) { view().replaceChildren(...nodes); }
function message(text) {
  const m = document.getElementById('message');
  m.textContent = text || '';
  m.hidden = !text;
}

// ---- formatting --------------------------------------------------------------------------
function coins(units) {
  const whole = Math.floor(units / COIN);
  const frac = String(units % COIN).padStart(8, '0').replace(/0+$/, '');
  return whole.toLocaleString('en-US') + (frac ? '.' + frac : '') + ' FCH';
}
function ago(seconds) {
  const d = Math.max(0, Math.floor(Date.now() / 1000 - seconds));
  if (d < 60) return d + ' s ago';
  if (d < 3600) return Math.floor(d / 60) + ' min ago';
  if (d < 86400) return Math.floor(d / 3600) + ' h ago';
  return Math.floor(d / 86400) + ' d ago';
}
function when(seconds) { return new Date(seconds * 1000).toISOString().replace('T', ' ').replace('.000Z', ' UTC'); }
function short(hash) { return hash.length > 20 ? hash.slice(0, 10) + '…' + hash.slice(-8) : hash; }
function bytes(n) {
  if (n < 1024) return n + ' B';
  if (n < 1048576) return (n / 1024).toFixed(1) + ' kB';
  return (n / 1048576).toFixed(2) + ' MB';
}
function rate(hps) {
  const units = ['H/s', 'kH/s', 'MH/s', 'GH/s', 'TH/s', 'PH/s', 'EH/s'];
  let i = 0;
  while (hps >= 1000 && i < units.length - 1) { hps /= 1000; i++; }
  return hps.toFixed(hps < 10 ? 2 : 1) + ' ' + units[i];
}
function blockLink(id, text) { return link('#/block/' + encodeURIComponent(id), text === undefined ? id : text, { class: 'mono' }); }
function txLink(txid, text) { return link('#/tx/' + encodeURIComponent(txid), text || short(txid), { class: 'mono' }); }
function addrLink(a, text) { return link('#/address/' + encodeURIComponent(a), text || a, { class: 'mono' }); }
function card(label, value, id) {
  return el('div', { class: 'card' }, el('div', { class: 'label' }, label), el('div', { class: 'value', id }, value));
}
function fields(pairs) {
  const dl = el('dl', { class: 'fields' });
  for (const [k, v, id] of pairs) dl.append(el('dt', {}, k), el('dd', { id }, v));
  return dl;
}
function table(headers, rows, id) {
  const head = el('tr', {}, headers.map(h => el('th', { class: h.cls || null }, h.text || h)));
  const body = rows.length ? rows : [el('tr', {}, el('td', { colspan: headers.length }, 'None.'))];
  return el('table', { id }, el('thead', {}, head), el('tbody', {}, body));
}
function pager(page, hasNext, base) {
  const prev = el('button', { type: 'button', id: 'page-prev' }, '← Newer');
  const next = el('button', { type: 'button', id: 'page-next' }, 'Older →');
  prev.disabled = page <= 0;
  next.disabled = !hasNext;
  prev.addEventListener('click', () => { location.hash = base + '?page=' + (page - 1); });
  next.addEventListener('click', () => { location.hash = base + '?page=' + (page + 1); });
  return el('div', { class: 'pager' }, prev, el('span', { id: 'page-number' }, 'Page ' + (page + 1)), next);
}

// ---- API ---------------------------------------------------------------------------------
class ApiError extends Error {
  constructor(status, body) { super(body && body.error ? body.error : 'HTTP ' + status); this.status = status; this.code = body && body.code; }
}
async function api(path) {
  const res = await fetch('/api/' + path, { headers: { Accept: 'application/json' } });
  let body = null;
  try { body = await res.json(); } catch (e) { body = null; }
  if (!res.ok) throw new ApiError(res.status, body);
  return body;
}
function failure(e, what) {
  if (e instanceof ApiError && e.code === 'wrong-network') return 'Wrong network: ' + e.message;
  if (e instanceof ApiError && e.status === 404) return 'Not found: ' + what + ' (' + e.message + ')';
  if (e instanceof ApiError && e.status === 429) return 'The node is busy answering this address; try again in a moment.';
  return 'Could not load ' + what + ': ' + e.message;
}

// ---- pages -------------------------------------------------------------------------------
function chart(blocks) {
  // Oldest on the left. Bars: seconds since the previous block; line: hash rate over the last
  // (up to) 10 blocks, work divided by the time they took.
  const ordered = blocks.slice().reverse();
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 1000 160');
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('id', 'chart');
  const intervals = ordered.map((b, i) => (i === 0 ? 0 : Math.max(0, b.time - ordered[i - 1].time)));
  const rates = ordered.map((b, i) => {
    const from = Math.max(0, i - 10);
    const span = b.time - ordered[from].time;
    let work = 0;
    for (let k = from + 1; k <= i; k++) work += ordered[k].work;
    return span > 0 ? work / span : 0;
  });
  const maxInterval = Math.max(1, ...intervals);
  const maxRate = Math.max(1, ...rates);
  const w = 1000 / Math.max(1, ordered.length);
  ordered.forEach((b, i) => {
    const h = (intervals[i] / maxInterval) * 150;
    const r = document.createElementNS(ns, 'rect');
    r.setAttribute('class', 'bar');
    r.setAttribute('x', (i * w + 1).toFixed(1));
    r.setAttribute('width', Math.max(1, w - 2).toFixed(1));
    r.setAttribute('y', (160 - h).toFixed(1));
    r.setAttribute('height', h.toFixed(1));
    const t = document.createElementNS(ns, 'title');
    t.textContent = 'block ' + b.height + ': ' + intervals[i] + ' s, ' + rate(rates[i]);
    r.append(t);
    svg.append(r);
  });
  const line = document.createElementNS(ns, 'polyline');
  line.setAttribute('class', 'line');
  line.setAttribute('points', rates.map((v, i) => ((i + 0.5) * w).toFixed(1) + ',' + (155 - (v / maxRate) * 145).toFixed(1)).join(' '));
  svg.append(line);
  return el('div', { class: 'chart' }, svg,
    el('div', { class: 'legend' }, 'Last ' + ordered.length + ' blocks, oldest left. Bars: block interval (longest ' +
       maxInterval + ' s). Line: hash rate over 10 blocks (peak ' + rate(maxRate) + ').'));
}

function blockRows(blocks) {
  return blocks.map(b => el('tr', {},
    el('td', {}, blockLink(b.height, b.height)),
    el('td', { class: 'hide-narrow' }, blockLink(b.hash, short(b.hash))),
    el('td', {}, ago(b.time)),
    el('td', { class: 'num' }, b.transactions - 1)));
}
function mempoolRows(entries) {
  return entries.map(t => el('tr', {},
    el('td', {}, txLink(t.txid)),
    el('td', { class: 'num' }, coins(t.amount)),
    el('td', { class: 'num hide-narrow' }, t.fee)));
}

async function renderHome() {
  const tip = await api('tip');
  const [blocks, mp] = await Promise.all([api('blocks?count=100'), api('mempool')]);
  lastTipHeight = tip.height;
  show(
    el('h1', {}, 'Chain'),
    el('div', { class: 'cards' },
      card('Height', tip.height, 'tip-height'),
      card('Tip', blockLink(tip.hash, short(tip.hash)), 'tip-hash'),
      card('Age', ago(tip.time), 'tip-age'),
      card('Difficulty', tip.difficulty.toPrecision(6), 'tip-difficulty'),
      card('Hash rate', rate(tip.hashrate), 'tip-hashrate'),
      card('Mempool', tip.mempool.count + ' tx, ' + bytes(tip.mempool.bytes), 'tip-mempool'),
      card('Peers', tip.peers, 'tip-peers')),
    el('h2', {}, 'Block intervals and hash rate'),
    chart(blocks),
    el('div', { class: 'columns' },
      el('section', {}, el('h2', {}, 'Latest blocks'),
        table(['Height', { text: 'Hash', cls: 'hide-narrow' }, 'Mined', { text: 'Transfers', cls: 'num' }], blockRows(blocks.slice(0, 10)), 'latest-blocks')),
      el('section', {}, el('h2', {}, 'Latest mempool transfers'),
        table(['Txid', { text: 'Amount', cls: 'num' }, { text: 'Fee', cls: 'num hide-narrow' }], mempoolRows(mp.latest.slice(0, 10)), 'latest-mempool'))));
}

// While the home page shows, ask for the tip and redraw when anything changed.
async function pollHome() {
  try {
    const tip = await api('tip');
    const height = document.getElementById('tip-height');
    if (!height) return;
    if (tip.height !== lastTipHeight) { await renderHome(); return; }
    document.getElementById('tip-age').textContent = ago(tip.time);
    document.getElementById('tip-mempool').textContent = tip.mempool.count + ' tx, ' + bytes(tip.mempool.bytes);
    document.getElementById('tip-peers').textContent = tip.peers;
    const mp = await api('mempool');
    const old = document.getElementById('latest-mempool');
    if (old) old.replaceWith(table(['Txid', { text: 'Amount', cls: 'num' }, { text: 'Fee', cls: 'num hide-narrow' }], mempoolRows(mp.latest.slice(0, 10)), 'latest-mempool'));
  } catch (e) {
    // A missed poll is retried at the next tick.
  }
}

async function renderBlock(id, page) {
  const b = await api('block/' + encodeURIComponent(id) + '?page=' + page);
  const status = await api('block/' + b.hash + '/status');
  const rows = b.tx.map(t => el('tr', {},
    el('td', {}, txLink(t.txid)),
    el('td', {}, t.coinbase ? 'coinbase' : addrLink(t.from, short(t.from))),
    el('td', {}, addrLink(t.to, short(t.to))),
    el('td', { class: 'num' }, coins(t.amount)),
    el('td', { class: 'num hide-narrow' }, t.coinbase ? '' : t.fee)));
  const raw = el('pre', { id: 'raw-json' }, JSON.stringify(b, null, 2));
  show(
    el('h1', {}, 'Block ' + b.height),
    fields([
      ['Hash', el('span', { class: 'mono' }, b.hash), 'block-hash'],
      ['Status', status.in_active_chain ? 'in the active chain' : 'not in the active chain (a reorged branch)', 'block-status'],
      ['Confirmations', status.confirmations, 'block-confirmations'],
      ['Time', when(b.time) + ' (' + ago(b.time) + ')'],
      ['Previous', b.previous ? blockLink(b.previous, b.previous) : 'none (genesis)', 'block-previous'],
      ['Next', status.next ? blockLink(status.next, status.next) : 'none yet', 'block-next'],
      ['Transactions', b.transactions + ' (the coinbase and ' + (b.transactions - 1) + ' transfers)', 'block-transactions'],
      ['Miner', addrLink(b.miner)],
      ['Reward', coins(b.reward) + ' (fees ' + b.fees + ')'],
      ['Size', bytes(b.size)],
      ['Difficulty', b.difficulty.toPrecision(6)],
      ['Bits / nonce', b.bits + ' / ' + b.nonce],
      ['Merkle root', el('span', { class: 'mono' }, b.merkleroot)],
      ['Chain work', el('span', { class: 'mono' }, b.chainwork)]]),
    el('h2', {}, 'Transactions'),
    pager(b.page, b.page + 1 < b.pages, '#/block/' + b.hash),
    table(['Txid', 'From', 'To', { text: 'Amount', cls: 'num' }, { text: 'Fee', cls: 'num hide-narrow' }], rows, 'block-txs'),
    el('details', {}, el('summary', {}, 'Raw JSON'), raw));
}

async function renderTx(txid) {
  const t = await api('tx/' + encodeURIComponent(txid));
  const pairs = [
    ['Txid', el('span', { class: 'mono' }, t.txid), 'tx-id'],
    ['Status', el('span', { class: 'status-' + t.status }, t.status), 'tx-status']];
  if (t.coinbase) pairs.push(['Kind', 'coinbase (block reward and fees)']);
  else pairs.push(['From', addrLink(t.from), 'tx-from']);
  pairs.push(['To', addrLink(t.to), 'tx-to'], ['Amount', coins(t.amount), 'tx-amount'], ['Fee', t.fee + ' base units', 'tx-fee']);
  if (!t.coinbase) pairs.push(['Nonce', t.nonce, 'tx-nonce'], ['Size', bytes(t.size)]);
  if (t.block) pairs.push(['Block', blockLink(t.block, t.height + ' (' + short(t.block) + ')'), 'tx-block'],
                         ['Confirmations', t.confirmations], ['Time', when(t.time)]);
  show(el('h1', {}, t.coinbase ? 'Coinbase' : 'Transfer'), fields(pairs));
}

async function renderAddress(address, after) {
  const a = await api('address/' + encodeURIComponent(address) + (after ? '?after=' + encodeURIComponent(after) : ''));
  const pending = a.pending.map(t => el('tr', {},
    el('td', {}, txLink(t.txid)),
    el('td', {}, t.from === a.address ? 'sent to ' : 'received from ', addrLink(t.from === a.address ? t.to : t.from, short(t.from === a.address ? t.to : t.from))),
    el('td', { class: 'num' }, coins(t.amount))));
  const parts = [
    el('h1', {}, 'Address'),
    fields([
      ['Address', el('span', { class: 'mono' }, a.address), 'addr-address'],
      ['Balance', coins(a.balance), 'addr-balance'],
      ['Nonce', a.nonce, 'addr-nonce'],
      ['Pending', (a.pending_nonce - a.nonce) + ' outgoing; balance after them ' + coins(a.pending_balance), 'addr-pending']]),
    el('h2', {}, 'Pending transfers'),
    table(['Txid', 'Direction', { text: 'Amount', cls: 'num' }], pending, 'addr-pending-txs'),
    el('h2', {}, 'History')];
  if (a.history === null) {
    parts.push(el('p', {}, 'This node runs without the address index (--addressindex=0): no history.'));
  } else {
    const rows = a.history.map(h => el('tr', {},
      el('td', {}, blockLink(h.height, h.height)),
      el('td', {}, txLink(h.txid)),
      el('td', {}, h.role, h.counterparty ? [' ', h.role === 'sent' ? 'to ' : 'from ', addrLink(h.counterparty, short(h.counterparty))] : ''),
      el('td', { class: 'num' }, (h.role === 'sent' ? '−' : '+') + coins(h.amount))));
    // Older pages continue from the last entry shown ("next"), so deep history costs no more
    // than the first page.
    const newest = el('button', { type: 'button', id: 'page-prev' }, '← Newest');
    const older = el('button', { type: 'button', id: 'page-next' }, 'Older →');
    newest.disabled = !after;
    older.disabled = !a.next;
    newest.addEventListener('click', () => { location.hash = '#/address/' + encodeURIComponent(a.address); });
    older.addEventListener('click', () => {
      location.hash = '#/address/' + encodeURIComponent(a.address) + '?after=' + encodeURIComponent(a.next);
    });
    parts.push(el('div', { class: 'pager' }, newest, older),
               table(['Block', 'Txid', 'What', { text: 'Amount', cls: 'num' }], rows, 'addr-history'));
  }
  show(...parts);
}

async function search(q) {
  q = q.trim();
  if (!q) return;
  try {
    const r = await api('search/' + encodeURIComponent(q));
    location.hash = '#/' + r.kind + '/' + encodeURIComponent(r.id);
  } catch (e) {
    message(failure(e, '“' + q + '”'));
  }
}

// ---- routing -----------------------------------------------------------------------------
function parseRoute() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, query] = raw.split('?');
  const parts = path.split('/').map(p => { try { return decodeURIComponent(p); } catch (e) { return p; } });
  const pageMatch = /(?:^|&)page=(\d{1,7})(?:&|$)/.exec(query || '');
  const afterMatch = /(?:^|&)after=([^&]*)/.exec(query || '');
  let after = '';
  try { after = afterMatch ? decodeURIComponent(afterMatch[1]) : ''; } catch (e) { after = ''; }
  return { kind: parts[0] || '', id: parts.slice(1).join('/'), page: pageMatch ? Number(pageMatch[1]) : 0, after };
}

async function route() {
  message('');
  clearInterval(pollTimer);
  pollTimer = null;
  const r = parseRoute();
  const what = { block: 'block', tx: 'transaction', address: 'address' }[r.kind] || 'page';
  try {
    if (r.kind === '') {
      await renderHome();
      pollTimer = setInterval(pollHome, POLL_MS);
    } else if (r.kind === 'block' && r.id) await renderBlock(r.id, r.page);
    else if (r.kind === 'tx' && r.id) await renderTx(r.id);
    else if (r.kind === 'address' && r.id) await renderAddress(r.id, r.after);
    else { show(); message('Not found: there is no such page here.'); }
  } catch (e) {
    show();
    message(failure(e, what + ' “' + r.id + '”'));
  }
  document.body.dataset.ready = '1';
}

async function start() {
  document.getElementById('search-form').addEventListener('submit', ev => {
    ev.preventDefault();
    search(document.getElementById('search').value);
  });
  window.addEventListener('hashchange', route);
  try {
    const tip = await api('tip');
    network = tip.network;
    document.getElementById('network').textContent = network;
  } catch (e) { /* route() reports it */ }
  await route();
}

document.addEventListener('DOMContentLoaded', start);
