// The dataset's PRNG (src/demo/dataset.ts): sfc32 seeded through splitmix32,
// and the hex formatting of its draws.

export function hashSeed(seed: number | string): number {
  if (typeof seed === 'number') {
    const lo = seed >>> 0;
    const hi = Math.floor(seed / 4294967296) >>> 0;
    return (lo ^ Math.imul(hi, 0x9e3779b1)) >>> 0;
  }
  let h = 0x811c9dc5; // FNV-1a
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** murmur3's 32-bit finaliser: a bijection on uint32. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Small fast seeded PRNG (sfc32). `stream` gives independent sequences for one seed. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number | string, stream = 0) {
    let s = (hashSeed(seed) ^ Math.imul(stream + 1, 0x9e3779b9)) | 0;
    const sm = (): number => {
      s = (s + 0x9e3779b9) | 0;
      return fmix32(s);
    };
    this.a = sm();
    this.b = sm();
    this.c = sm();
    this.d = 1;
    for (let i = 0; i < 15; i++) this.u32();
  }

  /** Uniform uint32. */
  u32(): number {
    const a = this.a, b = this.b, c = this.c, d = this.d;
    const t = (((a + b) | 0) + d) | 0;
    this.d = (d + 1) | 0;
    this.a = b ^ (b >>> 9);
    this.b = (c + (c << 3)) | 0;
    const c2 = (c << 21) | (c >>> 11);
    this.c = (c2 + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.u32() / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(arr: readonly T[]): T {
    return arr[Math.floor(this.next() * arr.length)] as T;
  }

  /** `n` decimal digits (first may be 0). */
  digits(n: number): string {
    let s = '';
    while (n >= 9) {
      s += String(this.int(1e9)).padStart(9, '0');
      n -= 9;
    }
    if (n > 0) s += String(this.int(10 ** n)).padStart(n, '0');
    return s;
  }

  /** `n` hex chars, lowercase unless `upper`. */
  hex(n: number, upper = false): string {
    const table = upper ? HEX_UP : HEX_LO;
    let s = '';
    while (n >= 8) {
      s += hex8(this.u32(), table);
      n -= 8;
    }
    if (n > 0) s += hex8(this.u32(), table).slice(0, n);
    return s;
  }

  shuffle<T>(arr: T[]): T[] {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const t = arr[i] as T;
      arr[i] = arr[j] as T;
      arr[j] = t;
    }
    return arr;
  }
}

export const HEX_LO: string[] = [];
export const HEX_UP: string[] = [];
for (let i = 0; i < 256; i++) {
  HEX_LO.push(i.toString(16).padStart(2, '0'));
  HEX_UP.push(i.toString(16).padStart(2, '0').toUpperCase());
}

export function hex8(u: number, table: readonly string[] = HEX_LO): string {
  return (
    (table[u >>> 24] as string) +
    (table[(u >>> 16) & 255] as string) +
    (table[(u >>> 8) & 255] as string) +
    (table[u & 255] as string)
  );
}
