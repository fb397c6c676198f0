import { Partitioners, type ICustomPartitioner, type Message, type Producer, type ProducerBatch, type RecordMetadata } from 'kafkajs';

/**
 * A produce request kafkajs reported as sent, which left records of some partitions unsent, and
 * sending those again did not get them through either. Transient: the relay retries the batch.
 */
export class IncompleteSendError extends Error {
  readonly code = 'INCOMPLETE_SEND';
  readonly retriable = true;

  constructor(
    readonly unsent: number,
    readonly partitions: string[],
    rounds: number,
  ) {
    super(
      `Kafka acknowledged a produce request without ${unsent} of its records (partitions ${partitions.join(', ')}), ` +
        `and ${rounds} more sends did not get them through; the batch is retried later`,
    );
    this.name = 'IncompleteSendError';
  }
}

interface Assignment {
  topic: string;
  partition: number;
}

// Which partition the partitioner gave each record object. Records are built per publish and
// dropped after it, so a WeakMap forgets them with no bookkeeping.
const assigned = new WeakMap<Message, Assignment>();

/**
 * kafkajs's DefaultPartitioner (murmur2 of the key, as the Java client; round-robin over led
 * partitions for null keys), made sticky and observable for sendBatchCompletely: a record keeps
 * the partition it was first given as long as the topic has that partition — so a retry inside
 * kafkajs cannot move a null-key record to another partition — and the assignment can be read
 * back (partitionOf). Keyed records get the same partition as with the DefaultPartitioner.
 */
export const TrackedPartitioner: ICustomPartitioner = () => {
  const inner = Partitioners.DefaultPartitioner();
  return (args) => {
    const known = assigned.get(args.message);
    if (known && known.topic === args.topic && args.partitionMetadata.some((p) => p.partitionId === known.partition)) return known.partition;
    const partition = inner(args);
    assigned.set(args.message, { topic: args.topic, partition });
    return partition;
  };
};

/** The partition TrackedPartitioner gave `record` for `topic`; undefined if it never saw the record. */
export function partitionOf(record: Message, topic: string): number | undefined {
  const known = assigned.get(record);
  return known && known.topic === topic ? known.partition : undefined;
}

const DEFAULT_ROUNDS = 5;

/** What sendBatchCompletely is about to send again: record count, `topic/partition`s, the resend's number (1-based). */
export interface UnsentRecords {
  records: number;
  partitions: string[];
  round: number;
}

/**
 * `producer.sendBatch(batch)`, then sends again, in order, the records of every partition the
 * broker's acknowledgement does not name, until all are acknowledged (IncompleteSendError after
 * `rounds` more sends, default 5). `onUnsent` is told before each resend.
 *
 * Why: kafkajs 2.2.4's sendBatch keeps one response per broker across its internal retries
 * (producer/sendMessages.js `responsePerBroker`). When the leader of partition P dies mid-request,
 * kafkajs refreshes the metadata and retries; if P's new leader is a broker that already answered
 * for other partitions of the same batch, that broker is skipped as done, and sendBatch resolves
 * without ever sending P's records — a silent loss (tulios/kafkajs#1303, fix proposed in #1798).
 * Seen on the 3-node cluster test (test/integration/cluster-failover.test.ts) with the leader of
 * a partition SIGKILLed: rows PUBLISHED whose records were not on the topic.
 *
 * The records of one partition travel together in a request and are acknowledged together, so a
 * partition the acknowledgement names holds all of them, and one it does not name holds none
 * that kafkajs counted: its sequence numbers were wound back when its request failed, so
 * sending them again through the same idempotent producer appends them once (the broker drops a
 * copy it already has). They are sent before anything later in the batch, so per-key order holds
 * (docs/guarantees.md §4.2, §4.4). The producer must have been built with TrackedPartitioner;
 * records whose partition it did not record are taken as sent (nothing to check them against).
 */
export async function sendBatchCompletely(
  producer: Producer,
  batch: ProducerBatch,
  options: { rounds?: number; onUnsent?: (unsent: UnsentRecords) => void } = {},
): Promise<RecordMetadata[]> {
  const rounds = options.rounds ?? DEFAULT_ROUNDS;
  const acknowledged: RecordMetadata[] = [];
  let pending = batch.topicMessages ?? [];
  for (let round = 0; ; round += 1) {
    const response = await producer.sendBatch({ ...batch, topicMessages: pending });
    const answered = new Set<string>();
    for (const entry of Array.isArray(response) ? response : []) {
      acknowledged.push(entry);
      answered.add(`${entry.topicName}/${entry.partition}`);
    }
    const unsentPartitions = new Set<string>();
    pending = pending
      .map(({ topic, messages }) => ({
        topic,
        messages: messages.filter((record) => {
          const partition = partitionOf(record, topic);
          if (partition === undefined || answered.has(`${topic}/${partition}`)) return false;
          unsentPartitions.add(`${topic}/${partition}`);
          return true;
        }),
      }))
      .filter(({ messages }) => messages.length > 0);
    if (pending.length === 0) return acknowledged;
    const unsent = pending.reduce((sum, t) => sum + t.messages.length, 0);
    if (round === rounds) throw new IncompleteSendError(unsent, [...unsentPartitions], rounds);
    options.onUnsent?.({ records: unsent, partitions: [...unsentPartitions], round: round + 1 });
  }
}
