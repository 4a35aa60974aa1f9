export { campaign } from './campaign';
export { conversation } from './conversation';
