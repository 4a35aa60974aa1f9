import { DefaultFailureConverter } from '@temporalio/common';

/**
 * Failure messages and stack traces can quote contact data, so they go
 * through the payload codec like any other payload. Loaded by path: the
 * workflow sandbox needs it in its bundle.
 */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
