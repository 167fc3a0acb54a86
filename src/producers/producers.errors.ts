import { AppError } from '../common/errors/app.error';

export class ProducerNotFoundError extends AppError {
  constructor(id: number) {
    super('PRODUCER_NOT_FOUND', `No producer with id ${id}`);
  }
}

/** A token that acts for one producer may change that producer only, and create none. */
export class ProducerTokenCannotCreateError extends AppError {
  constructor(producerId: number) {
    super(
      'INSUFFICIENT_SCOPE',
      `A token acting for producer ${producerId} cannot create producers`,
      { headers: { 'WWW-Authenticate': 'Bearer error="insufficient_scope"' } },
    );
  }
}
