import { loadConfig } from '../../../config';
import { installRuntime } from '../../../platform/stack';

describe('metrics configuration', () => {
  it.each(['0.0.0.0:9464', '127.0.0.1:1', '[::]:9464', '[::1]:65535'])(
    'when WORKER_METRICS_ADDRESS is %s, then it is accepted',
    (address) => {
      expect(loadConfig({ WORKER_METRICS_ADDRESS: address }).WORKER_METRICS_ADDRESS).toBe(address);
    },
  );

  it.each(['localhost:9464', '9464', '0.0.0.0', '0.0.0.0:65536', '::1:9464', '[127.0.0.1]:9464', ''])(
    'when WORKER_METRICS_ADDRESS is %p, then start-up fails naming it',
    (address) => {
      expect(() => loadConfig({ WORKER_METRICS_ADDRESS: address })).toThrow(/WORKER_METRICS_ADDRESS: must be an IP address and port/);
    },
  );

  it('when METRICS_TOKEN is short or has spaces, then start-up fails naming it', () => {
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN/);
    expect(() => loadConfig({ METRICS_TOKEN: 'has a space in the middle' })).toThrow(/METRICS_TOKEN: must be printable ASCII/);
  });

  it('when the runtime is already installed and worker metrics are asked for, then it fails rather than running without them', () => {
    // The test setup installs the runtime in every jest process.
    expect(() => installRuntime('silent')).not.toThrow();
    expect(() => installRuntime('silent', '127.0.0.1:9464')).toThrow(
      /^WORKER_METRICS_ADDRESS 127\.0\.0\.1:9464: Runtime singleton has already been installed/,
    );
  });
});
