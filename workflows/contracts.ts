// Workflow names, ids, inputs, signals, queries, updates, search attributes and
// non-retryable error names shared by the API, the activities and the worker.
// The API imports this module; it never bundles workflow code.
import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { RunState, Wait } from './journey/types';

/** Workflow types, as the API starts them by name. */
export const WORKFLOW = {
  conversation: 'conversation',
  campaign: 'campaign',
  notice: 'notice',
  importCampaign: 'importCampaign',
  webhooks: 'webhookDispatcher',
  retentionSweep: 'retentionSweep',
  conversationPurge: 'conversationPurge',
  propensityTraining: 'propensityTraining',
  dsr: 'dataSubjectRequest',
} as const;

export const OrgIdKey = defineSearchAttributeKey('OrgId', SearchAttributeType.KEYWORD);
export const CampaignIdKey = defineSearchAttributeKey('CampaignId', SearchAttributeType.KEYWORD);
export const JourneyIdKey = defineSearchAttributeKey('JourneyId', SearchAttributeType.KEYWORD);
export const ChannelKey = defineSearchAttributeKey('Channel', SearchAttributeType.KEYWORD);
export const ConversationStatusKey = defineSearchAttributeKey('ConversationStatus', SearchAttributeType.KEYWORD);
export const OutcomeKey = defineSearchAttributeKey('Outcome', SearchAttributeType.KEYWORD);

export const campaignWorkflowId = (campaignId: string) => `campaign:${campaignId}`;
/** The import of a campaign's contacts file. */
export const importWorkflowId = (campaignId: string) => `import:${campaignId}`;
export const conversationWorkflowId = (conversationId: string) => `conversation:${conversationId}`;
/** A sender's inbound conversation; `digest` is a keyed hash of org, channel and address, never the address itself. */
export const inboundWorkflowId = (digest: string) => `inbound:${digest}`;
export const isInboundWorkflowId = (workflowId: string) => workflowId.startsWith('inbound:');
/** The one dispatcher of a webhook endpoint. */
export const webhookWorkflowId = (endpointId: string) => `webhooks:${endpointId}`;
/** One data-subject request, by its id (never the identity it names). */
export const dsrWorkflowId = (requestId: string) => `dsr-${requestId}`;
/** One system message per business key, such as the inbound message that asked for it. */
export const noticeWorkflowId = (key: string) => `notice:${key}`;

/** A conversation's search attributes at its start; the workflow updates ConversationStatus and Outcome. */
export function conversationSearchAttributes(c: {
  orgId: string;
  journeyId: string;
  channelKind: string;
  campaignId?: string;
}): SearchAttributePair[] {
  return [
    { key: OrgIdKey, value: c.orgId },
    ...(c.campaignId ? [{ key: CampaignIdKey, value: c.campaignId }] : []),
    { key: JourneyIdKey, value: c.journeyId },
    { key: ChannelKey, value: c.channelKind },
    { key: ConversationStatusKey, value: 'starting' },
  ];
}

export function campaignSearchAttributes(c: {
  orgId: string;
  campaignId: string;
  journeyId: string;
  channelKind: string;
}): SearchAttributePair[] {
  return [
    { key: OrgIdKey, value: c.orgId },
    { key: CampaignIdKey, value: c.campaignId },
    { key: JourneyIdKey, value: c.journeyId },
    { key: ChannelKey, value: c.channelKind },
  ];
}

// ---- errors ----

/** Error types (the activities' error class names) that no retry will cure. */
export const NON_RETRYABLE = {
  permanentSend: 'PermanentSendError',
  contactStopped: 'ContactStoppedError',
  configuration: 'ConfigurationError',
  notFound: 'NotFoundError',
  enrichmentFailed: 'EnrichmentFailed',
  importFile: 'ImportFileError',
} as const;

// ---- conversation ----

export interface ConversationInput {
  conversationId: string;
  /** Set when started by a campaign, which learns when the first send is done. */
  campaignId?: string;
  /** The campaign reads readiness from the conversation's row: signal it only when the first turn sent nothing. */
  campaignPolls?: boolean;
  /** Started by the customer's message: the messages that started it answer the first question. */
  inbound?: boolean;
  /** Messages that reached the sender's previous conversation after it ended: the first answers of this one. */
  inbox?: InboundMessage[];
  /** Carried across continue-as-new. */
  carried?: {
    state: RunState;
    sends: Record<string, number>;
    started: boolean;
    inbox: InboundMessage[];
    seen: string[];
    agentOutcome?: string;
    wait: Wait;
  };
}

export interface InboundMessage {
  messageId: string;
  text: string;
  /** The conversation row the API routed it to; another than the run's own means a successor waits. */
  conversationId?: string;
  /** -1 (very negative) to 1 (very positive), as the API read it. */
  sentiment?: number;
}

/** Outcomes the engine itself sets, valid in every org. */
export const SYSTEM_OUTCOMES = ['Opted out', 'Undeliverable', 'Missing data', 'Journey error', 'No response'] as const;

