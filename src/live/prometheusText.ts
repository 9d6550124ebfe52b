// A parser of the Prometheus text exposition format (version 0.0.4, what prom-client and the Go client
// serve on /metrics): `# HELP name text`, `# TYPE name counter|gauge|histogram|summary|untyped`, and
// samples `name{label="value",...} value [timestamp]`. Values may be NaN, +Inf, -Inf; label values
// escape backslash, double quote and newline; HELP text escapes backslash and newline. Histogram and
// summary families own their `_bucket`/`_sum`/`_count` samples (and `quantile`/`le` labels).
// A line it cannot read is reported with its number and skipped: the rest of the scrape still counts.
//
// Written here rather than taken from npm: the parsers there (parse-prometheus-text-format and its
// forks) are small, rarely maintained, and drop or throw on the input they do not expect; this one is
// tested against real prom-client output and a real Go service's.

export type PrometheusMetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface PrometheusSample {
  /** The sample's own name: `request_duration_seconds_bucket`, `nodejs_active_handles`. */
  name: string;
  labels: Record<string, string>;
  value: number;
  /** ms since the epoch, when the line carries one. */
  timestampMs?: number;
}

export interface PrometheusFamily {
  name: string;
  type: PrometheusMetricType;
  help?: string;
  samples: PrometheusSample[];
}

export interface PrometheusParseError {
  /** 1-based. */
  line: number;
  message: string;
}

export interface PrometheusScrape {
  /** In the order they first appear. */
  families: PrometheusFamily[];
  errors: PrometheusParseError[];
}

const metricTypes: readonly string[] = ['counter', 'gauge', 'histogram', 'summary', 'untyped'];
const metricNamePattern = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const labelNamePattern = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const floatPattern = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The suffixes whose samples belong to a family of each type. */
const familySuffixes: Record<PrometheusMetricType, readonly string[]> = {
  counter: ['_total', '_created'],
  gauge: [],
  histogram: ['_bucket', '_sum', '_count', '_created'],
  summary: ['_sum', '_count', '_created'],
  untyped: [],
};

export function parsePrometheusText(text: string): PrometheusScrape {
  const families = new Map<string, PrometheusFamily>();
  const errors: PrometheusParseError[] = [];
  const familyOf = (name: string): PrometheusFamily => {
    let family = families.get(name);
    if (!family) {
      family = { name, type: 'untyped', samples: [] };
      families.set(name, family);
    }
    return family;
  };
  /** The family a sample name belongs to: one declared by TYPE whose suffixes it carries, else its own. */
  const familyOfSample = (name: string): PrometheusFamily => {
    const own = families.get(name);
    if (own) return own;
    for (const suffix of ['_bucket', '_sum', '_count', '_total', '_created']) {
      if (!name.endsWith(suffix)) continue;
      const base = families.get(name.slice(0, -suffix.length));
      if (base && familySuffixes[base.type].includes(suffix)) return base;
    }
    return familyOf(name);
  };

  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index].replace(/\r$/, '');
    const lineNumber = index + 1;
    const trimmed = line.trim();
    if (trimmed === '') continue;
    if (trimmed.startsWith('#')) {
      const comment = /^#\s*(HELP|TYPE)\s+(\S+)(?:\s+(.*))?$/.exec(trimmed);
      if (!comment) continue;
      const [, keyword, name, rest = ''] = comment;
      if (!metricNamePattern.test(name) || metricNamePattern.exec(name)![0] !== name) {
        errors.push({ line: lineNumber, message: `# ${keyword} names "${name}", which is not a metric name` });
        continue;
      }
      if (keyword === 'HELP') {
        familyOf(name).help = unescapeHelp(rest);
      } else {
        const type = rest.trim();
        if (!metricTypes.includes(type)) {
          errors.push({ line: lineNumber, message: `# TYPE ${name} has the unknown type "${type}" (counter, gauge, histogram, summary or untyped)` });
          continue;
        }
        const family = familyOf(name);
        if (family.samples.length > 0 && family.type !== type) {
          errors.push({ line: lineNumber, message: `# TYPE ${name} comes after its samples` });
          continue;
        }
        family.type = type as PrometheusMetricType;
      }
      continue;
    }
    const sample = parseSampleLine(trimmed);
    if (typeof sample === 'string') {
      errors.push({ line: lineNumber, message: sample });
      continue;
    }
    familyOfSample(sample.name).samples.push(sample);
  }
  return { families: [...families.values()].filter((family) => family.samples.length > 0 || family.help !== undefined || family.type !== 'untyped'), errors };
}

