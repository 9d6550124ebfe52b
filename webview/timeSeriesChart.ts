// A time-series chart for the panel's views (Handles, Streams): uPlot (a small canvas time-series
// library) drawing one or more series over time, as lines on one axis, stacked areas, or split into
// one small chart per series. Sized to its container (ResizeObserver), coloured from VS Code's theme
// variables (--vscode-charts-*, --vscode-foreground, --vscode-editorWidget-border) and re-coloured
// when the body's theme class changes; a null value is a gap, never 0. The plot is role="img" with
// an aria-label summarising each series (latest value, min → max over the window), and a visually
// hidden table is its text alternative. Where nothing can be drawn (jsdom: no ResizeObserver, no
// canvas) the summary, the table and the data are kept all the same, so views are testable there.
// Every label is set as text (uPlot's legend uses textContent too).
import uPlot from 'uplot';
import { createElement } from './domText';

/** [time in ms since the epoch, value]; null is a gap (the source could not say), never drawn as 0. */
export type ChartPoint = [tMs: number, value: number | null];

export interface ChartSeries {
  label: string;
  /** Oldest first. */
  points: ChartPoint[];
}

/** lines: every series on one axis; stacked: areas summed bottom to top; split: one small chart per series. */
export type ChartLayout = 'lines' | 'stacked' | 'split';

/** How values are written on the axis, in the legend and in the summary. */
export type ChartFormat = 'count' | 'bytes' | 'ms' | ((value: number) => string);

export interface TimeSeriesChartOptions {
  /** The chart replaces this element's children and follows its width. */
  container: HTMLElement;
  title: string;
  format?: ChartFormat;
  series: ChartSeries[];
  layout?: ChartLayout;
  /** Height of the plot in px (of each small chart when split). Default 160 (split: 120). */
  height?: number;
}

/** The theme's colours, resolved to rgb() strings a canvas accepts. */
interface ChartColours {
  series: string[];
  foreground: string;
  grid: string;
}

/** The charts palette VS Code defines in every theme, in the order series take them (fallbacks: Dark+). */
const paletteVariables: ReadonlyArray<[variable: string, fallback: string]> = [
  ['--vscode-charts-blue', '#3794ff'],
  ['--vscode-charts-orange', '#d18616'],
  ['--vscode-charts-green', '#89d185'],
  ['--vscode-charts-purple', '#b180d7'],
  ['--vscode-charts-red', '#f14c4c'],
  ['--vscode-charts-yellow', '#cca700'],
];

let nextChartId = 1;

export class TimeSeriesChart {
  private readonly document: Document;
  private readonly figure: HTMLElement;
  private readonly plotArea: HTMLElement;
  private readonly textTable: HTMLTableElement;
  private readonly format: (value: number) => string;
  private readonly height: number | undefined;
  private data: ChartSeries[];
  private chartLayout: ChartLayout;
  private plots: uPlot[] = [];
  private colours: ChartColours | undefined;
  private readonly observers: Array<{ disconnect(): void }> = [];
  /** Whether this environment can draw (a real browser): jsdom has neither ResizeObserver nor canvas. */
  private readonly canDraw: boolean;

  constructor(private readonly options: TimeSeriesChartOptions) {
    const document = (this.document = options.container.ownerDocument);
    this.format = formatterOf(options.format ?? 'count');
    this.height = options.height;
    this.data = options.series;
    this.chartLayout = options.layout ?? 'lines';
    const id = `ts-chart-${nextChartId++}`;
    this.figure = createElement(document, 'figure', 'ts-chart');
    const caption = createElement(document, 'figcaption', 'ts-chart-title', options.title);
    caption.id = `${id}-title`;
    this.plotArea = createElement(document, 'div', 'ts-chart-plot');
    this.plotArea.setAttribute('role', 'img');
    this.plotArea.setAttribute('aria-describedby', `${id}-text`);
    this.textTable = createElement(document, 'table', 'ts-chart-text visually-hidden');
    this.textTable.id = `${id}-text`;
    this.figure.append(caption, this.plotArea, this.textTable);
    options.container.replaceChildren(this.figure);

    const view = document.defaultView as (Window & typeof globalThis) | null;
    this.canDraw = view !== null && typeof view.ResizeObserver === 'function' && typeof view.matchMedia === 'function';
    if (this.canDraw && view) {
      const resizes = new view.ResizeObserver(() => this.resize());
      resizes.observe(options.container);
      // VS Code marks the theme on the body (vscode-light, vscode-dark, vscode-high-contrast,
      // vscode-high-contrast-light classes, data-vscode-theme-id) and sets its colours as variables in
      // the root element's style: a change of either may change the colours.
      const themes = new view.MutationObserver(() => this.recolour());
      themes.observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-id'] });
      themes.observe(document.documentElement, { attributes: true, attributeFilter: ['style'] });
      this.observers.push(resizes, themes);
    }
    this.render();
  }

