export { type GetOptions, type GetResponse, OutboundTimeoutError, OutboundTooLargeError, guardedGet, guardedPost } from './get';
export {
  type OutboundPolicy,
  OutboundRefusedError,
  type Resolver,
  checkUrl,
  checkUrlShape,
  configuredPolicy,
  dnsResolver,
  outboundPolicy,
  systemResolver,
} from './guard';
export { NETWORK_REASONS } from './reasons';
