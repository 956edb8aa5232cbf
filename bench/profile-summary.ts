import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileWindow {
  /** [start, end] pairs on the monotonic clock in µs (process.hrtime.bigint() / 1000n: the clock V8 stamps samples with). */
  windowsUs: [number, number][];
  /** Correct responses in the windows: times are then also shown per request. */
  requests: number;
}

/** Where a frame's code lives: a package, a project file, Node's internals, or a V8 pseudo-frame. */
export function areaOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const own = /\/dist\/((?:src|bench|migrations)\/.*)$/.exec(url);
  if (own) return own[1].replace(/\.js$/, '.ts');
  return url;
}

/**
 * Self time per function and per area, heaviest first, from a V8 .cpuprofile (node --cpu-prof),
 * optionally only over a time window. V8 samples the main thread on a wall clock: time the thread spent
 * preempted on a saturated host lands on whatever frame was current (typically writev and the crypto
 * job dispatch, which wake other processes or threads), so compare servers, not absolute figures.
 */
export function summarizeProfile(file: string, top = 25, window?: ProfileWindow): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const keyOf = (f: CallFrame) => `${f.functionName}|${f.url}|${f.lineNumber}`;
  const selfUs = new Map<number, number>();
  const inclusiveUs = new Map<string, number>();
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    t += delta;
    if (window && !window.windowsUs.some(([a, b]) => t >= a && t <= b)) continue;
    const id = profile.samples[i];
    selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
    if (byId.get(id)!.callFrame.functionName === '(idle)') continue;
    const seen = new Set<string>();
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
      const key = keyOf(byId.get(n)!.callFrame);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusiveUs.set(key, (inclusiveUs.get(key) ?? 0) + delta);
    }
  }
  const fns = new Map<string, { label: string; area: string; us: number }>();
  const areas = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === '(idle)') {
      idle += us;
      continue;
    }
    busy += us;
    const area = areaOf(url, functionName);
    const short = url ? `${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/dist\//, '')}:${lineNumber + 1}` : '';
    const key = `${functionName}|${url}|${lineNumber}`;
    const entry = fns.get(key) ?? { label: `${functionName || '(anonymous)'} ${short}`.trim(), area, us: 0 };
    entry.us += us;
    fns.set(key, entry);
    areas.set(area, (areas.get(area) ?? 0) + us);
  }
  const pct = (us: number) => `${((100 * us) / busy).toFixed(1).padStart(5)}%`;
  const per = window?.requests
    ? (us: number) => `${(us / window.requests).toFixed(1).padStart(7)} µs/req`
    : (us: number) => `${(us / 1000).toFixed(0).padStart(7)} ms`;
  const seconds = window ? window.windowsUs.reduce((sum, [a, b]) => sum + (b - a), 0) / 1e6 : 0;
  const scope = window ? `measured windows (${seconds.toFixed(1)} s, ${window.requests} correct responses)` : 'whole run';
  const lines = [
    `  ${scope}: busy ${(busy / 1000).toFixed(0)} ms${window?.requests ? ` = ${(busy / window.requests).toFixed(0)} µs/req` : ''}, idle ${(idle / 1000).toFixed(0)} ms (main-thread self time)`,
    '  by area:',
  ];
  for (const [area, us] of [...areas].sort((a, b) => b[1] - a[1]).slice(0, 18)) lines.push(`    ${pct(us)} ${per(us)}  ${area}`);
  lines.push(`  top ${top} functions:`);
  for (const f of [...fns.values()].sort((a, b) => b.us - a.us).slice(0, top)) lines.push(`    ${pct(f.us)} ${per(f.us)}  ${f.label}`);
  // Inclusive (self + callees, synchronous part only) for code outside Node's internals: which entry
  // points of the project and its frameworks the time flows through.
  lines.push(`  top ${top} inclusive (self + synchronous callees), project and package code:`);
  const inclusive = [...inclusiveUs]
    .map(([key, us]) => {
      const [functionName, url, line] = key.split('|');
      return { functionName, url, line: Number(line), us };
    })
    .filter((f) => f.url && !f.url.startsWith('node:') && f.us < busy * 0.995)
    .sort((a, b) => b.us - a.us)
    .slice(0, top);
  for (const f of inclusive) {
    const where = `${f.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/dist\//, '')}:${f.line + 1}`;
    lines.push(`    ${pct(f.us)} ${per(f.us)}  ${f.functionName || '(anonymous)'} ${where}`);
  }
  return lines.join('\n');
}

// `node dist/bench/profile-summary.js <file.cpuprofile> [top]` prints the summary of one profile.
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    console.error('Usage: node dist/bench/profile-summary.js <file.cpuprofile> [top]');
    process.exit(1);
  }
  console.log(summarizeProfile(file, top ? Number(top) : 25));
}
