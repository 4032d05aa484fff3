/**
 * The process's resident memory from /proc/self/status (Linux): VmRSS now and VmHWM, the
 * high-water mark the kernel keeps, which also sees peaks inside a synchronous tfjs kernel that
 * no sample between kernels can. Elsewhere both fall back to Deno.memoryUsage().rss.
 */

/** Resident bytes now and at the process's peak so far. */
export function residentBytes(): { rss: number; peak: number } {
  try {
    const s = Deno.readTextFileSync("/proc/self/status");
    const kb = (k: string) => Number(s.match(new RegExp(`${k}:\\s+(\\d+) kB`))?.[1] ?? NaN) * 1024;
    const rss = kb("VmRSS");
    const peak = kb("VmHWM");
    if (Number.isFinite(rss) && Number.isFinite(peak)) return { rss, peak };
  } catch {
    // Not Linux: below.
  }
  const rss = Deno.memoryUsage().rss;
  return { rss, peak: rss };
}
