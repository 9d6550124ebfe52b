// The panel's Handles view in jsdom (through the real PanelShell): the tab, the empty state that says
// how to attach, per target its state, pid, command and last error; the charts' aria summaries and
// the data they were given (jsdom cannot draw: the chart degrades to its summary and text table); a
// handle type named with markup stays text; the stacked/split toggle; leak sites with links that ask
// the host to open them; and the "Track leak sites" flow: the measured cost shown first, nothing
// sent on Cancel, the request sent on "Turn on", the host's answer shown; off without asking.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  LiveSnapshotNotification,
  type LiveSnapshotParams,
  type PanelHandleTarget,
  RevealLeakSiteRequest,
  SetLeakSitesRequest,
  ShowViewNotification,
} from '../../src/shared/livePanelProtocol';
import { RunCommandCommand } from '../../src/shared/panelProtocol';
import { attachHintText, leakSitesOverheadText, noHandleTargetsText } from '../../webview/handlesView';
import { liveSnapshot } from '../support/liveSnapshot';
import { mountPanel } from '../support/webviewDom';

const markup = '<img src=x onerror=alert(1)>';
const start = Date.UTC(2026, 11, 3, 12, 0, 0);

function snapshot(handles: PanelHandleTarget[] | undefined): LiveSnapshotParams {
  return liveSnapshot({ ...(handles ? { handles } : {}), generatedAt: start });
}

function nodeTarget(timeouts: number[], change: Partial<PanelHandleTarget> = {}): PanelHandleTarget {
  return {
    kind: 'node',
    id: '127.0.0.1:9229',
    name: 'Node pid 4242',
    state: 'sampling',
    pid: 4242,
    command: `/usr/bin/node ${markup}.js`,
    runtime: 'Node v20.20.2',
    lastSampleAt: start,
    charts: [
      {
        id: 'handles',
        title: 'Active handles and resources by type',
        unit: 'count',
        stackable: true,
        series: [
          { label: 'Timeout', points: timeouts.map((value, index): [number, number] => [start + index * 2000, value]) },
          { label: markup, points: timeouts.map((_, index): [number, number | null] => [start + index * 2000, index === 1 ? null : 2]) },
        ],
      },
      { id: 'memory', title: 'Memory', unit: 'bytes', stackable: false, series: [{ label: 'rss', points: [[start, 50 * 1024 * 1024]] }] },
    ],
    sites: [],
    leakSites: { enabled: false },
    ...change,
  };
}

function mount() {
  const { document, root, posted, shell } = mountPanel();
  const panel = root.querySelector('#panel-handles') as HTMLElement;
  return { document, root, posted, shell, panel };
}

