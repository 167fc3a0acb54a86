import 'reflect-metadata';
import { PUBLIC_BASE_URL_MAX_LENGTH } from '../config/env.validation';
import { SUBSCRIPTION_URL_MAX_LENGTH, WEBHOOK_RECEIVER_PATH } from './external.constants';

describe('subscription URL bounds', () => {
  it('caps PUBLIC_BASE_URL so that the receiver URL fits its column exactly', () => {
    expect(PUBLIC_BASE_URL_MAX_LENGTH + WEBHOOK_RECEIVER_PATH.length).toBe(
      SUBSCRIPTION_URL_MAX_LENGTH,
    );
  });
});
