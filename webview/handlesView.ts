// The Handles view: per attached target (a Node process through its inspector; later scraped
// /metrics and pprof endpoints) its state (attaching, attached, sampling, detached, process gone,
// with the last error), pid and command, charts of its handle counts by type (stacked, or split into
// one chart per type), memory and event-loop delay (webview/timeSeriesChart.ts), and its top leak
// sites (type, file:line as a link the host opens when it is in the workspace, estimated live count,
// growth a minute). A "Track leak sites" toggle per Node target says what the hook costs (measured,
// bench/README.md) and asks before turning it on. The charts and each target's section are kept
// across snapshots (updated in place) so focus and the toggles' state survive them. Every name came
// from the target: text only.
import type { LiveSnapshotParams, PanelHandleChart, PanelHandleTarget, PanelHandleTargetState, PanelLeakSite } from '../src/shared/livePanelProtocol';
import { createButton, createElement } from './domText';
import { formatterOf, TimeSeriesChart } from './timeSeriesChart';

export interface HandlesViewOptions {
  document: Document;
  root: HTMLElement;
  attachNode(): void;
  detachNode(): void;
  /** Asks the host to turn a target's leak-site tracking on or off; resolves with what to say. */
  setLeakSites(target: string, enabled: boolean): Promise<string>;
  /** Asks the host to open a leak site's line; resolves with what to say. */
  revealSite(target: string, site: string): Promise<string>;
}

export const noHandleTargetsText = 'Not attached to any Node process.';

export const attachHintText =
  'Choose "Attach to Node Process…" (or run "Bounded: Attach to Node Process…" from the Command Palette) and pick a local Node process: Bounded connects to its inspector (a process started without --inspect can be given one by SIGUSR1, after you confirm) and samples its active handles by type, memory and event-loop delay every 2 s, without changing its code. Detach removes everything Bounded installed in it.';

/** The leak-site hook's measured cost (bench/README.md, leak-sites-overhead.ts: 0.980× requests/s at 10%, 0.579× at 100%). */
export function leakSitesOverheadText(sampleRate: number): string {
  return (
    `Leak-site tracking installs an async_hooks hook in the process that records where ${Math.round(sampleRate * 100)}% of new timers, sockets and other resources are created, and counts those still open. ` +
    'Measured cost: about 2% fewer requests/s at 10% sampling (0.980× of not attached in bench/README.md; recording every resource cost about 40%). ' +
    'It stays on until you turn it off or detach, and is then removed from the process.'
  );
}

/** The fraction the toggle turns tracking on with (the inspector source's default). */
export const leakSitesSampleRate = 0.1;

const stateTexts: Readonly<Record<PanelHandleTargetState, string>> = {
  attaching: 'attaching',
  attached: 'attached',
  sampling: 'sampling',
  detached: 'detached',
  'process gone': 'process gone',
  up: 'up',
  down: 'down',
};

type HandlesLayout = 'stacked' | 'split';

let nextBlockId = 1;

export class HandlesView {
  private readonly summary: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly list: HTMLElement;
  private readonly detachButton: HTMLButtonElement;
  private readonly blocks = new Map<string, TargetBlock>();

  constructor(private readonly options: HandlesViewOptions) {
    const { document } = options;
    const toolbar = createElement(document, 'div', 'toolbar');
    this.summary = createElement(document, 'p', 'summary', noHandleTargetsText);
    this.summary.setAttribute('aria-live', 'polite');
    this.detachButton = createButton(document, 'detach-node secondary-button', 'Detach…', () => options.detachNode());
    this.detachButton.hidden = true;
    toolbar.append(this.summary, createButton(document, 'attach-node secondary-button', 'Attach to Node Process…', () => options.attachNode()), this.detachButton);
    this.empty = createElement(document, 'p', 'handles-empty', attachHintText);
    this.list = createElement(document, 'div', 'handle-targets');
    options.root.replaceChildren(toolbar, this.empty, this.list);
  }

