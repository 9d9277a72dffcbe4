/**
 * The stream mix of the append benchmarks, as open event-store benchmark suites model it:
 * many small streams chosen with a Zipf-like skew (a few are popular, most are rare), plus a
 * few hot streams that take a fixed share of all appends.
 */
export interface StreamMixOptions {
  streams: number;
  hotStreams: number;
  /** Share of appends that go to the hot streams. */
  hotShare: number;
  /** Zipf exponent over the small streams; 1 is the classic skew. */
  skew: number;
}

export const defaultStreamMix: StreamMixOptions = { streams: 5000, hotStreams: 4, hotShare: 0.1, skew: 1.0 };

/** A deterministic generator (seeded), so that eventloom and the baseline see the same sequence. */
export function createStreamMix(options: StreamMixOptions = defaultStreamMix, seed = 42): () => string {
  let state = seed >>> 0;
  const random = () => {
    // mulberry32
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const cumulative: number[] = [];
  let total = 0;
  for (let rank = 1; rank <= options.streams; rank++) {
    total += 1 / rank ** options.skew;
    cumulative.push(total);
  }
  return () => {
    if (random() < options.hotShare) return `hot-${Math.floor(random() * options.hotStreams)}`;
    const target = random() * total;
    let low = 0;
    let high = cumulative.length - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((cumulative[mid] ?? 0) < target) low = mid + 1;
      else high = mid;
    }
    return `stream-${low}`;
  };
}
