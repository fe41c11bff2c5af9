// A scrape target's exposition as series whose values move with time: counters grow at a steady rate
// (so rate() and increase() see traffic), gauges wander around a level (so aggregations read
// changing numbers). The labels are rendered once; each scrape only writes the values.

export type Labels = Record<string, string>;

/** value(t) = base + slope·t + wave·sin(t/300 + phase), rounded down when `whole` (restart counts). */
export interface Motion {
  base: number;
  slope?: number;
  wave?: number;
  whole?: boolean;
}

const escapeLabelValue = (value: string) =>
  value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

export function seriesText(name: string, labels: Labels): string {
  const pairs = Object.entries(labels).map(([label, value]) => `${label}="${escapeLabelValue(value)}"`);
  return pairs.length > 0 ? `${name}{${pairs.join(",")}}` : name;
}

export class MovingExposition {
  private readonly prefixes: string[] = [];
  private readonly motions: Motion[] = [];
  /** Lines that never change: families the keep-lists drop, served for the scrape's true size. */
  private fixedText = "";

  add(name: string, labels: Labels, motion: Motion): void {
    this.prefixes.push(`${seriesText(name, labels)} `);
    this.motions.push(motion);
  }

  addFixed(text: string): void {
    this.fixedText += text;
  }

  get size(): number {
    return this.prefixes.length;
  }

  /** The text served `seconds` after the bench started. */
  render(seconds: number): string {
    const lines = new Array<string>(this.prefixes.length);
    for (let i = 0; i < lines.length; i++) {
      const { base, slope = 0, wave = 0, whole = false } = this.motions[i] as Motion;
      let value = base + slope * seconds;
      if (wave !== 0) value += wave * Math.sin(seconds / 300 + i);
      lines[i] = `${this.prefixes[i]}${whole ? Math.floor(value) : Number(value.toPrecision(12))}`;
    }
    return `${lines.join("\n")}\n${this.fixedText}`;
  }
}

/** A stable pseudo-random number in [0, 1) for a key: the same cluster on every run. */
export function unitHash(key: string): number {
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return ((h >>> 0) % 1_000_003) / 1_000_003;
}

/** Hex of a given length from a key, for container ids and pod uids. */
export function hexOf(key: string, length: number): string {
  let out = "";
  for (let i = 0; out.length < length; i++) {
    out += Math.floor(unitHash(`${key}#${i}`) * 0xffffffff)
      .toString(16)
      .padStart(8, "0");
  }
  return out.slice(0, length);
}
