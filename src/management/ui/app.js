// The Switchyard admin page: polls /api/status every second and draws what it reports. Read-only.
// Counters in the document are totals; rates here are differences between two readings divided by
// the time between them (sampledAt). Everything is built with DOM calls (textContent, never HTML
// strings), so names from the configuration cannot inject markup.

const POLL_MS = 1000;
const HISTORY = 60;
const SVG = 'http://www.w3.org/2000/svg';

/** The previous reading of each counter, by key, and the last rates computed per virtual cluster. */
let previous = null;
const history = new Map();

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  for (const child of children) node.append(child);
  return node;
}

function svg(tag, attributes = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  for (const child of children) node.append(child);
  return node;
}

function formatRate(value) {
  if (value === null) return '–';
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function formatBytes(value) {
  if (value === null) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value >= 100 || unit === 0 ? 0 : 1)} ${units[unit]}`;
}

function formatDuration(seconds) {
  const s = Math.floor(seconds);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s % 60}s`;
  return `${s}s`;
}

/** Every counter of the document, flattened to key -> total, for rates against the next reading. */
function readings(doc) {
  const values = new Map();
  for (const vc of doc.virtualClusters) {
    const t = vc.traffic;
    values.set(`${vc.name}\0requests`, t.requestsTotal);
    values.set(`${vc.name}\0errors`, t.errorsTotal);
    values.set(`${vc.name}\0in`, t.requestBytesTotal);
    values.set(`${vc.name}\0out`, t.responseBytesTotal);
    for (const r of t.routes) values.set(`${vc.name}\0route\0${r.router}\0${r.route}`, r.requestsTotal);
    for (const r of t.routers) values.set(`${vc.name}\0router-errors\0${r.router}`, r.errorsTotal);
    for (const c of t.clusters) values.set(`${vc.name}\0cluster-errors\0${c.cluster}`, c.errorsTotal);
  }
  return { at: doc.sampledAt, values };
}

/** The rate of one counter since the previous reading; null on the first reading. */
function rateOf(current, key) {
  if (previous === null) return null;
  const seconds = (current.at - previous.at) / 1000;
  if (seconds <= 0) return null;
  const now = current.values.get(key) ?? 0;
  const before = previous.values.get(key) ?? 0;
  // A counter that went down belongs to a restarted process: count from zero.
  return Math.max(0, now < before ? now : now - before) / seconds;
}

function stat(label, value, options = {}) {
  const box = el('div', { class: 'stat', 'data-metric': options.metric ?? label });
  if (options.alert) box.setAttribute('data-alert', 'true');
  box.append(el('div', { class: 'label' }, label), el('div', { class: 'value' }, value));
  if (options.spark) box.append(options.spark);
  return box;
}

function sparkline(values) {
  const width = 140;
  const height = 24;
  const max = Math.max(1, ...values);
  const step = width / (HISTORY - 1);
  const offset = HISTORY - values.length;
  const points = values.map(
    (v, i) => `${((offset + i) * step).toFixed(1)},${(height - 2 - (v / max) * (height - 4)).toFixed(1)}`,
  );
  return svg(
    'svg',
    {
      class: 'spark',
      viewBox: `0 0 ${width} ${height}`,
      preserveAspectRatio: 'none',
      'aria-hidden': 'true',
      'data-samples': values.length,
    },
    svg('polyline', { points: points.join(' ') }),
  );
}

function table(headers, rows, emptyText) {
  const body = el('tbody');
  if (rows.length === 0) body.append(el('tr', {}, el('td', { class: 'empty', colspan: headers.length }, emptyText)));
  for (const row of rows) body.append(el('tr', {}, ...row.map((cell) => el('td', {}, cell))));
  return el('table', {}, el('thead', {}, el('tr', {}, ...headers.map((h) => el('th', {}, h)))), body);
}

// ---- the route graph ----

