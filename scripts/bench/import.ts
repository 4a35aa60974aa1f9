// npm run bench:import -- [--rows 10000,300000] [--format csv|xlsx] [--temporal ADDRESS] [--json]
// Imports generated contact files (of each --rows size, in --format) through POST /v1/campaigns: as dry
// runs (checked in the request, in an API process alone), and stored through the batched import workflow
// (in a process that runs the API and a worker on a task queue of its own), each in a process of its own
// so that its peak resident memory (VmHWM) is the importer's. The largest file is also read by the
// baseline (import-baseline.ts: the raw reader and phone normalisation, one thread, nothing stored).
// Checked: the stored import's rows/s over the baseline's, peak memory flat in the row count (largest
// over smallest, for stored imports and dry runs) and under a ceiling.
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, openAsBlob, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { peakRssMiB, runBench, seedBenchOrg, wantJson } from './harness';
import { BENCH_JOURNEY } from './journey';
import { WORKER_HEAP } from '../../platform/worker';

const TARGET = { throughput: 0.8, rss: 1.5, peakRssMiB: 300 };
const HEADER = ['Phone', 'Ref', 'FirstName', 'City', 'DOB'];
const MAPPING = { address: 'Phone', customerRef: 'Ref', fields: { firstName: 'FirstName', dob: { column: 'DOB', type: 'date' } } };
const CITIES = ['Leeds', 'Bristol', 'Glasgow', 'Cardiff', 'Belfast', 'Norwich'];

const round = (n: number, places = 1) => Number(n.toFixed(places));

function sizes(): number[] {
  const i = process.argv.indexOf('--rows');
  const list = (i >= 0 ? process.argv[i + 1] : '10000,300000').split(',').map(Number);
  if (list.some((n) => !Number.isInteger(n) || n < 10)) throw new Error('--rows takes sizes of at least 10, comma separated');
  return [...new Set(list)].sort((a, b) => a - b);
}

function format(): 'csv' | 'xlsx' {
  const i = process.argv.indexOf('--format');
  const f = i >= 0 ? process.argv[i + 1] : 'csv';
  if (f !== 'csv' && f !== 'xlsx') throw new Error('--format takes csv or xlsx');
  return f;
}

/** The baseline over a file in a process of its own: its rows/s and peak memory. */
async function baseline(file: string, fmt: string, rows: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'import-baseline.ts'), file, fmt], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  let peak = NaN;
  // VmHWM is gone once the process exits: read it while the result is being printed.
  const exited = once(child, 'exit');
  const poll = setInterval(() => {
    try {
      peak = peakRssMiB(child.pid!);
    } catch {
      // exited between ticks
    }
  }, 100);
  const [code] = await exited;
  clearInterval(poll);
  if (code !== 0) throw new Error(`the baseline exited with ${code}`);
  const result = JSON.parse(out.trim().split('\n').pop()!) as { rows: number; valid: number; seconds: number };
  if (result.rows !== rows) throw new Error(`baseline: expected ${rows} rows, read ${result.rows}`);
  return { rows, seconds: round(result.seconds, 2), rowsPerSecond: Math.round(rows / result.seconds), peakRssMiB: peak };
}

/** Distinct valid UK mobiles, +447911000000 upwards. */
const mobile = (i: number) => `+447${911 + Math.floor(i / 1_000_000)}${String(i % 1_000_000).padStart(6, '0')}`;

/**
 * Row i of a file: mostly good contacts, with a bad phone every 500th row, a missing one every
 * 1000th, an unreadable date every 2000th, and every 250th row the person of 100 rows back again,
 * written the national way (a duplicate once normalised). The offsets keep these apart.
 */
function row(i: number): string[] {
  const dob = i % 2000 === 1333 ? 'not a date' : `19${50 + (i % 50)}-0${1 + (i % 9)}-1${i % 10}`;
  let phone = mobile(i);
  if (i % 500 === 123) phone = '+44 79';
  else if (i % 1000 === 777) phone = '';
  else if (i % 250 === 249) phone = `0${mobile(i - 100).slice(3, 7)} ${mobile(i - 100).slice(7)}`;
  return [phone, `R${i}`, `Person ${i}`, CITIES[i % CITIES.length], dob];
}

