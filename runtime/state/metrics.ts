/** One series' value; a caller that counts on every request keeps the cell and adds to it. */
export interface Cell {
  value: number;
}

interface Family {
  help: string;
  type: 'counter' | 'gauge';
  /** label text → value */
  values: Map<string, Cell>;
}

/** Counters since the gateway started, rendered in the Prometheus text exposition format. */
export class Metrics {
  private counters = new Map<string, Family>();

  /** The counter series `name{labels}` (created at 0, listed in the order of creation). */
  series(name: string, help: string, labels: Record<string, string>): Cell {
    let f = this.counters.get(name);
    if (!f) {
      f = { help, type: 'counter', values: new Map() };
      this.counters.set(name, f);
    }
    const key = labelText(labels);
    let c = f.values.get(key);
    if (!c) {
      c = { value: 0 };
      f.values.set(key, c);
    }
    return c;
  }

  inc(name: string, help: string, labels: Record<string, string>, by = 1): void {
    this.series(name, help, labels).value += by;
  }

  render(gauges: { name: string; help: string; labels: Record<string, string>; value: number }[]): string {
    const lines: string[] = [];
    const all = new Map<string, { help: string; type: 'counter' | 'gauge'; values: Map<string, number> }>();
    for (const [name, f] of this.counters) all.set(name, { help: f.help, type: f.type, values: new Map([...f.values].map(([k, c]) => [k, c.value])) });
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
