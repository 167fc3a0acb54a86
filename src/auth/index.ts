export { SCOPES } from './auth.constants';
export { AuthModule } from './auth.module';
export type { AuthenticatedUser } from './authenticated-user';
export { BearerClientIdentity } from './bearer-client-identity';
export { CurrentUser } from './current-user.decorator';
export { RequireScopes } from './scopes.decorator';
