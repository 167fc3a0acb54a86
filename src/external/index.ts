export { ExternalModule } from './external.module';
export { SubscriptionsService } from './subscriptions.service';
