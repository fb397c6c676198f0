import type { Logger } from './logger.js';

/**
 * A small typed event emitter. A throwing listener is logged and never reaches the loop that
 * emitted the event; `on` returns the function that unsubscribes.
 */
export class TypedEvents<EventMap extends { [K in keyof EventMap]: unknown }> {
  private readonly listeners = new Map<keyof EventMap, Set<(payload: never) => void>>();

  constructor(private readonly logger: Logger) {}

  on<K extends keyof EventMap>(event: K, listener: (payload: EventMap[K]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener as (payload: never) => void);
    return () => {
      set.delete(listener as (payload: never) => void);
    };
  }

  /** True when someone listens, so callers can skip building a payload nobody reads. */
  has<K extends keyof EventMap>(event: K): boolean {
    return (this.listeners.get(event)?.size ?? 0) > 0;
  }

  emit<K extends keyof EventMap>(event: K, payload: EventMap[K]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const listener of set) {
      try {
        (listener as (payload: EventMap[K]) => void)(payload);
      } catch (error) {
        this.logger.error('event listener threw', { event: String(event), error });
      }
    }
  }
}
