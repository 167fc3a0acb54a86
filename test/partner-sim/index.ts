export { PartnerSim, startPartnerSim, type PartnerSimOptions } from './partner-sim';
export { SimCounters } from './counters';
export { fakeItem } from './items';
export { DEV_CLIENT_ID, DEV_CLIENT_SECRET } from './oauth';
export { DEV_KEYS_FILE, loadKeyFile, type StoredKey } from './jwt-issuer';
export { generateWebhookSecret, signWebhook, webhookHeaders, webhookKey } from './webhook-signer';
export { DEFAULT_WEBHOOK_SETTINGS, type WebhookSettings } from './webhooks';
export * from './types';
