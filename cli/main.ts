import { Command, InvalidArgumentError } from 'commander';
import { CliError, targetFromEnv } from './client';
import { controlCampaign, createCampaign, watchCampaign } from './campaign';
import { transcript } from './conversation';

const JSON_HELP = 'print the API answer as JSON';

const seconds = (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('a number of seconds above 0');
  return n;
};

/** Runs a command with the target from the environment; a failure is printed plainly and exits 1. */
const run =
  <A extends unknown[]>(fn: (...args: A) => Promise<void>) =>
  async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      const json = args.some((a) => a && typeof a === 'object' && (a as { json?: boolean }).json);
      if (!(err instanceof CliError)) throw err;
      process.stderr.write(json ? `${JSON.stringify({ error: err.message, problem: err.problem })}\n` : `parley: ${err.message}\n`);
      process.exitCode = 1;
    }
  };

const program = new Command('parley')
  .description('Operate Parley campaigns and conversations through its HTTP API (PARLEY_API_URL, PARLEY_API_KEY)')
  .showHelpAfterError();

const campaign = program.command('campaign').description('create, control and watch campaigns');

campaign
  .command('create')
  .description('create a campaign from a .csv, .xlsx or .xls file of contacts')
  .argument('<file>', 'the contacts file')
  .requiredOption('--journey <id>', 'journey id')
  .requiredOption('--channel <id>', 'channel id')
  .option('--map <mapping>', 'columns, e.g. phone=Mobile,ref=CustomerRef,firstName=First (other keys become fields)')
  .option('--country <code>', 'default country for phone numbers, e.g. GB')
  .option('--dry-run', 'report what would happen without starting anything')
  .option('--name <name>', 'campaign name')
  .option('--json', JSON_HELP)
  .action(run((file: string, opts) => createCampaign(targetFromEnv(), file, opts)));

for (const action of ['start', 'pause', 'resume', 'cancel'] as const) {
  const command = campaign
    .command(action)
    .description(action === 'start' ? 'start a scheduled or paused campaign' : `${action} a campaign`)
    .argument('<id>', 'campaign id')
    .option('--json', JSON_HELP);
  if (action === 'cancel') command.option('--end-running', 'also end the conversations already running');
  command.action(run((id: string, opts) => controlCampaign(targetFromEnv(), action, id, opts)));
}

campaign
  .command('watch')
  .description('show sent and replied counts, rate and ETA until the campaign is completed or cancelled')
  .argument('<id>', 'campaign id')
  .option('--interval <seconds>', 'seconds between polls', seconds, 2)
  .option('--once', 'print one line and exit')
  .option('--json', 'print JSON lines')
  .action(run((id: string, opts) => watchCampaign(targetFromEnv(), id, opts)));

program
  .command('conversation')
  .description('read conversations')
  .command('transcript')
  .description("print a conversation's messages")
  .argument('<id>', 'conversation id')
  .option('--csv', 'as CSV')
  .option('--json', JSON_HELP)
  .action(run((id: string, opts) => transcript(targetFromEnv(), id, opts)));

program.parseAsync().catch((err: unknown) => {
  process.stderr.write(`parley: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
