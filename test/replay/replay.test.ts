import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { EncryptionCodec, payloadKey } from '../../platform/codec';
import { HISTORIES_DIR } from '../helpers/histories';
import { TEST_MASTER_KEY } from '../helpers/stack';

const dataConverter = { payloadCodecs: [new EncryptionCodec(payloadKey(Buffer.from(TEST_MASTER_KEY, 'base64')))] };

const files = readdirSync(HISTORIES_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();

describe('replay of committed histories', () => {
  it('has histories for the campaign, a conversation and each sample journey, from before and after the local load, polled readiness and campaign controls', () => {
    const before = ['campaign', 'greeting-yes', 'collections-promise', 'appointment-cancel', 'inbound-faq-handoff'];
    const after = [
      'campaign-polling',
      'campaign-paced',
      'greeting-yes-v2',
      'collections-promise-v2',
      'appointment-cancel-v2',
      'inbound-faq-handoff-v2',
      'campaign-scheduled',
      'campaign-throttled-end-running',
      'greeting-send-window',
      'import-campaign-resumed',
      'intent-promise',
    ];
    expect(files).toEqual(expect.arrayContaining([...before, ...after].map((name) => `${name}.json`)));
  });

  it.each(files)("when %s is replayed against today's workflow code, then it does not diverge", async (file) => {
    const history = historyFromJSON(JSON.parse(readFileSync(path.join(HISTORIES_DIR, file), 'utf8')));
    await Worker.runReplayHistory({ workflowBundle: { codePath: process.env.PARLEY_TEST_BUNDLE! }, dataConverter }, history, file);
  });
});