const BOX_W = 180;
const BOX_H = 46;
const COLUMN = BOX_W + 170;
const ROW = 66;

/**
 * Lays the graph out as a tree from left to right: the virtual cluster, then one column per router
 * level, clusters as leaves. A leaf takes the next row; a parent sits at the middle of its children.
 */
function layout(vc) {
  const nodes = [];
  const edges = [];
  let row = 0;
  const place = (target, depth) => {
    const node = { target, depth, y: 0 };
    nodes.push(node);
    if (target.kind === 'router' && target.routes.length > 0) {
      const children = target.routes.map((route) => {
        const child = place(route.target, depth + 1);
        edges.push({ from: node, to: child, route, router: target.router });
        return child;
      });
      node.y = (children[0].y + children[children.length - 1].y) / 2;
    } else {
      node.y = row++;
    }
    return node;
  };
  const top = place(vc.routeGraph.target, 1);
  const root = { target: { kind: 'vc', name: vc.name, filters: vc.routeGraph.filters }, depth: 0, y: top.y };
  nodes.unshift(root);
  edges.unshift({ from: root, to: top, route: null, router: null });
  return { nodes, edges, rows: Math.max(row, 1), depth: Math.max(...nodes.map((n) => n.depth)) };
}

/** A router type is a module path and export (`./routers.ts#Merging`): the export name says enough. */
function shortType(type) {
  const hash = type.lastIndexOf('#');
  const name = hash === -1 ? type.slice(type.lastIndexOf('/') + 1) : type.slice(hash + 1);
  return name.length > 22 ? `${name.slice(0, 21)}…` : name;
}

function graphNode(node, x, y, vc, current) {
  const t = node.target;
  let kind = t.kind;
  let title;
  let sub;
  let failing = false;
  if (t.kind === 'vc') {
    title = t.name;
    sub = 'virtual cluster';
  } else if (t.kind === 'router') {
    title = t.router;
    sub = `router · ${shortType(t.type)}`;
    const errors = rateOf(current, `${vc.name}\0router-errors\0${t.router}`);
    if (errors !== null && errors > 0) {
      failing = true;
      sub = `router · ${formatRate(errors)} errors/s`;
    }
  } else {
    kind = 'cluster';
    title = t.cluster;
    const servers = t.bootstrapServers;
    sub = servers.length > 1 ? `${servers[0]} +${servers.length - 1}` : (servers[0] ?? 'cluster');
    const errors = rateOf(current, `${vc.name}\0cluster-errors\0${t.cluster}`);
    if (errors !== null && errors > 0) failing = true;
  }
  const group = svg('g', {
    class: `node ${kind}${failing ? ' failing' : ''}`,
    'data-kind': kind,
    'data-name': title,
    transform: `translate(${x},${y})`,
  });
  group.append(
    svg('title', {}, t.kind === 'router' ? `${title} (${t.type})` : title),
    svg('rect', { width: BOX_W, height: BOX_H, rx: 6 }),
    svg('text', { class: 'title', x: 10, y: 19 }, title),
    svg('text', { class: 'sub', x: 10, y: 36 }, sub),
  );
  return group;
}