  /** The series as last given. */
  get series(): readonly ChartSeries[] {
    return this.data;
  }

  get layout(): ChartLayout {
    return this.chartLayout;
  }

  /** What the aria-label says. */
  get summary(): string {
    return chartSummary(this.options.title, this.data, this.format);
  }

  /** Whether a canvas was drawn (false where the environment cannot draw). */
  get drawn(): boolean {
    return this.plots.length > 0;
  }

  /** New data (the same series keep their colours by position); the plots are redrawn in place. */
  update(series: ChartSeries[]): void {
    const sameShape = series.length === this.data.length && series.every((entry, index) => entry.label === this.data[index].label);
    this.data = series;
    if (sameShape && this.plots.length > 0) {
      this.describe();
      const tables = this.plotTables();
      this.plots.forEach((plot, index) => {
        plot.setData(tables[index]);
        showLatestInLegend(plot);
      });
    } else {
      this.render();
    }
  }

  setLayout(layout: ChartLayout): void {
    if (layout === this.chartLayout) return;
    this.chartLayout = layout;
    this.render();
  }

  dispose(): void {
    for (const observer of this.observers) observer.disconnect();
    this.destroyPlots();
    this.figure.remove();
  }

  private render(): void {
    this.describe();
    this.destroyPlots();
    this.figure.dataset.layout = this.chartLayout;
    if (!this.canDraw) return;
    const drawable = this.data.some((entry) => entry.points.length > 0);
    if (!drawable) {
      this.plotArea.replaceChildren(createElement(this.document, 'p', 'ts-chart-empty', 'No data yet.'));
      return;
    }
    this.colours ??= readColours(this.document);
    const width = this.width();
    const tables = this.plotTables();
    const groups = this.chartLayout === 'split' ? this.data.map((entry, index) => ({ series: [entry], colourIndex: index })) : [{ series: this.data, colourIndex: 0 }];
    this.plotArea.replaceChildren();
    groups.forEach((group, index) => {
      const holder = createElement(this.document, 'div', 'ts-chart-canvas');
      this.plotArea.append(holder);
      const plot = new uPlot(this.plotOptions(group.series, group.colourIndex, width), tables[index], holder);
      showLatestInLegend(plot);
      this.plots.push(plot);
    });
  }

  /** The aria-label and the text alternative, from the data. */
  private describe(): void {
    this.plotArea.setAttribute('aria-label', this.summary);
    const { document } = this;
    const caption = createElement(document, 'caption', undefined, this.options.title);
    const head = createElement(document, 'tr');
    for (const heading of ['Series', 'Latest', 'Min', 'Max', 'Points']) head.append(createElement(document, 'th', undefined, heading));
    const rows = this.data.map((entry) => {
      const figures = seriesFigures(entry);
      const row = createElement(document, 'tr');
      row.append(
        createElement(document, 'td', undefined, entry.label),
        createElement(document, 'td', undefined, figures.latest === undefined ? 'no value' : this.format(figures.latest)),
        createElement(document, 'td', undefined, figures.min === undefined ? '' : this.format(figures.min)),
        createElement(document, 'td', undefined, figures.max === undefined ? '' : this.format(figures.max)),
        createElement(document, 'td', undefined, String(entry.points.length)),
      );
      return row;
    });
    this.textTable.replaceChildren(caption, head, ...rows);
  }

  /** uPlot's data for each plot: seconds, then the series aligned on them (stacked: cumulative sums). */
  private plotTables(): uPlot.AlignedData[] {
    if (this.chartLayout === 'split') return this.data.map((entry) => alignedData([entry]));
    const aligned = alignedData(this.data);
    if (this.chartLayout !== 'stacked') return [aligned];
    return [stackedData(aligned)];
  }

