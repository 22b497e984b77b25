/** A replica's /metrics, asked directly (not through the load balancer), read one value at a time. */

/** Fetches the metrics of the replica at `url`; the reader gives a metric's first value by name, or undefined. */
export async function replicaMetrics(url: string, timeoutMs = 5000): Promise<(name: string) => number | undefined> {
  const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(timeoutMs) })).text();
  return (name) => {
    const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(text);
    return m ? Number(m[1]) : undefined;
  };
}