  showSnapshot(snapshot: LiveSnapshotParams): void {
    const targets = snapshot.handles ?? [];
    const sampling = targets.filter((target) => target.state === 'sampling').length;
    this.summary.textContent =
      targets.length === 0 ? noHandleTargetsText : `${targets.length} ${targets.length === 1 ? 'target' : 'targets'}${sampling > 0 ? `, ${sampling} sampling` : ''}`;
    this.empty.hidden = targets.length > 0;
    this.detachButton.hidden = !targets.some((target) => target.kind === 'node');
    const seen = new Set<string>();
    const sections: HTMLElement[] = [];
    for (const target of targets) {
      const key = `${target.kind} ${target.id}`;
      seen.add(key);
      let block = this.blocks.get(key);
      if (block === undefined) {
        block = new TargetBlock(this.options, target.id);
        this.blocks.set(key, block);
      }
      block.show(target);
      sections.push(block.section);
    }
    for (const [key, block] of this.blocks) {
      if (seen.has(key)) continue;
      block.dispose();
      this.blocks.delete(key);
    }
    // Moved only when the order changed: moving a section would take the focus out of it.
    const current = Array.from(this.list.children);
    if (current.length !== sections.length || current.some((element, index) => element !== sections[index])) this.list.replaceChildren(...sections);
  }
}

/** One target's section, kept across snapshots. */
class TargetBlock {
  readonly section: HTMLElement;
  private readonly document: Document;
  private readonly name: HTMLElement;
  private readonly state: HTMLElement;
  private readonly endpoint: HTMLElement;
  private readonly details: HTMLElement;
  private readonly error: HTMLElement;
  private readonly layoutGroup: HTMLElement;
  private readonly layoutButtons: Record<HandlesLayout, HTMLButtonElement>;
  private readonly chartsArea: HTMLElement;
  private readonly charts = new Map<string, { holder: HTMLElement; chart: TimeSeriesChart }>();
  private readonly leakSection: HTMLElement;
  private readonly leakHeading: HTMLElement;
  private readonly leakToggle: HTMLButtonElement;
  private readonly leakNote: HTMLElement;
  private readonly confirm: HTMLElement;
  private readonly confirmOn: HTMLButtonElement;
  private readonly leakStatus: HTMLElement;
  private readonly sitesArea: HTMLElement;
  private layout: HandlesLayout = 'stacked';
  private target: PanelHandleTarget | undefined;
  private pending = false;
  /** The sites as last rendered: the table is rebuilt only when they change. */
  private sitesKey = '';

  constructor(
    private readonly options: HandlesViewOptions,
    private readonly id: string,
  ) {
    const document = (this.document = options.document);
    this.section = createElement(document, 'section', 'handle-target');
    this.section.dataset.target = id;
    const headingId = `handle-target-${nextBlockId++}`;
    this.section.setAttribute('aria-labelledby', headingId);
    const heading = createElement(document, 'h3', 'handle-target-heading');
    heading.id = headingId;
    this.name = createElement(document, 'span', 'handle-target-name');
    this.state = createElement(document, 'span', 'handle-state');
    this.endpoint = createElement(document, 'span', 'handle-target-endpoint');
    heading.append(this.name, this.state, this.endpoint);
    this.details = createElement(document, 'p', 'handle-target-details');
    this.error = createElement(document, 'p', 'handle-target-error');
    this.error.setAttribute('role', 'status');

    this.layoutGroup = createElement(document, 'div', 'handles-layout');
    this.layoutGroup.setAttribute('role', 'group');
    this.layoutGroup.setAttribute('aria-label', 'Handle chart layout');
    const layoutButton = (layout: HandlesLayout, text: string) => {
      const button = createButton(document, `handles-layout-button handles-layout-${layout}`, text, () => this.setLayout(layout));
      button.setAttribute('aria-pressed', String(layout === this.layout));
      return button;
    };
    this.layoutButtons = { stacked: layoutButton('stacked', 'Stacked'), split: layoutButton('split', 'Split by type') };
    this.layoutGroup.append(this.layoutButtons.stacked, this.layoutButtons.split);
    this.chartsArea = createElement(document, 'div', 'handle-charts');

    const leak = createElement(document, 'div', 'leak-sites');
    this.leakSection = leak;
    const leakHeading = createElement(document, 'h4', 'leak-sites-heading', 'Leak sites');
    this.leakHeading = leakHeading;
    this.leakToggle = createButton(document, 'leak-sites-toggle secondary-button', 'Track leak sites…', () => this.toggleLeakSites());
    this.leakNote = createElement(document, 'p', 'leak-sites-note');
    this.confirm = createElement(document, 'div', 'leak-sites-confirm');
    this.confirm.setAttribute('role', 'group');
    this.confirm.setAttribute('aria-label', 'Turn on leak-site tracking?');
    const confirmText = createElement(document, 'p', 'leak-sites-overhead', leakSitesOverheadText(leakSitesSampleRate));
    confirmText.id = `${headingId}-overhead`;
    this.confirmOn = createButton(document, 'leak-sites-confirm-on primary-button', 'Turn on', () => void this.setLeakSites(true));
    this.confirmOn.setAttribute('aria-describedby', confirmText.id);
    const cancel = createButton(document, 'leak-sites-confirm-cancel secondary-button', 'Cancel', () => {
      this.confirm.hidden = true;
      this.leakToggle.focus();
    });
    this.confirm.append(confirmText, this.confirmOn, cancel);
    this.confirm.hidden = true;
    this.leakStatus = createElement(document, 'p', 'leak-sites-status');
    this.leakStatus.setAttribute('aria-live', 'polite');
    this.sitesArea = createElement(document, 'div', 'leak-sites-list');
    leak.append(leakHeading, this.leakToggle, this.leakNote, this.confirm, this.leakStatus, this.sitesArea);

    this.section.append(heading, this.details, this.error, this.layoutGroup, this.chartsArea, leak);
  }