function texts(root: ParentNode, selector: string): string[] {
  return [...root.querySelectorAll(selector)].map((element) => element.textContent ?? '');
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('Handles view', () => {
  it('has a Handles tab, and explains how to attach when nothing is attached', () => {
    const { root, shell, panel, posted } = mount();
    assert.ok(texts(root, '[role=tab]').includes('Handles'));
    shell.handleMessage(LiveSnapshotNotification.message(snapshot(undefined)));
    shell.handleMessage(ShowViewNotification.message({ view: 'handles' }));
    assert.equal(panel.hidden, false);
    assert.equal(panel.querySelector('.summary')?.textContent, noHandleTargetsText);
    assert.equal((panel.querySelector('.handles-empty') as HTMLElement).hidden, false);
    assert.equal(panel.querySelector('.handles-empty')?.textContent, attachHintText);
    assert.equal((panel.querySelector('button.detach-node') as HTMLButtonElement).hidden, true, 'nothing to detach');
    (panel.querySelector('button.attach-node') as HTMLButtonElement).click();
    assert.ok(posted.some((message) => RunCommandCommand.is(message) && message.params.command === 'bounded.attachNodeProcess'));
  });

  it('shows a target: state, pid, command, charts summarised with the latest value, markup as text, charts kept across snapshots', () => {
    const { shell, panel, posted } = mount();
    shell.handleMessage(LiveSnapshotNotification.message(snapshot([nodeTarget([3, 5, 9])])));
    assert.equal((panel.querySelector('.handles-empty') as HTMLElement).hidden, true);
    const section = panel.querySelector('section.handle-target') as HTMLElement;
    assert.equal(section.dataset.target, '127.0.0.1:9229');
    assert.equal(section.dataset.state, 'sampling');
    assert.deepEqual(texts(section, '.handle-target-heading span'), ['Node pid 4242', 'sampling', '127.0.0.1:9229']);
    assert.match(section.querySelector('.handle-target-details')?.textContent ?? '', /^pid 4242 · Node v20\.20\.2 · \/usr\/bin\/node <img src=x onerror=alert\(1\)>\.js · last sample /);
    assert.equal(panel.querySelectorAll('img').length, 0, 'a markup name never becomes an element');
    const plot = section.querySelector('.handle-chart-handles .ts-chart-plot') as HTMLElement;
    assert.equal(plot.getAttribute('role'), 'img');
    assert.equal(plot.getAttribute('aria-label'), `Active handles and resources by type: Timeout 9, min 3 → max 9; ${markup} 2, min 2 → max 2, over 4 s`);
    const table = section.querySelector(`#${plot.getAttribute('aria-describedby')}`) as HTMLElement;
    assert.deepEqual(
      [...table.querySelectorAll('tr')].slice(1).map((row) => [...row.querySelectorAll('td')].map((cell) => cell.textContent)),
      [
        ['Timeout', '9', '3', '9', '3'],
        [markup, '2', '2', '2', '3'],
      ],
      'the text alternative',
    );
    assert.match(section.querySelector('.handle-chart-memory .ts-chart-plot')?.getAttribute('aria-label') ?? '', /^Memory: rss 50 MB, min 50 MB → max 50 MB$/);

    shell.handleMessage(LiveSnapshotNotification.message(snapshot([nodeTarget([3, 5, 9, 14])])));
    assert.equal(panel.querySelector('section.handle-target'), section, 'the same section, updated in place');
    assert.equal(section.querySelector('.handle-chart-handles .ts-chart-plot'), plot, 'the same chart');
    assert.match(plot.getAttribute('aria-label') ?? '', /^Active handles and resources by type: Timeout 14, min 3 → max 14;/);
    assert.equal((panel.querySelector('button.detach-node') as HTMLButtonElement).hidden, false);
    (panel.querySelector('button.detach-node') as HTMLButtonElement).click();
    assert.ok(posted.some((message) => RunCommandCommand.is(message) && message.params.command === 'bounded.detachNodeProcess'));
  });

  it('switches the handle chart between stacked and split', () => {
    const { shell, panel } = mount();
    shell.handleMessage(LiveSnapshotNotification.message(snapshot([nodeTarget([3, 5, 9])])));
    const chart = panel.querySelector('.handle-chart-handles .ts-chart') as HTMLElement;
    assert.equal(chart.dataset.layout, 'stacked');
    assert.equal(panel.querySelector('.handle-chart-memory .ts-chart')?.getAttribute('data-layout'), 'lines', 'memory is never stacked');
    const split = panel.querySelector('button.handles-layout-split') as HTMLButtonElement;
    split.click();
    assert.equal(split.getAttribute('aria-pressed'), 'true');
    assert.equal(panel.querySelector('button.handles-layout-stacked')?.getAttribute('aria-pressed'), 'false');
    assert.equal(chart.dataset.layout, 'split');
    shell.handleMessage(LiveSnapshotNotification.message(snapshot([nodeTarget([3, 5, 9, 10])])));
    assert.equal(chart.dataset.layout, 'split', 'kept across snapshots');
  });

  it('shows no leak-site section for a /metrics endpoint, and a pprof endpoint\'s sites as its largest goroutine stacks', () => {
    const { shell, panel } = mount();
    const scrape = (kind: 'metrics' | 'pprof', id: string): PanelHandleTarget => ({ ...nodeTarget([1, 2]), kind, id, name: kind, state: 'up', pid: undefined, command: undefined, leakSites: undefined });
    shell.handleMessage(LiveSnapshotNotification.message(snapshot([scrape('metrics', 'http://127.0.0.1:9100/metrics'), scrape('pprof', 'http://127.0.0.1:6060/debug/pprof/goroutine')])));
    const [metrics, pprof] = [...panel.querySelectorAll<HTMLElement>('section.handle-target')];
    assert.equal((metrics.querySelector('.leak-sites') as HTMLElement).hidden, true);
    assert.equal((pprof.querySelector('.leak-sites') as HTMLElement).hidden, false);
    assert.equal(pprof.querySelector('.leak-sites-heading')?.textContent, 'Largest goroutine stacks');
    assert.equal((pprof.querySelector('.leak-sites-toggle') as HTMLElement).hidden, true, 'nothing to turn on for pprof');
  });

  it('shows a process that went away with its last error', () => {
    const { shell, panel } = mount();
    shell.handleMessage(LiveSnapshotNotification.message(snapshot([nodeTarget([3], { state: 'process gone', lastError: 'the WebSocket closed (1006)' })])));
    assert.deepEqual(texts(panel, '.handle-state'), ['process gone']);
    assert.ok(panel.querySelector('.handle-state')?.classList.contains('state-process-gone'));
    assert.equal(panel.querySelector('.handle-target-error')?.textContent, 'Last error: the WebSocket closed (1006)');
    assert.equal((panel.querySelector('button.leak-sites-toggle') as HTMLButtonElement).disabled, true, 'no tracking on a process that is gone');
  });

  it('turns leak sites on only after showing the measured cost and a confirmation; off without asking', async () => {
    const { shell, panel, posted } = mount();
    shell.handleMessage(LiveSnapshotNotification.message(snapshot([nodeTarget([3, 5])])));
    const toggle = panel.querySelector('button.leak-sites-toggle') as HTMLButtonElement;
    const confirm = panel.querySelector('.leak-sites-confirm') as HTMLElement;
    assert.equal(toggle.textContent, 'Track leak sites…');
    assert.equal(toggle.getAttribute('aria-pressed'), 'false');
    assert.equal(confirm.hidden, true);
    const requests = () => posted.filter((message) => SetLeakSitesRequest.is(message));

    toggle.click();
    assert.equal(confirm.hidden, false, 'the cost is shown before anything is done');
    assert.equal(confirm.querySelector('.leak-sites-overhead')?.textContent, leakSitesOverheadText(0.1));
    assert.match(leakSitesOverheadText(0.1), /about 2% fewer requests\/s at 10% sampling \(0\.980×/);
    assert.equal(requests().length, 0, 'nothing sent before confirming');
    (confirm.querySelector('button.leak-sites-confirm-cancel') as HTMLButtonElement).click();
    assert.equal(confirm.hidden, true);
    assert.equal(requests().length, 0, 'Cancel sends nothing');

    toggle.click();
    (confirm.querySelector('button.leak-sites-confirm-on') as HTMLButtonElement).click();
    const [request] = requests();
    assert.deepEqual(request.params, { target: '127.0.0.1:9229', enabled: true });
    assert.equal(toggle.disabled, true, 'one request at a time');
    shell.handleMessage(SetLeakSitesRequest.response(request.id!, { ok: true, message: 'Tracking leak sites of Node pid 4242 (10% of new resources).' }));
    await settle();
    assert.equal(panel.querySelector('.leak-sites-status')?.textContent, 'Tracking leak sites of Node pid 4242 (10% of new resources).');
    assert.equal(confirm.hidden, true);

    const sites = [
      { type: 'Timeout', site: '/work/app/server.js:12:7', location: { file: '/work/app/server.js', line: 12 }, live: 1200, estimated: true, growthPerMin: 37 },
      { type: markup, site: 'node:internal/timers:1:1', live: 3, estimated: true, growthPerMin: null },
    ];
    shell.handleMessage(LiveSnapshotNotification.message(snapshot([nodeTarget([3, 5, 9], { leakSites: { enabled: true, sampleRate: 0.1 }, sites })])));
    assert.equal(toggle.textContent, 'Stop tracking leak sites');
    assert.equal(toggle.getAttribute('aria-pressed'), 'true');
    const rows = [...panel.querySelectorAll('tr.leak-site')].map((row) => [...row.querySelectorAll('td')].map((cell) => cell.textContent));
    assert.deepEqual(rows, [
      ['Timeout', '/work/app/server.js:12:7', '~1,200', '+37/min'],
      [markup, 'node:internal/timers:1:1', '~3', '—'],
    ]);
    assert.equal(panel.querySelectorAll('img').length, 0);
    const links = panel.querySelectorAll<HTMLButtonElement>('button.leak-site-link');
    assert.equal(links.length, 1, 'only a site with a file and line is a link');
    links[0].click();
    const reveal = posted.find((message) => RevealLeakSiteRequest.is(message));
    assert.deepEqual(reveal?.params, { target: '127.0.0.1:9229', site: '/work/app/server.js:12:7' });

    toggle.click();
    const off = requests().at(-1)!;
    assert.deepEqual(off.params, { target: '127.0.0.1:9229', enabled: false }, 'off needs no confirmation');
    assert.equal(confirm.hidden, true);
  });
});