async function writeCsv(file: string, rows: number) {
  const out = createWriteStream(file);
  const line = (cells: string[]) => `${cells.join(',')}\r\n`;
  out.write(line(HEADER));
  for (let i = 0; i < rows; i++) {
    if (!out.write(line(row(i)))) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

async function writeXlsx(file: string, rows: number) {
  const book = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useStyles: false, useSharedStrings: false });
  const sheet = book.addWorksheet('Contacts');
  sheet.addRow(HEADER).commit();
  for (let i = 0; i < rows; i++) sheet.addRow(row(i)).commit();
  sheet.commit();
  await book.commit();
}

/** An API process on the bench's database, Temporal server, queue and keys; resolves once it listens. */
async function startApi(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string }> {
  // A process that runs a worker gets the workers' heap limit, as in production.
  const heap = env.BENCH_WITH_WORKER === '1' ? [WORKER_HEAP] : [];
  const child = spawn(process.execPath, [...heap, '--import', 'tsx', path.join(__dirname, 'import-api.ts')], {
    env,
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the bench API process exited (${code}) before it was ready`)));
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const ready = /ready (\S+)/.exec(out);
      if (ready) resolve(ready[1]);
    });
  });
  return { child, url };
}

async function stopApi(child: ChildProcess) {
  if (child.exitCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

interface Counts {
  total: number;
  accepted: number;
  rejected: number;
  duplicates: number;
}

runBench(async (bench) => {
  const rowSizes = sizes();
  const smallest = rowSizes[0];
  const largest = rowSizes[rowSizes.length - 1];
  const org = await seedBenchOrg(bench, BENCH_JOURNEY);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'parley-bench-import-'));
  const env = {
    ...process.env,
    PORT: '0',
    LOG_LEVEL: 'silent' as const,
    DATABASE_URL: bench.config.DATABASE_URL,
    TEMPORAL_ADDRESS: bench.config.TEMPORAL_ADDRESS,
    TEMPORAL_TASK_QUEUE: bench.config.TEMPORAL_TASK_QUEUE,
    PARLEY_MASTER_KEY: bench.masterKey,
    // Files of any size the disk allows: the 50 MB default is a deployment's choice, not a limit of the import.
    IMPORT_MAX_BYTES: String(4 * 1024 ** 3),
  };

  /** One import in a fresh API process: its time, and that process's peak memory at rest and after the import. */
  const measure = async (label: string, file: string, rows: number, dryRun: boolean) => {
    // A stored import goes through the workflow whatever its size, run by this process's own worker.
    const stored = {
      BENCH_WITH_WORKER: '1',
      IMPORT_SYNC_MAX_BYTES: '0',
      TEMPORAL_TASK_QUEUE: `bench-import-${label.replace(/\W+/g, '-')}`,
    };
    const { child, url } = await startApi(dryRun ? env : { ...env, ...stored });
    try {
      const idleMiB = peakRssMiB(child.pid!);
      const form = new FormData();
      form.set('journeyId', org.journeyId);
      form.set('channelId', org.channelId);
      form.set('mapping', JSON.stringify(MAPPING));
      form.set('defaultCountry', 'GB');
      form.set('name', `Bench import ${label}`);
      if (dryRun) form.set('dryRun', 'true');
      form.set('file', await openAsBlob(file), path.basename(file));
      const t0 = performance.now();
      const res = await fetch(`${url}/v1/campaigns`, {
        method: 'POST',
        headers: { authorization: org.headers.authorization },
        body: form,
      });
      let body = (await res.json()) as { id?: string; counts?: Counts; import?: { status: string; counts?: Counts } };
      if (res.status !== (dryRun ? 200 : 202))
        throw new Error(`${label}: POST /v1/campaigns answered ${res.status}: ${JSON.stringify(body)}`);
      while (!dryRun && body.import?.status !== 'done') {
        if (body.import?.status === 'failed') throw new Error(`${label}: the import failed: ${JSON.stringify(body.import)}`);
        await new Promise((r) => setTimeout(r, 200));
        body = (await (
          await fetch(`${url}/v1/campaigns/${body.id}`, { headers: { authorization: org.headers.authorization } })
        ).json()) as typeof body;
        body.counts = body.import?.counts;
      }
      const seconds = (performance.now() - t0) / 1000;
      const peakMiB = peakRssMiB(child.pid!);
      if (!body.counts || body.counts.total !== rows)
        throw new Error(`${label}: expected ${rows} rows, got ${JSON.stringify(body.counts)}`);
      return {
        label,
        rows,
        bytes: statSync(file).size,
        dryRun,
        seconds: round(seconds, 2),
        rowsPerSecond: Math.round(rows / seconds),
        idleRssMiB: idleMiB,
        peakRssMiB: peakMiB,
        // What the import added over the process at rest (which includes tsx's compiling).
        growthMiB: peakMiB - idleMiB,
        counts: body.counts,
      };
    } finally {
      await stopApi(child);
    }
  };

  try {
    const fmt = format();
    const files = new Map<number, string>();
    for (const n of rowSizes) {
      files.set(n, path.join(dir, `contacts-${n}.${fmt}`));
      await (fmt === 'xlsx' ? writeXlsx : writeCsv)(files.get(n)!, n);
    }
    if (!wantJson) console.error(`files written to ${dir}; importing`);

    const results: Awaited<ReturnType<typeof measure>>[] = [];
    for (const n of rowSizes) results.push(await measure(`${fmt} ${n}, dry run`, files.get(n)!, n, true));
    // Each stored import's process stops once it is done, before its campaign gets far.
    for (const n of rowSizes) results.push(await measure(`${fmt} ${n}, stored`, files.get(n)!, n, false));
    const base = await baseline(files.get(largest)!, fmt, largest);

    const find = (n: number, kind: string) => results.find((r) => r.label === `${fmt} ${n}, ${kind}`)!;
    const storedLargest = find(largest, 'stored');
    const peakMiB = Math.max(...results.map((r) => r.peakRssMiB));
    // rssAdded, for reading only: the process at rest (~200 MiB) dilutes the checked ratio.
    const ratio = {
      throughput: round(storedLargest.rowsPerSecond / base.rowsPerSecond, 2),
      rss: round(storedLargest.peakRssMiB / find(smallest, 'stored').peakRssMiB, 2),
      rssDryRun: round(find(largest, 'dry run').peakRssMiB / find(smallest, 'dry run').peakRssMiB, 2),
      rssAdded: round(storedLargest.growthMiB / Math.max(1, find(smallest, 'stored').growthMiB), 2),
    };
    const pass =
      ratio.throughput >= TARGET.throughput && ratio.rss <= TARGET.rss && ratio.rssDryRun <= TARGET.rss && peakMiB <= TARGET.peakRssMiB;
    const mib = (bytes: number) => round(bytes / 2 ** 20);
    const rows: [string, string | number][] = [
      ['import', 'rows | MiB | seconds | rows/s | peak RSS MiB | at rest | import added | accepted / rejected / duplicates'],
      ...results.map((r): [string, string] => [
        r.label,
        `${r.rows} | ${mib(r.bytes)} | ${r.seconds} | ${r.rowsPerSecond} | ${r.peakRssMiB} | ${r.idleRssMiB} | ${r.growthMiB} | ` +
          `${r.counts.accepted} / ${r.counts.rejected} / ${r.counts.duplicates}`,
      ]),
      [
        `baseline ${fmt} ${largest} (raw reader + phones, 1 thread)`,
        `${base.seconds} s | ${base.rowsPerSecond} rows/s | peak RSS ${base.peakRssMiB} MiB`,
      ],
      [`throughput, stored ${largest} / baseline`, ratio.throughput],
      [`peak RSS ratio, stored ${largest} / ${smallest} rows`, ratio.rss],
      [`peak RSS ratio, dry run ${largest} / ${smallest} rows`, ratio.rssDryRun],
      [`what the import added, stored ${largest} / ${smallest} rows`, ratio.rssAdded],
      ['highest peak RSS MiB', peakMiB],
      ['target', `throughput >= ${TARGET.throughput}x baseline; peak RSS ratios <= ${TARGET.rss}; peak RSS <= ${TARGET.peakRssMiB} MiB`],
      ['pass', String(pass)],
    ];
    return {
      rows,
      figures: { format: fmt, sizes: rowSizes, imports: results, baseline: base, peakRssMiB: peakMiB, ratio, target: TARGET, pass },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