  show(target: PanelHandleTarget): void {
    this.target = target;
    this.section.dataset.state = target.state;
    this.section.dataset.kind = target.kind;
    this.name.textContent = target.name;
    this.state.textContent = stateTexts[target.state];
    this.state.className = `handle-state state-${target.state.replace(/\s+/g, '-')}`;
    this.endpoint.textContent = target.id;
    const details = [
      ...(target.pid !== undefined ? [`pid ${target.pid}`] : []),
      ...(target.runtime !== undefined ? [target.runtime] : []),
      ...(target.command !== undefined ? [target.command] : []),
      ...(target.lastSampleAt !== undefined ? [`last sample ${new Date(target.lastSampleAt).toLocaleTimeString()}`] : []),
    ];
    this.details.textContent = details.join(' · ');
    this.details.hidden = details.length === 0;
    const showError = target.lastError !== undefined && target.state !== 'sampling';
    this.error.textContent = showError ? `Last error: ${target.lastError}` : '';
    this.error.hidden = !showError;
    this.layoutGroup.hidden = !target.charts.some((chart) => chart.stackable && chart.series.length > 1);
    this.showCharts(target.charts);
    this.showLeakSites(target);
  }

  dispose(): void {
    for (const { chart } of this.charts.values()) chart.dispose();
    this.charts.clear();
    this.section.remove();
  }

  private showCharts(charts: PanelHandleChart[]): void {
    const seen = new Set<string>();
    for (const chart of charts) {
      seen.add(chart.id);
      const series = chart.series.map((entry) => ({ label: entry.label, points: entry.points }));
      const layout = chart.stackable ? this.layout : 'lines';
      const existing = this.charts.get(chart.id);
      if (existing) {
        existing.chart.setLayout(layout);
        existing.chart.update(series);
        continue;
      }
      const holder = createElement(this.document, 'div', `handle-chart handle-chart-${chart.id.replace(/[^A-Za-z0-9_-]/g, '_')}`);
      holder.dataset.chart = chart.id;
      this.chartsArea.append(holder);
      this.charts.set(chart.id, { holder, chart: new TimeSeriesChart({ container: holder, title: chart.title, format: chart.unit, layout, series }) });
    }
    for (const [id, { holder, chart }] of this.charts) {
      if (seen.has(id)) continue;
      chart.dispose();
      holder.remove();
      this.charts.delete(id);
    }
  }

  private setLayout(layout: HandlesLayout): void {
    this.layout = layout;
    for (const [name, button] of Object.entries(this.layoutButtons)) button.setAttribute('aria-pressed', String(name === layout));
    if (this.target) this.showCharts(this.target.charts);
  }