function routeGraph(vc, current) {
  const { nodes, edges, rows, depth } = layout(vc);
  const width = (depth + 1) * COLUMN - (COLUMN - BOX_W) + 20;
  const height = rows * ROW + 10;
  const at = (node) => ({ x: 10 + node.depth * COLUMN, y: 10 + node.y * ROW });
  const root = svg('svg', {
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': `route graph of ${vc.name}`,
  });
  for (const edge of edges) {
    const from = at(edge.from);
    const to = at(edge.to);
    const x1 = from.x + BOX_W;
    const y1 = from.y + BOX_H / 2;
    const x2 = to.x;
    const y2 = to.y + BOX_H / 2;
    const mid = (x1 + x2) / 2;
    const rate = edge.route === null ? null : rateOf(current, `${vc.name}\0route\0${edge.router}\0${edge.route.name}`);
    root.append(
      svg('path', {
        class: `edge${rate !== null && rate > 0 ? ' busy' : ''}`,
        d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`,
      }),
    );
    const labelX = x2 - 160;
    const label = svg('g', {
      class: 'route',
      'data-route': edge.route?.name ?? '',
      transform: `translate(${labelX},${y2 - 6})`,
    });
    if (edge.route === null) {
      const filters = vc.routeGraph.filters;
      if (filters.length > 0)
        label.append(svg('text', { class: 'filters', x: 0, y: 0 }, `filters: ${filters.join(' → ')}`));
    } else {
      label.append(svg('text', { class: 'edge-label', x: 0, y: 0 }, `${edge.route.name} (#${edge.route.id})`));
      label.append(
        svg('text', { class: 'edge-rate', x: 0, y: 14, 'data-metric': 'route-rate' }, `${formatRate(rate)} req/s`),
      );
      if (edge.route.filters.length > 0) {
        label.append(svg('text', { class: 'filters', x: 70, y: 14 }, `filters: ${edge.route.filters.join(' → ')}`));
      }
    }
    root.append(label);
  }
  for (const node of nodes) {
    const { x, y } = at(node);
    root.append(graphNode(node, x, y, vc, current));
  }
  return el('div', { class: 'graph' }, root);
}

// ---- one virtual cluster ----

function virtualCluster(vc, current) {
  const t = vc.traffic;
  const requests = rateOf(current, `${vc.name}\0requests`);
  const errors = rateOf(current, `${vc.name}\0errors`);
  const bytesIn = rateOf(current, `${vc.name}\0in`);
  const bytesOut = rateOf(current, `${vc.name}\0out`);
  const series = history.get(vc.name) ?? [];
  if (requests !== null) {
    series.push(requests);
    if (series.length > HISTORY) series.shift();
  }
  history.set(vc.name, series);

  const card = el('article', { class: 'vc', 'data-vc': vc.name });
  const badge = el('span', { class: 'badge', 'data-state': vc.state }, vc.state);
  card.append(
    el('div', { class: 'vc-head' }, el('h2', {}, vc.name), badge, el('span', { class: 'since' }, `since ${vc.since}`)),
  );
  if (vc.failureReason !== null) card.append(el('div', { class: 'failure' }, vc.failureReason));
  card.append(
    el(
      'div',
      { class: 'stats' },
      stat('connections', String(t.connectionsActive), { metric: 'connections' }),
      stat('requests/s', formatRate(requests), { metric: 'requests-rate', spark: sparkline(series) }),
      stat('errors/s', formatRate(errors), { metric: 'errors-rate', alert: errors !== null && errors > 0 }),
      stat('in/s', bytesIn === null ? '–' : `${formatBytes(bytesIn)}`, { metric: 'bytes-in-rate' }),
      stat('out/s', bytesOut === null ? '–' : `${formatBytes(bytesOut)}`, { metric: 'bytes-out-rate' }),
      stat('requests', String(t.requestsTotal), { metric: 'requests-total' }),
      stat('errors', String(t.errorsTotal), { metric: 'errors-total', alert: t.errorsTotal > 0 }),
    ),
  );
  if (vc.routeGraph !== null) card.append(el('h3', {}, 'Route graph'), routeGraph(vc, current));

  const connectionsOf = (name) => t.gateways.find((g) => g.gateway === name)?.connectionsActive ?? 0;
  const gateways = table(
    ['gateway', 'bootstrap', 'bound', 'ports', 'connections'],
    vc.gateways.map((g) => [
      g.name,
      g.bootstrapAddress,
      g.boundBootstrapAddress ?? '–',
      g.boundPorts.join(', ') || '–',
      String(connectionsOf(g.name)),
    ]),
    'no gateway bound',
  );
  const nodes =
    vc.nodes === null
      ? el('p', { class: 'empty' }, 'Reported by each worker, not by the supervisor.')
      : table(
          ['virtual node', 'upstream broker'],
          vc.nodes.map((n) => [String(n.id), n.upstream]),
          'none learned yet',
        );
  const routes = table(
    ['router', 'route', 'req/s', 'requests'],
    t.routes.map((r) => [
      r.router,
      r.route,
      formatRate(rateOf(current, `${vc.name}\0route\0${r.router}\0${r.route}`)),
      String(r.requestsTotal),
    ]),
    'no routed request yet',
  );
  const errorRows = [
    ['disconnects', String(t.errors.disconnects)],
    ['routing', String(t.errors.routing)],
    ['upstream', String(t.errors.upstream)],
    ['filters', String(t.errors.filters)],
  ];
  card.append(
    el(
      'div',
      { class: 'columns' },
      el('div', {}, el('h3', {}, 'Gateways'), gateways, el('h3', {}, 'Virtual nodes'), nodes),
      el(
        'div',
        {},
        el('h3', {}, 'Routes'),
        routes,
        el('h3', {}, 'Errors (totals)'),
        table(['kind', 'count'], errorRows, ''),
      ),
    ),
  );
  return card;
}

// ---- the page ----

/** What an applied reload did to the virtual clusters. */
function reloadChanges(reload) {
  const parts = [];
  for (const kind of ['restarted', 'started', 'stopped']) {
    if (reload[kind].length > 0) parts.push(`${kind} ${reload[kind].join(', ')}`);
  }
  return parts.length === 0 ? 'nothing changed' : parts.join('; ');
}

function render(doc) {
  const current = readings(doc);
  const state = document.getElementById('proxy-state');
  state.textContent = doc.state;
  state.setAttribute('data-state', doc.state);
  document.getElementById('proxy-facts').textContent =
    `version ${doc.version} · up ${formatDuration(doc.uptimeSeconds)} · ${doc.virtualClusters.length} virtual clusters`;
  const workers = document.getElementById('workers');
  if (Array.isArray(doc.workers)) {
    workers.hidden = false;
    workers
      .querySelector('tbody')
      .replaceChildren(
        ...doc.workers.map((w) =>
          el(
            'tr',
            {},
            el('td', {}, String(w.index)),
            el('td', {}, String(w.pid ?? '–')),
            el('td', {}, w.state),
            el('td', {}, String(w.restarts)),
          ),
        ),
      );
  }
  document.getElementById('generation').textContent =
    `generation ${doc.generation} · ${doc.reloads.length === 0 ? 'no reload since the start' : `last ${doc.reloads.length} reloads, newest first`}`;
  document
    .querySelector('#reloads tbody')
    .replaceChildren(
      ...doc.reloads.map((r) =>
        el(
          'tr',
          { 'data-ok': String(r.ok) },
          el('td', {}, new Date(r.at).toLocaleTimeString()),
          el('td', {}, r.trigger),
          el('td', {}, r.ok ? 'applied' : 'failed'),
          el('td', {}, String(r.generation)),
          el('td', {}, r.ok ? reloadChanges(r) : (r.reason ?? '')),
        ),
      ),
    );
  document
    .getElementById('virtual-clusters')
    .replaceChildren(...doc.virtualClusters.map((vc) => virtualCluster(vc, current)));
  previous = current;
}

async function poll() {
  const freshness = document.getElementById('freshness');
  try {
    const response = await fetch('/api/status', { cache: 'no-store', signal: AbortSignal.timeout(5000) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    render(await response.json());
    freshness.textContent = `updated ${new Date().toLocaleTimeString()}`;
    freshness.setAttribute('data-state', 'fresh');
  } catch (error) {
    freshness.textContent = `cannot reach the proxy (${error.message}); retrying`;
    freshness.setAttribute('data-state', 'stale');
  } finally {
    setTimeout(poll, POLL_MS);
  }
}

poll();
