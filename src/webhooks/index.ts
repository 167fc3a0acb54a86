export { registerWebhookHeaderCheck } from './webhook-header-check';
export { registerWebhookRawBody } from './webhook-raw-body';
export { WebhooksModule } from './webhooks.module';
