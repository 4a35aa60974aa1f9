// The journey the campaign benchmarks send: one message, then a question that waits an hour.
export const BENCH_JOURNEY = {
  name: 'Bench',
  start: 'hello',
  steps: [
    { id: 'hello', kind: 'message', text: 'Hi <<firstName>>, this is a test.', next: 'ask' },
    {
      id: 'ask',
      kind: 'ask',
      text: 'Reply YES or NO.',
      timeout: '1h',
      branches: [{ match: { yesno: 'yes' }, next: 'end' }],
      fallback: 'end',
      onTimeout: 'end',
    },
    { id: 'end', kind: 'end', outcome: 'Completed' },
  ],
};
