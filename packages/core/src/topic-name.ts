/**
 * Kafka's rules for topic names (kafka.common.internals.Topic.validate), checked where a topic
 * name enters outboxkit, so that a name the broker will never accept fails at the caller's
 * `send()` — not in the relay, as a DEAD row, after the transaction committed. The consumer and
 * the dead-letter replay can use the same rule.
 */

/** Longest topic name Kafka accepts. */
export const MAX_TOPIC_LENGTH = 249;

const LEGAL_CHARACTERS = /^[a-zA-Z0-9._-]+$/;

/**
 * Names starting with `__` are Kafka's internal topics (`__consumer_offsets`,
 * `__transaction_state`, `__cluster_metadata`, `__share_group_state`) and those of tools that
 * follow the same convention (`__strimzi…`, `__debezium-heartbeat…`). Brokers refuse a produce to
 * their internal topics; a business message has no place in the others. outboxkit refuses the
 * whole prefix rather than a list that each Kafka release may extend.
 */
export const RESERVED_TOPIC_PREFIX = '__';

/**
 * Why `topic` is not a topic Kafka accepts for an application's messages, as a phrase that
 * follows the quoted name and says what to do; undefined when it is fine.
 */
export function topicNameProblem(topic: string): string | undefined {
  if (topic.length === 0) return 'is empty: every message needs the Kafka topic to publish to';
  if (topic.length > MAX_TOPIC_LENGTH) {
    return `is ${topic.length} characters long; Kafka accepts at most ${MAX_TOPIC_LENGTH}: use a shorter name`;
  }
  if (!LEGAL_CHARACTERS.test(topic)) {
    return 'contains characters Kafka does not allow in a topic name: use only a-z, A-Z, 0-9, ".", "_" and "-"';
  }
  if (topic === '.' || topic === '..') return 'is not a topic name Kafka accepts ("." and ".." are refused): name the topic';
  if (topic.startsWith(RESERVED_TOPIC_PREFIX)) {
    return (
      `starts with "${RESERVED_TOPIC_PREFIX}", which is reserved for Kafka's internal topics ` +
      '(__consumer_offsets, __transaction_state, …): send to a topic of your own'
    );
  }
  return undefined;
}
