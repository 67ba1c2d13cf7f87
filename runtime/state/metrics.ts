/** Counters since the gateway started, rendered in the Prometheus text exposition format. */
export class Metrics {
  private counters = new Map<string, { help: string; type: 'counter' | 'gauge'; values: Map<string, number> }>();

  private family(name: string, help: string, type: 'counter' | 'gauge') {
    let f = this.counters.get(name);
    if (!f) {
      f = { help, type, values: new Map() };
      this.counters.set(name, f);
    }
    return f;
  }

  inc(name: string, help: string, labels: Record<string, string>, by = 1): void {
    const f = this.family(name, help, 'counter');
    const key = labelText(labels);
    f.values.set(key, (f.values.get(key) ?? 0) + by);
  }

  render(gauges: { name: string; help: string; labels: Record<string, string>; value: number }[]): string {
    const lines: string[] = [];
    const all = new Map(this.counters);
    for (const g of gauges) {
      let f = all.get(g.name);
      if (!f) {
        f = { help: g.help, type: 'gauge', values: new Map() };
        all.set(g.name, f);
      }
      f.values.set(labelText(g.labels), g.value);
    }
    for (const [name, f] of all) {
      lines.push(`# HELP ${name} ${f.help}`, `# TYPE ${name} ${f.type}`);
      for (const [labels, v] of f.values) lines.push(`${name}${labels} ${Number.isFinite(v) ? v : 0}`);
    }
    return `${lines.join('\n')}\n`;
  }
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labelText(labels: Record<string, string>): string {
  const keys = Object.keys(labels);
  if (keys.length === 0) return '';
  return `{${keys.map((k) => `${k}="${escapeLabel(labels[k])}"`).join(',')}}`;
}