  private showLeakSites(target: PanelHandleTarget): void {
    // A /metrics endpoint names no sites; a pprof endpoint's sites are its largest goroutine stacks.
    this.leakSection.hidden = target.kind === 'metrics';
    this.leakHeading.textContent = target.kind === 'pprof' ? 'Largest goroutine stacks' : 'Leak sites';
    const toggleable = target.kind === 'node' && target.leakSites !== undefined;
    const enabled = target.leakSites?.enabled === true;
    const live = target.state === 'attached' || target.state === 'sampling';
    this.leakToggle.hidden = !toggleable;
    this.leakToggle.textContent = enabled ? 'Stop tracking leak sites' : 'Track leak sites…';
    this.leakToggle.setAttribute('aria-pressed', String(enabled));
    this.leakToggle.disabled = this.pending || !live;
    this.confirmOn.disabled = this.pending;
    if (enabled) this.confirm.hidden = true;
    this.leakNote.textContent = !toggleable
      ? ''
      : enabled
        ? `Recording where ${Math.round((target.leakSites?.sampleRate ?? leakSitesSampleRate) * 100)}% of new resources are created; live counts are estimated from that fraction.`
        : 'Off. Turn it on to see which lines create the handles that stay open.';
    this.leakNote.hidden = this.leakNote.textContent === '';

    const key = JSON.stringify(target.sites);
    if (key === this.sitesKey) return;
    this.sitesKey = key;
    const focused = this.sitesArea.contains(this.document.activeElement) ? (this.document.activeElement as HTMLElement).dataset.site : undefined;
    if (target.sites.length === 0) {
      this.sitesArea.replaceChildren(...(enabled ? [createElement(this.document, 'p', 'leak-sites-none', 'No leak sites recorded yet: they appear with the next samples, once resources created since tracking began are still open.')] : []));
      return;
    }
    this.sitesArea.replaceChildren(this.sitesTable(target.sites));
    if (focused !== undefined) Array.from(this.sitesArea.querySelectorAll<HTMLButtonElement>('button.leak-site-link')).find((link) => link.dataset.site === focused)?.focus();
  }

  private sitesTable(sites: PanelLeakSite[]): HTMLTableElement {
    const { document } = this;
    const table = createElement(document, 'table', 'leak-sites-table');
    table.append(createElement(document, 'caption', 'visually-hidden', `Top leak sites of ${this.target?.name ?? this.id}`));
    const head = createElement(document, 'tr');
    for (const heading of ['Type', 'Created at', 'Live', 'Growth']) {
      const cell = createElement(document, 'th', undefined, heading);
      cell.scope = 'col';
      head.append(cell);
    }
    const count = formatterOf('count');
    table.append(
      head,
      ...sites.map((site) => {
        const row = createElement(document, 'tr', 'leak-site');
        const where = createElement(document, 'td', 'leak-site-where');
        if (site.location) {
          const link = createButton(document, 'leak-site-link link-button', site.site, () => void this.revealSite(site.site));
          link.dataset.site = site.site;
          link.setAttribute('aria-label', `Open ${site.site}`);
          where.append(link);
        } else {
          where.textContent = site.site;
        }
        const growth = site.growthPerMin === null ? '—' : `${site.growthPerMin > 0 ? '+' : ''}${count(site.growthPerMin)}/min`;
        row.append(
          createElement(document, 'td', 'leak-site-type', site.type),
          where,
          createElement(document, 'td', 'leak-site-live', `${site.estimated ? '~' : ''}${count(site.live)}`),
          createElement(document, 'td', `leak-site-growth${site.growthPerMin !== null && site.growthPerMin > 0 ? ' growing' : ''}`, growth),
        );
        return row;
      }),
    );
    return table;
  }

  private toggleLeakSites(): void {
    if (this.target?.leakSites?.enabled === true) {
      void this.setLeakSites(false);
      return;
    }
    // Before turning it on: what it costs, and a confirmation.
    this.confirm.hidden = false;
    this.confirmOn.focus();
  }

  private async setLeakSites(enabled: boolean): Promise<void> {
    this.pending = true;
    this.leakToggle.disabled = true;
    this.confirmOn.disabled = true;
    this.leakStatus.textContent = enabled ? 'Turning leak-site tracking on…' : 'Turning leak-site tracking off…';
    try {
      this.leakStatus.textContent = await this.options.setLeakSites(this.id, enabled);
    } finally {
      this.pending = false;
      this.confirm.hidden = true;
      if (this.target) this.showLeakSites(this.target);
      this.leakToggle.focus();
    }
  }

  private async revealSite(site: string): Promise<void> {
    this.leakStatus.textContent = await this.options.revealSite(this.id, site);
  }
}
