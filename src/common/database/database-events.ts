import { Injectable, Module } from '@nestjs/common';
import type { DatabaseEventListener } from './bounded-mysql2';

/**
 * What the bounded driver observes about the database (available again, unreachable), for
 * whoever wants to count it. The database layer knows nothing of metrics: the application
 * subscribes the metrics to these events (app.module.ts).
 */
@Injectable()
export class DatabaseEvents {
  private readonly listeners: DatabaseEventListener[] = [];

  on(listener: DatabaseEventListener): void {
    this.listeners.push(listener);
  }

  readonly emit: DatabaseEventListener = (event, reason) => {
    for (const listener of this.listeners) {
      listener(event, reason);
    }
  };
}

/** One DatabaseEvents per application, shared by the TypeORM setup and its subscribers. */
@Module({ providers: [DatabaseEvents], exports: [DatabaseEvents] })
export class DatabaseEventsModule {}
