// The Traces list's filter as kept across reloads (the webview state; the host applies it), and
// the texts for durations and start times.
import { emptyTracesFilter, type TracesFilter } from '../src/shared/livePanelProtocol';

export function restoreTracesFilter(saved: unknown): TracesFilter {
  if (typeof saved !== 'object' || saved === null) return emptyTracesFilter;
  const { service, errorsOnly, minDurationMs, text } = saved as Partial<Record<keyof TracesFilter, unknown>>;
  return {
    service: typeof service === 'string' ? service : '',
    errorsOnly: errorsOnly === true,
    minDurationMs: typeof minDurationMs === 'number' && Number.isFinite(minDurationMs) && minDurationMs > 0 ? minDurationMs : 0,
    text: typeof text === 'string' ? text : '',
  };
}

export function formatDuration(ms: number): string {
  if (ms < 1) return `${Math.round(ms * 1000)} µs`;
  if (ms < 1000) return `${ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

export function formatStartTime(ms: number): string {
  const date = new Date(ms);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}
