// A table-driven harness for the conversation workflow: a journey, a contact,
// org settings and a script of customer, agent and system moves, run against
// the real workflow code and a real dev server with fake activities.
import { activityInfo } from '@temporalio/activity';
import type { WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { tsToMs } from '@temporalio/common/lib/time';
import type { ConversationContext, SendInput } from '../../activities/conversation';
import type { EnrichResult } from '../../activities/enrichment';
import {
  agentMessageUpdate,
  closeSignal,
  conversationStateQuery,
  conversationWorkflowId,
  handbackSignal,
  handoffSignal,
  inboundSignal,
  outcomeSignal,
} from '../../workflows/contracts';
import { validateJourney } from '../../workflows/journey';
import { addDays, toIso } from '../../workflows/journey/calendar';
import { todayIn } from '../../workflows/journey/zone';
import { type Activities, startFakeWorker, uid } from '../helpers/worker';

export type Settings = ConversationContext['settings'];

export type ScriptStep =
  /** An inbound customer message; a fresh messageId unless given. */
  | { reply: string; messageId?: string }
  /** Waits until exactly these new outbound texts (any author) have been sent, in order. */
  | { expectSends: string[]; within?: number }
  /** Waits this long and checks that nothing new was sent. */
  | { expectQuiet: number }
  | { wait: number }
  | { signal: 'handoff' }
  /** Sent once the conversation shows as handed off, as an agent would. */
  | { signal: 'handback'; stepId?: string }
  | { signal: 'close'; outcome?: string; reason: 'agent' | 'opt_out' | 'cancelled' }
  | { agent: string }
  | { outcome: string }
  /** What the fake `enrich` activity returns next (it waits for one). */
  | { enrich: EnrichResult }
  /** Waits until the fake `enrich` activity has been called this many times. */
  | { expectEnrichCalls: number }
  /** Anything else, against the workflow handle. */
  | { call: (handle: WorkflowHandle) => Promise<void> };

export interface Scenario {
  journey: unknown;
  contact?: Record<string, string>;
  /** Org settings; a function is given the server's clock when the conversation loads, for windows around "now". */
  settings?: Partial<Settings> | ((serverNow: number) => Partial<Settings>);
  script: ScriptStep[];
  /** Sends for which the fake provider refuses the number for good. */
  failSend?: (send: SendInput) => boolean;
  /** How long the conversation may take to end after the script; default 10 s. */
  endWithin?: number;
}

export interface Sent extends Omit<SendInput, 'conversationId'> {
  at: number;
}

export interface Recording {
  conversationId: string;
  sends: Sent[];
  failedSends: SendInput[];
  notes: string[];
  /** Outcomes the workflow stored while running, in order. */
  outcomes: string[];
  statuses: string[];
  enrichCalls: number;
  finished: { outcome?: string; reason: string }[];
  endedAt?: number;
  result?: { outcome?: string; status: string };
}

export const DEFAULT_SETTINGS: Settings = { timeZone: 'Europe/London', locale: 'en-GB', currency: 'GBP' };

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function until<T>(check: () => T | undefined, ms: number, what: () => string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what()}`);
    await sleep(25);
  }
}

interface Live {
  scenario: Scenario;
  context: ConversationContext;
  rec: Recording;
  enrichQueue: EnrichResult[];
}

/** One worker for a test file, started on first use; conversations are told apart by id. */
export function journeyHarness() {
  const live = new Map<string, Live>();
  const get = (conversationId: string) => {
    const c = live.get(conversationId);
    if (!c) throw ApplicationFailure.nonRetryable(`unknown conversation ${conversationId}`, 'NotFoundError');
    return c;
  };
  const activities: Partial<Activities> = {
    loadConversation: async ({ conversationId }) => {
      const { context, scenario } = get(conversationId);
      if (typeof scenario.settings !== 'function') return context;
      return { ...context, settings: { ...context.settings, ...scenario.settings(activityInfo().scheduledTimestampMs) } };
    },
    sendMessage: async (input) => {
      const c = get(input.conversationId);
      if (c.scenario.failSend?.(input)) {
        c.rec.failedSends.push(input);
        throw ApplicationFailure.nonRetryable('bad number', 'PermanentSendError');
      }
      const { conversationId: _, ...sent } = input;
      c.rec.sends.push({ ...sent, at: Date.now() });
      return { messageId: `msg-${c.rec.sends.length}`, providerMessageId: `prov-${c.rec.sends.length}` };
    },
    updateConversation: async ({ conversationId, status, outcome, note }) => {
      const { rec } = get(conversationId);
      if (status) rec.statuses.push(status);
      if (outcome) rec.outcomes.push(outcome);
      if (note) rec.notes.push(note);
    },
    schedulePurge: async () => false,
    finishConversation: async ({ conversationId, outcome, reason }) => {
      const { rec } = get(conversationId);
      rec.finished.push({ outcome, reason });
      rec.endedAt = Date.now();
    },
    enrich: async ({ conversationId }) => {
      const c = get(conversationId);
      c.rec.enrichCalls++;
      const next = await until(
        () => c.enrichQueue.shift(),
        10_000,
        () => 'a scripted enrich result',
      ).catch(() => undefined);
      if (!next) throw ApplicationFailure.nonRetryable('the script gave no enrich result', 'TestScriptError');
      return next;
    },
  };
  let worker: ReturnType<typeof startFakeWorker> | undefined;

  async function run(scenario: Scenario): Promise<Recording> {
    const checked = validateJourney(scenario.journey);
    if (!checked.ok) throw new Error(`invalid test journey: ${JSON.stringify(checked.errors)}`);
    const w = await (worker ??= startFakeWorker(activities));
    const conversationId = uid();
    const rec: Recording = {
      conversationId,
      sends: [],
      failedSends: [],
      notes: [],
      outcomes: [],
      statuses: [],
      enrichCalls: 0,
      finished: [],
    };
    const context: ConversationContext = {
      orgId: 'org-1',
      journeyId: 'journey-1',
      journeyVersion: 1,
      journey: checked.journey,
      contact: scenario.contact ?? {},
      channelKind: 'sandbox',
      settings: { ...DEFAULT_SETTINGS, ...(typeof scenario.settings === 'function' ? {} : scenario.settings) },
    };
    const c: Live = { scenario, context, rec, enrichQueue: [] };
    live.set(conversationId, c);

    const handle = await w.client.workflow.start('conversation', {
      taskQueue: w.taskQueue,
      workflowId: conversationWorkflowId(conversationId),
      args: [{ conversationId }],
    });
    const texts = () => JSON.stringify(rec.sends.map((s) => s.text));
    const expected: string[] = [];
    let ended = false;
    try {
      for (const step of scenario.script) {
        if ('reply' in step) {
          await handle.signal(inboundSignal, { messageId: step.messageId ?? uid(), text: step.reply });
        } else if ('expectSends' in step) {
          const want = expected.length + step.expectSends.length;
          await until(
            () => (rec.sends.length >= want ? true : undefined),
            step.within ?? 10_000,
            () => `sends ${JSON.stringify(step.expectSends)} after ${JSON.stringify(expected)}; sent so far ${texts()}`,
          );
          expect(rec.sends.slice(expected.length).map((s) => s.text)).toEqual(step.expectSends);
          expected.push(...step.expectSends);
        } else if ('expectQuiet' in step) {
          await sleep(step.expectQuiet);
          expect(rec.sends.map((s) => s.text)).toEqual(expected);
        } else if ('wait' in step) {
          await sleep(step.wait);
        } else if ('signal' in step && step.signal === 'handoff') {
          await handle.signal(handoffSignal, {});
        } else if ('signal' in step && step.signal === 'handback') {
          await until(
            () => (rec.statuses.at(-1) === 'handoff' ? true : undefined),
            10_000,
            () => 'the conversation to be handed off',
          );
          const view = await handle.query(conversationStateQuery);
          expect(view.phase).toBe('handoff');
          await handle.signal(handbackSignal, { stepId: step.stepId });
        } else if ('signal' in step) {
          await handle.signal(closeSignal, { outcome: step.outcome, reason: step.reason });
        } else if ('agent' in step) {
          await handle.executeUpdate(agentMessageUpdate, { args: [{ requestId: uid(), text: step.agent, author: 'agent' }] });
        } else if ('outcome' in step) {
          await handle.signal(outcomeSignal, { outcome: step.outcome });
        } else if ('enrich' in step) {
          c.enrichQueue.push(step.enrich);
        } else if ('expectEnrichCalls' in step) {
          await until(
            () => (rec.enrichCalls >= step.expectEnrichCalls ? true : undefined),
            10_000,
            () => `${step.expectEnrichCalls} enrich calls`,
          );
          expect(rec.enrichCalls).toBe(step.expectEnrichCalls);
        } else {
          await step.call(handle);
        }
      }
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), scenario.endWithin ?? 10_000)));
      const result = await Promise.race([handle.result(), timeout]).finally(() => clearTimeout(timer));
      if (!result) throw new Error(`the conversation did not end after the script; sent ${texts()}`);
      ended = true;
      rec.result = result;
      // Every send is accounted for by the script, in order.
      expect(rec.sends.map((s) => s.text)).toEqual(expected);
      return rec;
    } finally {
      if (!ended) await handle.terminate('test cleanup').catch(() => undefined);
      live.delete(conversationId);
    }
  }

  return {
    run,
    stop: async () => {
      if (worker) await (await worker).stop();
    },
  };
}

/** A journey from its steps, starting at the first. */
export function journey(steps: Record<string, unknown>[], extra: Record<string, unknown> = {}) {
  return { name: 'Test', start: steps[0].id, ...extra, steps };
}

/**
 * The workflow's clock when it took in its first signal: workflow time is the
 * start of the workflow task, on the server, whatever this process's clock says.
 */
export async function firstSignalReadAt(handle: WorkflowHandle): Promise<number> {
  const events = (await handle.fetchHistory()).events ?? [];
  const signalled = events.findIndex((e) => e.workflowExecutionSignaledEventAttributes);
  const started = events.slice(signalled).find((e) => e.workflowTaskStartedEventAttributes);
  if (signalled < 0 || !started) throw new Error('no workflow task took in a signal');
  return tsToMs(started.eventTime);
}

/** The calendar date `days` after the day of instant `now` in `timeZone`, as YYYY-MM-DD. */
export function isoDate(days: number, timeZone: string, now: number): string {
  return toIso(addDays(todayIn(now, timeZone), days));
}