  private plotOptions(series: ChartSeries[], colourIndex: number, width: number): uPlot.Options {
    const colours = this.colours as ChartColours;
    const stacked = this.chartLayout === 'stacked';
    const height = this.height ?? (this.chartLayout === 'split' ? 120 : 160);
    const format = this.format;
    const axis = { stroke: colours.foreground, grid: { stroke: colours.grid, width: 1 }, ticks: { stroke: colours.grid, width: 1 } };
    // Stacked: the top of the stack is drawn first, each lower area over it, so every band shows.
    const ordered = stacked ? [...series.keys()].reverse() : [...series.keys()];
    return {
      width,
      height,
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: (_plot, min, max) => yRange(min, max, stacked) } },
      axes: [
        { ...axis, values: (_plot, splits) => timeLabels(splits) },
        // As wide as its longest label ("57.2 MB"), at about 7.5 px a character.
        { ...axis, size: (_plot, values) => Math.max(40, Math.ceil(Math.max(0, ...(values ?? []).map((value) => String(value).length)) * 7.5) + 16), values: (_plot, splits) => splits.map((split) => format(split)) },
      ],
      series: [
        // Away from the plot the legend gives each series' latest value (uPlot's default is "--").
        { label: 'Time', value: (_plot: uPlot, value: number | null) => (value === null || value === undefined ? 'latest' : timeLabels([value])[0]) },
        ...ordered.map((index) => {
          const colour = colours.series[(colourIndex + index) % colours.series.length];
          return {
            label: series[index].label,
            stroke: colour,
            width: 1.5,
            spanGaps: false,
            // uPlot's default: points where they are sparse (a series of one sample is a dot, not nothing), none where dense.
            ...(stacked ? { fill: withAlpha(colour, 0.35) } : {}),
            // Stacked values are sums: the legend says the series' own value.
            value: (plot: uPlot, _value: number | null, seriesIndex: number, pointIndex: number | null) => {
              const at = pointIndex ?? lastIndexWithValue(plot.data[seriesIndex]);
              const value = at === undefined ? null : plot.data[seriesIndex][at];
              if (at === undefined || value === null || value === undefined) return '--';
              return format(stacked ? ownStackedValue(plot.data, seriesIndex, at) : value);
            },
          };
        }),
      ],
    };
  }

  private width(): number {
    return Math.max(200, Math.floor(this.options.container.clientWidth || 600));
  }

  private resize(): void {
    const width = this.width();
    for (const plot of this.plots) if (plot.width !== width) plot.setSize({ width, height: plot.height });
  }

  /** Draws again when the theme's colours changed. */
  private recolour(): void {
    const colours = readColours(this.document);
    if (JSON.stringify(colours) === JSON.stringify(this.colours)) return;
    this.colours = colours;
    if (this.plots.length > 0) this.render();
  }

  private destroyPlots(): void {
    for (const plot of this.plots) plot.destroy();
    this.plots = [];
    this.plotArea.replaceChildren();
  }
}

/** "Timeout handles: Timeout 120, min 3 → max 120; Immediate 0, min 0 → max 1, over 5 min". */
export function chartSummary(title: string, series: readonly ChartSeries[], format: (value: number) => string): string {
  const parts = series.map((entry) => {
    const { latest, min, max } = seriesFigures(entry);
    if (latest === undefined) return `${entry.label} no value`;
    return `${entry.label} ${format(latest)}, min ${format(min as number)} → max ${format(max as number)}`;
  });
  if (parts.length === 0 || series.every((entry) => entry.points.length === 0)) return `${title}: no data yet`;
  const times = series.flatMap((entry) => (entry.points.length > 0 ? [entry.points[0][0], entry.points[entry.points.length - 1][0]] : []));
  const spanMs = Math.max(...times) - Math.min(...times);
  return `${title}: ${parts.join('; ')}${spanMs > 0 ? `, over ${formatSpan(spanMs)}` : ''}`;
}

/** The latest non-null value and the min and max of the series' values (undefined when it has none). */
export function seriesFigures(series: ChartSeries): { latest?: number; min?: number; max?: number } {
  let latest: number | undefined;
  let min: number | undefined;
  let max: number | undefined;
  for (const [, value] of series.points) {
    if (value === null || !Number.isFinite(value)) continue;
    latest = value;
    min = min === undefined ? value : Math.min(min, value);
    max = max === undefined ? value : Math.max(max, value);
  }
  return { latest, min, max };
}

export function formatterOf(format: ChartFormat): (value: number) => string {
  if (typeof format === 'function') return format;
  if (format === 'bytes') return formatBytes;
  if (format === 'ms') return (value) => `${value < 10 ? Number(value.toFixed(2)) : Math.round(value)} ms`;
  return (value) => (Number.isInteger(value) ? value.toLocaleString('en-US') : Number(value.toFixed(2)).toLocaleString('en-US'));
}

