// In-process counters, scraped from GET /metrics in the Prometheus text format.
const counters = new Map<string, number>();

export function increment(name: string, by = 1): void {
  counters.set(name, (counters.get(name) ?? 0) + by);
}

export function render(): string {
  return [...counters].map(([name, value]) => `# TYPE ${name} counter\n${name} ${value}\n`).join('');
}
