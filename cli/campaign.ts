import { SingleBar } from 'cli-progress';
import { CliError, type Target, call } from './client';
import { out, tree } from './output';
import { FINISHED, RateMeter, finished, importLine, type Snapshot, duration, progressLine, snapshot } from './progress';
import { type CreateOptions, campaignForm } from './upload';

const path = (id: string, action = '') => `/v1/campaigns/${encodeURIComponent(id)}${action ? `/${action}` : ''}`;

// Shown as a report of their own, or already in the first line.
const SUMMARY_KEYS = new Set([
  'id',
  'name',
  'status',
  'counts',
  'rejectedBy',
  'total',
  'workflowId',
  'journeyId',
  'journeyVersion',
  'channelId',
]);

export async function createCampaign(target: Target, file: string, opts: CreateOptions & { json?: boolean }): Promise<void> {
  const form = await campaignForm(file, opts);
  const { status, body } = await call(target, 'POST', '/v1/campaigns', { form });
  out(opts.json, body, () => {
    const lines = [
      `campaign ${body.id ?? '(dry run)'}${body.name ? ` "${body.name}"` : ''}: ${body.status ?? (opts.dryRun ? 'dry run' : status)}`,
    ];
    if (body.counts) lines.push('counts:', ...tree(body.counts, '  '));
    if (body.rejectedBy && Object.keys(body.rejectedBy).length > 0) lines.push('rejected by reason:', ...tree(body.rejectedBy, '  '));
    const rest = Object.fromEntries(Object.entries(body).filter(([k]) => !SUMMARY_KEYS.has(k)));
    if (opts.dryRun && Object.keys(rest).length > 0) lines.push('dry run report:', ...tree(rest, '  '));
    if (status === 202 && body.id) lines.push(`importing; follow it with: parley campaign watch ${body.id}`);
    return lines.join('\n');
  });
}

type Action = 'start' | 'pause' | 'resume' | 'cancel';

export async function controlCampaign(target: Target, action: Action, id: string, opts: { json?: boolean; endRunning?: boolean }) {
  let signal: Exclude<Action, 'start'> = action === 'start' ? 'resume' : action;
  if (action === 'start') {
    // Starting is resuming a campaign that waits: scheduled for later, or paused.
    const { body: view } = await call(target, 'GET', path(id));
    if (FINISHED.has(view.status)) throw new CliError(`campaign is ${view.status}; it cannot be started`);
    if (view.status !== 'scheduled' && view.status !== 'paused') {
      const state = view.status === 'running' ? 'already running' : view.status;
      out(opts.json, { ...view, requested: null }, () => `campaign ${view.id} is ${state}; nothing to start`);
      return;
    }
    signal = 'resume';
  }
  const json = action === 'cancel' && opts.endRunning ? { endRunning: true } : undefined;
  const { body } = await call(target, 'POST', path(id, signal), { json });
  out(opts.json, body, () => `campaign ${body.id}: ${body.requested ?? signal} requested (status was ${body.status})`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls the campaign until it is completed or cancelled, with a progress bar on a terminal and a line per change elsewhere. */
export async function watchCampaign(target: Target, id: string, opts: { json?: boolean; once?: boolean; interval: number }) {
  const meter = new RateMeter();
  const read = async () => {
    const { body } = await call(target, 'GET', path(id));
    const s = snapshot(body);
    return { s, rate: meter.measure(s) };
  };
  const machine = (s: Snapshot, rate: { ratePerSecond?: number; etaSeconds?: number }) => ({ ...s, ...rate });

  if (opts.once) {
    const { s, rate } = await read();
    out(opts.json, machine(s, rate), () => progressLine(s, rate));
    return;
  }
  const bar =
    !opts.json && process.stderr.isTTY
      ? new SingleBar({
          format: 'sent {bar} {value}/{total} {percentage}% | replied {replied} | {rate}/s | ETA {eta_text} | {state}',
          hideCursor: true,
        })
      : undefined;
  const stop = () => {
    bar?.stop();
    process.exit(130);
  };
  process.once('SIGINT', stop);
  try {
    let last = '';
    for (;;) {
      const { s, rate } = await read();
      const payload = {
        replied: s.replied ?? '-',
        rate: rate.ratePerSecond === undefined ? '-' : rate.ratePerSecond.toFixed(1),
        eta_text: finished(s) ? '0s' : duration(rate.etaSeconds),
        state: s.import && s.status === 'importing' ? importLine(s.import) : s.status,
      };
      if (bar) {
        if (!last) bar.start(s.total, s.sent, payload);
        bar.setTotal(s.total);
        bar.update(s.sent, payload);
        last = 'started';
      } else {
        const line = opts.json ? JSON.stringify(machine(s, rate)) : progressLine(s, rate);
        // Off a terminal, a line each time something changed (the rate alone does not count).
        const key = `${s.status}/${s.sent}/${s.total}/${s.replied}/${s.import ? importLine(s.import) : ''}`;
        if (key !== last) process.stdout.write(`${line}\n`);
        last = key;
      }
      if (finished(s)) break;
      await sleep(opts.interval * 1000);
    }
  } finally {
    bar?.stop();
    process.off('SIGINT', stop);
  }
}