function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : Number(value.toFixed(1))} ${units[unit]}`;
}

/** Local clock times of the x ticks (seconds since the epoch): hh:mm, with seconds when a tick falls between minutes. */
function timeLabels(splits: number[]): string[] {
  const withSeconds = splits.some((seconds) => Math.round(seconds) % 60 !== 0);
  const labels = splits.map((seconds) => new Date(seconds * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', ...(withSeconds ? { second: '2-digit' } : {}), hour12: false }));
  // Ticks closer than the labels' resolution (half a second apart over a short window) would repeat a label: only the first says it.
  return labels.map((label, index) => (index > 0 && label === labels[index - 1] ? '' : label));
}

function formatSpan(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 3_600_000) return `${Number((ms / 60_000).toFixed(1))} min`;
  return `${Number((ms / 3_600_000).toFixed(1))} h`;
}

/** The series on one x axis (seconds): a time a series has no point at is undefined (skipped), its nulls stay gaps. */
function alignedData(series: readonly ChartSeries[]): uPlot.AlignedData {
  const times = [...new Set(series.flatMap((entry) => entry.points.map(([t]) => t)))].sort((a, b) => a - b);
  const indexOf = new Map(times.map((t, index) => [t, index]));
  const columns = series.map((entry) => {
    const column: Array<number | null | undefined> = new Array(times.length).fill(undefined);
    for (const [t, value] of entry.points) column[indexOf.get(t) as number] = value === null || Number.isFinite(value) ? value : null;
    return column;
  });
  return [times.map((t) => t / 1000), ...columns] as uPlot.AlignedData;
}

/** Cumulative sums bottom to top, in the reversed order plotOptions draws them; a gap stays a gap. */
function stackedData(aligned: uPlot.AlignedData): uPlot.AlignedData {
  const [times, ...columns] = aligned as [number[], ...Array<Array<number | null | undefined>>];
  const sums: Array<Array<number | null | undefined>> = [];
  const running: number[] = new Array(times.length).fill(0);
  for (const column of columns) {
    sums.push(
      column.map((value, index) => {
        if (value === null || value === undefined) return value;
        running[index] += value;
        return running[index];
      }),
    );
  }
  return [times, ...sums.reverse()] as uPlot.AlignedData;
}

/** While the pointer is away from the plot, the legend shows the latest values (uPlot fills it only as the cursor moves). */
function showLatestInLegend(plot: uPlot): void {
  if (plot.cursor.idx === null || plot.cursor.idx === undefined) plot.setLegend({ idxs: plot.series.map(() => null) });
}

/** The index of a series' last value that is not a gap. */
function lastIndexWithValue(values: ArrayLike<number | null | undefined>): number | undefined {
  for (let index = values.length - 1; index >= 0; index -= 1) if (values[index] !== null && values[index] !== undefined) return index;
  return undefined;
}

/** A stacked series' own value at a point: its sum less the next defined sum below it (drawn after it). */
function ownStackedValue(data: uPlot.AlignedData, seriesIndex: number, pointIndex: number): number {
  const sum = data[seriesIndex][pointIndex] as number;
  for (let below = seriesIndex + 1; below < data.length; below++) {
    const lower = data[below][pointIndex];
    if (lower !== null && lower !== undefined) return sum - lower;
  }
  return sum;
}

/** Counts start at 0; a flat series gets some room above it. */
function yRange(min: number | null, max: number | null, fromZero: boolean): uPlot.Range.MinMax {
  const low = min ?? 0;
  const high = max ?? 1;
  const bottom = fromZero || low >= 0 ? Math.min(0, low) : low;
  const top = high > bottom ? high + (high - bottom) * 0.08 : bottom + 1;
  return [bottom, top];
}

/** Resolves the theme's variables through a probe element, so any CSS colour becomes rgb()/rgba(). */
function readColours(document: Document): ChartColours {
  const view = document.defaultView as Window;
  const probe = createElement(document, 'span', 'ts-chart-colour-probe');
  probe.hidden = true;
  document.body.append(probe);
  const resolve = (value: string) => {
    probe.style.color = '';
    probe.style.color = value;
    return view.getComputedStyle(probe).color;
  };
  const colours: ChartColours = {
    series: paletteVariables.map(([variable, fallback]) => resolve(`var(${variable}, ${fallback})`)),
    foreground: resolve('var(--vscode-descriptionForeground, var(--vscode-foreground, #cccccc))'),
    grid: resolve('var(--vscode-editorWidget-border, var(--vscode-panel-border, #454545))'),
  };
  probe.remove();
  return colours;
}

/** rgb(r, g, b) or rgba(r, g, b, a) with the alpha given (a computed colour is always one of these). */
function withAlpha(colour: string, alpha: number): string {
  const match = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)/.exec(colour);
  return match ? `rgba(${match[1]}, ${match[2]}, ${match[3]}, ${alpha})` : colour;
}
