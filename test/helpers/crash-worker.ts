// A worker process that dies (SIGKILL) right after the sandbox provider has
// accepted the first message to CRASH_ADDRESS, before the send activity can
// record it: the moment a real crash would hurt most.
import { type ChannelSender, createChannelRegistry } from '../../channels';
import { createWorker } from '../../platform/worker';
import { loadConfig, masterKey } from '../../config';
import { secretBox } from '../../platform/secrets';
import { createDb } from '../../db/database';

async function main() {
  const config = loadConfig();
  const db = createDb(config.DATABASE_URL!, 2);
  const secrets = secretBox(masterKey(config));
  const real = createChannelRegistry(db, {}, { secrets })('sandbox');
  const crashing: ChannelSender = {
    kind: 'sandbox',
    async send(msg) {
      const result = await real.send(msg);
      if (msg.to === process.env.CRASH_ADDRESS) process.kill(process.pid, 'SIGKILL');
      return result;
    },
  };
  const worker = await createWorker({
    config,
    db,
    channels: createChannelRegistry(db, { sandbox: crashing }, { secrets }),
    workflowBundle: { codePath: process.env.PARLEY_TEST_BUNDLE! },
  });
  process.stdout.write('ready\n');
  await worker.run();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
