/**
 * Runs the functions handed to `run` one at a time, in the order `run` was called. A failure
 * of one does not stop the next. It serialises the relay's sends through its one idempotent Kafka
 * producer (kafka-relay's KafkaPublisher) and the lease statements of PartitionLeases.
 */
export class FifoMutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