/** A sample line, or what is wrong with it. */
function parseSampleLine(line: string): PrometheusSample | string {
  const nameMatch = metricNamePattern.exec(line);
  if (!nameMatch) return `"${shortened(line)}" does not start with a metric name`;
  const name = nameMatch[0];
  let at = name.length;
  const labels: Record<string, string> = {};
  if (line[at] === '{') {
    at++;
    for (;;) {
      while (line[at] === ' ' || line[at] === '\t') at++;
      if (line[at] === '}') {
        at++;
        break;
      }
      const labelMatch = labelNamePattern.exec(line.slice(at));
      if (!labelMatch) return `${name}: a label name was expected at column ${at + 1}`;
      const labelName = labelMatch[0];
      at += labelName.length;
      while (line[at] === ' ') at++;
      if (line[at] !== '=') return `${name}: "=" was expected after the label ${labelName}`;
      at++;
      while (line[at] === ' ') at++;
      if (line[at] !== '"') return `${name}: the value of the label ${labelName} is not quoted`;
      at++;
      let value = '';
      for (;;) {
        const char = line[at];
        if (char === undefined) return `${name}: the value of the label ${labelName} is not closed`;
        at++;
        if (char === '"') break;
        if (char === '\\') {
          const escaped = line[at++];
          if (escaped === 'n') value += '\n';
          else if (escaped === '\\' || escaped === '"') value += escaped;
          else return `${name}: the label ${labelName} has the unknown escape "\\${escaped ?? ''}"`;
        } else {
          value += char;
        }
      }
      if (Object.hasOwn(labels, labelName)) return `${name}: the label ${labelName} is given twice`;
      labels[labelName] = value;
      while (line[at] === ' ') at++;
      if (line[at] === ',') at++;
      else if (line[at] !== '}') return `${name}: "," or "}" was expected after the label ${labelName}`;
    }
  }
  const fields = line.slice(at).trim().split(/\s+/);
  if (fields.length === 0 || fields[0] === '') return `${name} has no value`;
  if (fields.length > 2) return `${name} has more than a value and a timestamp: "${shortened(line.slice(at).trim())}"`;
  const value = parseValue(fields[0]);
  if (value === undefined) return `${name} has the value "${fields[0]}", which is not a number`;
  const sample: PrometheusSample = { name, labels, value };
  if (fields.length === 2) {
    if (!/^-?\d+$/.test(fields[1])) return `${name} has the timestamp "${fields[1]}", which is not whole milliseconds`;
    sample.timestampMs = Number(fields[1]);
  }
  return sample;
}

/** A Go ParseFloat value: decimal or exponent forms, NaN, ±Inf (case-insensitive). */
function parseValue(raw: string): number | undefined {
  const lower = raw.toLowerCase();
  if (lower === 'nan') return Number.NaN;
  if (lower === '+inf' || lower === 'inf') return Infinity;
  if (lower === '-inf') return -Infinity;
  return floatPattern.test(raw) ? Number(raw) : undefined;
}

function unescapeHelp(text: string): string {
  return text.replace(/\\(\\|n)/g, (_, escaped: string) => (escaped === 'n' ? '\n' : '\\'));
}

function shortened(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** `name{a="1",b="x"}` with labels sorted and values escaped as in the text format: a series' stable name. */
export function sampleSeriesName(sample: Pick<PrometheusSample, 'name' | 'labels'>): string {
  const labels = Object.keys(sample.labels)
    .sort()
    .map((label) => `${label}="${sample.labels[label].replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return labels.length === 0 ? sample.name : `${sample.name}{${labels.join(',')}}`;
}
