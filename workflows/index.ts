export { campaign } from './campaign';
export { conversation } from './conversation';
export { notice } from './notice';
export { importCampaign } from './import';
export { webhookDispatcher } from './webhooks';
export { conversationPurge, retentionSweep } from './retention';
export { propensityTraining } from './propensity';
export { dataSubjectRequest } from './dsr';