export interface AgentMessage {
  requestId: string;
  text: string;
  author: 'agent' | 'api';
}

export type ConversationPhase = 'starting' | 'active' | 'waiting_reply' | 'waiting_time' | 'enriching' | 'handoff' | 'restricted' | 'ended';

export interface ConversationView {
  conversationId: string;
  phase: ConversationPhase;
  stepId: string;
  outcome?: string;
  journeyVersion?: number;
}

export const inboundSignal = defineSignal<[InboundMessage]>('inbound');
export const handoffSignal = defineSignal<[{ reason?: string }]>('handoff');
export const handbackSignal = defineSignal<[{ stepId?: string }]>('handback');
export const closeSignal = defineSignal<[{ outcome?: string; reason: 'agent' | 'opt_out' | 'cancelled' }]>('close');
export const outcomeSignal = defineSignal<[{ outcome: string }]>('outcome');
/** The contact's restriction of processing is lifted: a conversation frozen by it goes on where it stopped. */
export const restrictionLiftedSignal = defineSignal('restrictionLifted');
/** The contact's fields were corrected: the journey reads the new values from its next step on ('' removes a field). */
export const contactRectifiedSignal = defineSignal<[{ fields: Record<string, string> }]>('contactRectified');
export const agentMessageUpdate = defineUpdate<{ messageId: string }, [AgentMessage]>('agentMessage');
export const conversationStateQuery = defineQuery<ConversationView>('state');

// ---- notice ----

export interface NoticeInput {
  channelId: string;
  contactId: string;
  conversationId?: string;
  text: string;
  /** Business key, e.g. the inbound message that asked for it: one notice per key. */
  key: string;
}

// ---- campaign ----

export interface CampaignInput {
  campaignId: string;
  orgId: string;
  window: number;
  runLimit: number;
  /** ISO 8601: no member starts before then. */
  startAt?: string;
  /** At most this many members start in any minute, on top of the channel's rate. */
  ratePerMinute?: number;
  carried?: CampaignProgress & {
    afterSeq: number;
    inFlightIds: string[];
    paused: boolean;
    recentStarts?: number[];
    /** Set when a run hands on closing running conversations, after this campaign sequence number. */
    closeAfterSeq?: number;
  };
}

export interface CampaignProgress {
  status: 'scheduled' | 'running' | 'paused' | 'cancelling' | 'completed' | 'cancelled';
  started: number;
  ready: number;
  inFlight: number;
  runs: number;
}

export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
/** With `endRunning`, the conversations already running are closed too. */
export const cancelSignal = defineSignal<[CancelOptions?]>('cancel');
export interface CancelOptions {
  endRunning?: boolean;
}
/** Members were added after the last one the run has read: page on. */
export const membersAddedSignal = defineSignal('membersAdded');
export const memberReadySignal = defineSignal<[{ conversationId: string }]>('memberReady');
export const progressQuery = defineQuery<CampaignProgress>('progress');

// ---- import ----

export interface ImportInput {
  campaignId: string;
  orgId: string;
  /** The API's limits on a contact, as the synchronous import applies them. */
  limits: { maxContactFields: number; maxFieldChars: number; maxUnpackedBytes: number };
  /** How the campaign runs once its contacts are in. */
  window: number;
  runLimit: number;
  startAt?: string;
  ratePerMinute?: number;
}

// ---- webhooks ----

export interface WebhookDispatchInput {
  endpointId: string;
}

/** What a dispatch run found the endpoint to be when it returned. */
export type WebhookDispatchStatus = 'active' | 'paused' | 'disabled' | 'gone';

/** Something changed (created, resumed, replayed, deleted): look at the endpoint again. */
export const wakeWebhooksSignal = defineSignal('wakeWebhooks');

// ---- retention ----

/** The daily Temporal Schedule that runs the retention sweep: one per task queue (a deployment's workers share one). */
export const retentionScheduleId = (taskQueue: string) => `retention-sweep:${taskQueue}`;

/** An ended conversation's own purge, started with a delay of its org's retention period. */
export const conversationPurgeWorkflowId = (conversationId: string) => `purge:${conversationId}`;
export interface ConversationPurgeInput {
  conversationId: string;
  orgId: string;
}
export type PurgeResult = { kind: 'purged' | 'held' | 'kept' | 'gone' } | { kind: 'wait'; until: string };

export interface RetentionSweepInput {
  /** Only this org; every org with a retention setting when absent. */
  orgId?: string;
}

// ---- outcome propensity ----

/** The nightly Temporal Schedule that retrains the propensity models: one per task queue, as for retention. */
export const propensityScheduleId = (taskQueue: string) => `propensity-training:${taskQueue}`;

export interface PropensityTrainingInput {
  /** Only this org's journeys; every journey that names a target outcome when absent. */
  orgId?: string;
  /** Where a run continued as new: the last journey done. */
  after?: { orgId: string; journeyId: string };
}

// ---- data-subject requests ----

export interface DsrInput {
  orgId: string;
  requestId: string;
}
