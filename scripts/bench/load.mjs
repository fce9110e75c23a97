// wrk against one route of one Worker, with the CPU time its workerd spent meanwhile.

import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { cpuSeconds } from './servers.mjs';

const execFileAsync = promisify(execFile);

export function ensureWrk() {
  if (spawnSync('wrk', ['--version']).error === undefined) return;
  if (process.getuid?.() !== 0) throw new Error('wrk is missing: install it (Debian: apt-get install wrk)');
  console.error('bench: installing wrk from Debian…');
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', 'wrk'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

/** A wrk Lua script for a route: the request, and a count of unexpected statuses. */
export function wrkScript(workDir, route) {
  const headerLines = Object.entries(route.headers)
    .map(([name, value]) => `wrk.headers[${JSON.stringify(name)}] = ${JSON.stringify(value)}`)
    .join('\n');
  const script = `
wrk.method = ${JSON.stringify(route.method)}
${route.body === undefined ? '' : `wrk.body = ${JSON.stringify(route.body)}`}
${headerLines}
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  unexpected = 0
  math.randomseed(os.time() + os.clock() * 1000000)
end
${route.randomClient ? `function request()
  wrk.headers["CF-Connecting-IP"] = "10." .. math.random(0, 255) .. "." .. math.random(0, 255) .. "." .. math.random(1, 254)
  return wrk.format()
end` : ''}
function response(status, headers, body)
  if status ~= ${route.expect} then unexpected = unexpected + 1 end
end
function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("unexpected") end
  io.write("UNEXPECTED " .. total .. "\\n")
end
`;
  const file = join(workDir, `${route.id}.lua`);
  writeFileSync(file, script);
  return file;
}

function toMs(text) {
  const match = /([\d.]+)(us|ms|s|m)$/.exec(text);
  const value = Number(match[1]);
  return { us: value / 1000, ms: value, s: value * 1000, m: value * 60_000 }[match[2]];
}

/**
 * One wrk run (1 thread × `connections`, `seconds`) against `server`; returns req/s,
 * p50/p99 in ms, the requests completed, the unexpected statuses, and the CPU µs per
 * request of the Worker's workerd (and of the server's whole process group).
 */
export async function measure(server, route, script, { seconds, connections }) {
  const group = server.groupPids();
  const cpuBefore = cpuSeconds(server.workerPid);
  const groupBefore = sumCpu(group);
  const { stdout } = await execFileAsync('wrk', [
    '-t', '1', '-c', String(connections), '-d', `${seconds}s`, '--latency', '-s', script, server.baseUrl + route.path,
  ], { encoding: 'utf8' });
  const cpu = cpuSeconds(server.workerPid) - cpuBefore;
  const groupCpu = sumCpu(group) - groupBefore;
  const requests = Number(/(\d+) requests in/.exec(stdout)[1]);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)[1]),
    p50: toMs(/\s50%\s+(\S+)/.exec(stdout)[1]),
    p99: toMs(/\s99%\s+(\S+)/.exec(stdout)[1]),
    requests,
    unexpected: Number(/UNEXPECTED (\d+)/.exec(stdout)[1]),
    errors: /Socket errors:.*/.exec(stdout)?.[0] ?? null,
    cpuUs: requests > 0 ? (cpu * 1e6) / requests : NaN,
    groupCpuUs: requests > 0 ? (groupCpu * 1e6) / requests : NaN,
  };
}

function sumCpu(pids) {
  let total = 0;
  for (const pid of pids) {
    try { total += cpuSeconds(pid); } catch { /* exited */ }
  }
  return total;
}

export const median = (values) => {
  const sorted = values.filter((value) => !Number.isNaN(value)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
